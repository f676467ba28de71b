import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { JsonDuckDBValueConverter, type Json } from '@duckdb/node-api';
import type { Workspace } from '../kernel/workspace/workspace.js';
import type { Connection } from '../kernel/workspace/db.js';
import { ident, literal } from '../kernel/util/sql.js';
import { errorMessage } from '../kernel/util/errors.js';
import type { OperationOptions } from '../shared/progress.js';
import { loadPipelines, type PipelineDefinition } from '../kernel/pipeline/definition.js';
import { parseStatement, referencedColumns } from '../kernel/pipeline/ast.js';
import { CANONICAL_FIELDS } from '../kernel/workspace/settings.js';
import {
  buildPlan,
  recordIdentitySql,
  selectRejects,
  selectTypedRows,
  type PlanInput,
  type SourceField,
} from '../kernel/events/plan.js';
import { ndjsonRecordsReader, normalizeType } from '../kernel/events/records.js';
import { readLinesByNumber } from '../kernel/lines/read-bytes.js';
import { CANONICAL_COLUMNS, LAKE_META_COLUMNS } from '../kernel/events/columns.js';
import {
  aggregateFunctionNames,
  NotIncrementalError,
  planIncremental,
  type IncrementalPipeline,
  type IncrementalPlan,
} from './incremental.js';
import { PipelineState, type ColumnType, type SerializedState } from './state.js';
import { IdentitySet } from './identity-set.js';
import { deltaRows } from './delta-rows.js';
import { ArrivalStore, type StoredBatch } from './arrivals.js';
import { batchFileName, removeOrphanBatchFiles, scratchDir } from './scratch.js';

export const LIVE_MODES = ['naive', 'exact'] as const;
/** naive counts every arriving line (the article's `+1` stream); exact counts each event identity once. */
export type LiveMode = (typeof LIVE_MODES)[number];

/**
 * Columns whose first holds numbers that grow with arrival (row ids of the arrival store), sorted by it (a no-op,
 * checked in one pass, when they already are).
 */
export function inArrivalOrder<T extends Float64Array[]>(columns: T): T {
  const arrivals = columns[0] as Float64Array;
  let sorted = true;
  for (let i = 1; i < arrivals.length && sorted; i++) sorted = (arrivals[i - 1] as number) < (arrivals[i] as number);
  if (sorted) return columns;
  const order = Array.from(arrivals.keys()).sort((a, b) => (arrivals[a] as number) - (arrivals[b] as number));
  return columns.map((column) => Float64Array.from(order, (i) => column[i] as number)) as T;
}

export interface LiveBatch {
  /** Complete NDJSON lines, each ending in '\n'. */
  data: Buffer;
  /** The line number of each line in `data`. */
  lineNumbers: Float64Array | number[];
  count: number;
}

export interface LiveReject {
  line: number;
  reason: string;
  raw: string;
}

export type LiveRow = Record<string, Json>;

export interface LiveUpdate {
  pipeline: string;
  mode: LiveMode;
  /** The rows that changed, whole. */
  rows: LiveRow[];
}

export interface LiveIngest {
  lines: number;
  /** Lines that became events (naive mode counts them all). */
  events: number;
  /** Events whose identity had not been seen (exact mode counts these). */
  newEvents: number;
  rejects: LiveReject[];
  updates: LiveUpdate[];
}

export interface LiveProblem {
  pipeline: string;
  error: string;
}

interface Compiled {
  definition: PipelineDefinition;
  incremental: IncrementalPipeline;
  /** The delta query's columns that are distinct counts' lists of hashes. */
  hashColumns: ReadonlySet<number>;
  states: Map<LiveMode, PipelineState>;
  rows: Map<LiveMode, Map<string, LiveRow>>;
}

export interface LiveSnapshot {
  /** 2: distinct counts hold hashes of their values (1: the values). */
  version: 2;
  fields: SourceField[];
  arrivals: number;
  counters: LiveCounters;
  states: Record<string, Partial<Record<LiveMode, SerializedState>>>;
}

export interface LiveCounters {
  lines: number;
  events: number;
  newEvents: number;
  rejects: number;
}

const RAW_LIMIT = 4096;
/** Up to this many events a batch's delta queries leave repeats in distinct lists to the merge (smallDeltaSql). */
const SMALL_BATCH = 50_000;

/** Leaf types DuckDB's JSON reader yields exactly as a cast of the value's text would (see `readsNatively`). */
const NATIVE_LEAVES = new Set([
  'VARCHAR',
  'BOOLEAN',
  'TINYINT',
  'SMALLINT',
  'INTEGER',
  'BIGINT',
  'UTINYINT',
  'USMALLINT',
  'UINTEGER',
  'UBIGINT',
  'FLOAT',
  'DOUBLE',
]);

/**
 * Whether a field of this type can be read by DuckDB's JSON reader as the type itself rather than as text
 * cast afterwards: nested values (`items`, a list of structs) are then parsed once instead of being
 * rendered as JSON text and parsed again (a third of reading a batch, measured). Only types whose values
 * come out the same either way: not DECIMAL (the reader goes through a double), nor times, JSON or
 * UUIDs, which are parsed the way imports parse them. The type text is DuckDB's own (DESCRIBE).
 */
export function readsNatively(type: string): boolean {
  const tokens = type.match(/"(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_]*|\d+|[()[\],]/g) ?? [];
  let at = 0;
  const peek = () => tokens[at];
  const take = () => tokens[at++];
  const parse = (): boolean => {
    let ok: boolean;
    const head = take()?.toUpperCase();
    if (head === 'STRUCT' || head === 'MAP') {
      if (take() !== '(') return false;
      ok = true;
      for (;;) {
        if (head === 'STRUCT') take(); // the field's name
        ok = parse() && ok;
        const next = take();
        if (next === ')') break;
        if (next !== ',') return false;
      }
    } else {
      ok = head !== undefined && NATIVE_LEAVES.has(head);
      // A multi-word name (TIMESTAMP WITH TIME ZONE) or parameters (DECIMAL(18,2)): never a native leaf.
      while (peek() !== undefined && /^[A-Za-z(]/.test(peek() as string)) {
        ok = false;
        if (take() === '(') while (take() !== ')' && peek() !== undefined);
      }
    }
    while (peek() === '[') {
      take();
      if (peek() !== ']') take();
      if (take() !== ']') return false;
    }
    return ok;
  };
  return parse() && at === tokens.length;
}

/** A file batches are written to, and when the last batch written to it no longer needs it. */
interface BatchFile {
  path: string;
  handle?: FileHandle;
  free: Promise<unknown>;
}

/** A connection whose `events` is one mode's view of the current batch, and the pipelines whose deltas run on it. */
interface Lane {
  mode: LiveMode;
  connection: Connection;
  pipelines: Compiled[];
}

/**
 * The speed layer: realtime results of every `realtime: true` pipeline, per partition seen, in naive
 * and exact mode, updated batch by batch. A batch is parsed by DuckDB, reading only the fields realtime
 * pipelines use, and typed by the same plan imports use (fields, identities, event times), straight into
 * the arrival store; each pipeline's delta query then runs over just the batch and merges into state.
 * Everything that arrived stays in the store (an in-memory database attached to the workspace's DuckDB),
 * where the served view can merge it with the lake; identities are checked against an index of 104-bit
 * keys (IdentitySet), so a batch costs the same however many events came before it. The delta queries
 * run on their own connections, one lane per mode (two for a single mode), side by side: for a small batch,
 * planning a query costs more than running it, and two cores plan two queries at once. Nothing is a prepared
 * statement: DuckDB 1.5 plans one with the table statistics of that moment, so a filter they rule out stays
 * planned away (a count prepared over an empty table kept returning 0), and it plans again any that reads a file.
 */
export class LiveView {
  private fields: SourceField[] | undefined;
  private compiled: Compiled[] = [];
  private lanes: Lane[] = [];
  readonly problems: LiveProblem[] = [];
  private arrivals = 0;
  readonly counters: LiveCounters = { lines: 0, events: 0, newEvents: 0, rejects: 0 };
  /** Identities of the exact events held (first arrival wins). */
  private readonly seen = new IdentitySet();
  private readonly store: ArrivalStore;
  /** The statement reading each batch file into the store (see `batchFiles`). */
  private readonly typedRowsSql = new Map<string, string>();
  /**
   * Batches are written to three files in turn, so that a batch is written while the two before it are read into the
   * store. A file is written again once its last batch is identified (which may read it again: identities of lines
   * without an id, reasons for rejected lines): `free`.
   */
  private readonly batchFiles: BatchFile[];
  private writes = 0;
  /**
   * The connections batches are read into the store on, in turn: a batch is read while the one before it is still
   * being read (each commits after the one before it, so row ids keep the order of lines: ArrivalStore.append).
   */
  private loaders: { connection: Connection; free: Promise<unknown> }[] = [];
  /** Milliseconds per ingest step, summed over batches (for `npm run bench`; lanes' steps overlap in time). */
  readonly timings: Record<string, number> = {};
  /**
   * The last batch's steps (begun: its schema known and its read under way; loaded; identified; applied): each step
   * of `ingest` waits for the same step of the batch before.
   */
  private beginning: Promise<unknown> = Promise.resolve();
  private loading: Promise<unknown> = Promise.resolve();
  private storing: Promise<unknown> = Promise.resolve();
  private applying: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly workspace: Workspace,
    private readonly connection: Connection,
    /** The attached in-memory database holding this view's arrivals. */
    readonly database: string,
    readonly modes: readonly LiveMode[],
    readonly source: string,
    /** Each realtime pipeline compiled as far as its text goes (see planIncremental), or why it cannot be. */
    private readonly plans: { definition: PipelineDefinition; plan: IncrementalPlan | LiveProblem }[],
    /** The fields the realtime pipelines refer to ('all' when one selects *). */
    private readonly wanted: Set<string> | 'all',
    /** Names the pipelines define themselves (aliases): read only where events have such a field. */
    private readonly defined: Set<string>,
    scratch: string,
  ) {
    this.batchFiles = [0, 1, 2].map((i) => ({ path: join(scratch, batchFileName(database, i)), free: Promise.resolve() }));
    this.store = new ArrivalStore(connection, database);
  }

  static async create(
    workspace: Workspace,
    options: { modes?: readonly LiveMode[]; pipelines?: string[]; source: string },
  ): Promise<LiveView> {
    const connection = await workspace.connect();
    const database = `live_${randomBytes(4).toString('hex')}`;
    await connection.run(`ATTACH ':memory:' AS ${ident(database)}`);
    const { pipelines } = await loadPipelines(connection, workspace.paths.pipelines);
    const definitions = pipelines.filter((p) => p.realtime && (!options.pipelines || options.pipelines.includes(p.name)));
    let wanted: Set<string> | 'all' = new Set<string>();
    const defined = new Set<string>();
    for (const definition of definitions) {
      const parsed = await parseStatement(connection, definition.sql);
      const refs = parsed.ok ? referencedColumns(parsed.statement) : 'all';
      if (refs !== 'all') for (const name of refs.defined) defined.add(name);
      wanted = wanted === 'all' || refs === 'all' ? 'all' : new Set([...wanted, ...refs.columns]);
    }
    // Compiled before any event arrives, as far as the pipelines' text goes: a first batch has only binding left to do.
    const aggregates = await aggregateFunctionNames(connection);
    const plans = await Promise.all(
      definitions.map(async (definition) => ({
        definition,
        plan: await planIncremental(connection, definition, aggregates).catch((error: unknown): LiveProblem => ({
          pipeline: definition.name,
          error: error instanceof NotIncrementalError ? error.message : errorMessage(error),
        })),
      })),
    );
    const scratch = await scratchDir(workspace.paths.tmp);
    await removeOrphanBatchFiles(scratch);
    const view = new LiveView(
      workspace,
      connection,
      database,
      options.modes ?? LIVE_MODES,
      options.source,
      plans,
      wanted,
      defined,
      scratch,
    );
    const lake = (await connection.all<{ column_name: string; column_type: string }>('DESCRIBE raw_events')).filter(
      (c) => c.column_name !== 'event_date' && !(LAKE_META_COLUMNS as readonly string[]).includes(c.column_name),
    );
    if (lake.some((c) => !(CANONICAL_COLUMNS as readonly string[]).includes(c.column_name))) {
      await view.fixSchema(new Map(lake.map((c) => [c.column_name, c.column_type])));
    }
    return view;
  }

  /** Realtime pipelines being maintained. */
  get pipelines(): string[] {
    return this.compiled.map((c) => c.definition.name);
  }

  /** Whether the view holds a schema yet (an empty lake's view takes it from its first batch). */
  get ready(): boolean {
    return this.fields !== undefined;
  }

  /** Each identity's first arrival, with `_source_line` and `_arrival`. */
  get exactEventsTable(): string {
    return this.store.exactEvents;
  }

  /** Every arrival that is an event, duplicates included, with `_source_line` and `_arrival`. */
  get arrivalsTable(): string {
    return this.store.arrivals;
  }

  /** Compiled realtime pipelines, by name. */
  incremental(pipeline: string): IncrementalPipeline | undefined {
    return this.compiled.find((c) => c.definition.name === pipeline)?.incremental;
  }

  /** Adds the time since `since` to a step's total; returns now, the next step's start. */
  private step(name: string, since: number): number {
    const now = performance.now();
    this.timings[name] = (this.timings[name] ?? 0) + (now - since);
    return now;
  }

  /**
   * Fixes the schema live rows are typed to: the fields the realtime pipelines use, with the lake's types
   * (so that they bind exactly as in batch) or, for an empty lake, the types DuckDB sees in the first
   * batch. The canonical fields come from the first alias the data has, as in imports.
   */
  private async fixSchema(types: Map<string, string>, compile = true): Promise<void> {
    const fields: SourceField[] = [];
    for (const canonical of CANONICAL_FIELDS) {
      const aliases = this.workspace.settings.fields[canonical];
      fields.push({ key: aliases.find((a) => types.has(a)) ?? (aliases[0] as string), type: 'VARCHAR' });
    }
    const names = this.wanted === 'all' ? [...types.keys()] : [...this.wanted];
    for (const name of names) {
      if (fields.some((f) => f.key === name) || (CANONICAL_COLUMNS as readonly string[]).includes(name)) continue;
      if (types.has(name) || this.wanted === 'all') {
        const type = types.get(name) ?? 'VARCHAR';
        fields.push({ key: name, type, ...(readsNatively(type) ? { native: true } : {}) });
      }
    }
    // Names a pipeline uses that no event has shown yet are read as text: their column exists, empty.
    if (this.wanted !== 'all') {
      const known = new Set(fields.map((f) => f.key));
      for (const name of this.wanted) {
        if (!known.has(name) && this.isField(name) && !this.defined.has(name)) fields.push({ key: name, type: 'VARCHAR' });
      }
    }
    this.fields = fields;
    const empty = `(SELECT ${fields.map((f) => `NULL::${this.readType(f)} AS ${ident(f.key)}`).join(', ')} LIMIT 0)`;
    await this.store.create(this.typedRows(empty));
    for (const file of this.batchFiles) this.typedRowsSql.set(file.path, this.typedRows(this.batchReader(file.path, true)));
    for (let i = 0; i < 2; i++) this.loaders.push({ connection: await this.workspace.connect(), free: Promise.resolve() });
    if (compile) await this.compileAll();
  }

  /** Compiles every realtime pipeline for the fixed schema, each to the lanes that run it (fixSchema's second half). */
  private async compileAll(): Promise<void> {
    for (const mode of this.modes) {
      for (let i = 0; i < (this.modes.length === 1 ? 2 : 1); i++) {
        const connection = await this.workspace.connect();
        await connection.run(`CREATE TEMP VIEW events AS ${this.store.batchSelect(mode, { first: 0, end: 0 })}`);
        this.lanes.push({ mode, connection, pipelines: [] });
      }
    }
    // The view's own connection sees a typed, empty batch as its events too, so each pipeline binds and compiles;
    // pipelines compile side by side, one per connection at a time (compiling is mostly planning DuckDB queries).
    await this.connection.run(`CREATE OR REPLACE TEMP VIEW events AS ${this.store.batchSelect('exact', { first: 0, end: 0 })}`);
    const connections = [this.connection, ...this.lanes.map((l) => l.connection)];
    const compiled = await Promise.all(
      this.plans.map(({ definition, plan }, i) =>
        'error' in plan ? plan : this.compile(connections[i % connections.length] as Connection, definition, plan),
      ),
    );
    for (const c of compiled) {
      if ('error' in c) {
        this.problems.push(c);
        continue;
      }
      this.compiled.push(c);
      for (const mode of this.modes) {
        const lanes = this.lanes.filter((l) => l.mode === mode);
        (lanes[(this.compiled.length - 1) % lanes.length] as Lane).pipelines.push(c);
      }
    }
  }

  private async compile(
    connection: Connection,
    definition: PipelineDefinition,
    plan: IncrementalPlan,
  ): Promise<Compiled | LiveProblem> {
    try {
      const incremental = await plan.bind(connection);
      const delta = await connection.all<{ column_name: string; column_type: string }>(`DESCRIBE ${incremental.deltaSql}`);
      const types: ColumnType[] = delta.map((d) => ({ name: d.column_name, type: d.column_type }));
      const keys = incremental.keyColumns.length;
      const partials = incremental.aggregates.flatMap((a) => a.columns.map(() => a.kind === 'count-distinct'));
      return {
        definition,
        incremental,
        hashColumns: new Set(partials.flatMap((hashed, i) => (hashed ? [keys + i] : []))),
        states: new Map(
          this.modes.map((m) => [
            m,
            new PipelineState(
              incremental,
              types.slice(0, incremental.keyColumns.length),
              types.slice(incremental.keyColumns.length),
            ),
          ]),
        ),
        rows: new Map(this.modes.map((m) => [m, new Map()])),
      };
    } catch (error) {
      return {
        pipeline: definition.name,
        error: error instanceof NotIncrementalError ? error.message : errorMessage(error),
      };
    }
  }

  /** Whether a referenced name can be an event field: metadata and the partition column are computed. */
  private isField(name: string): boolean {
    return !(LAKE_META_COLUMNS as readonly string[]).includes(name) && name !== 'event_date';
  }

  /** How the batch reader reads a field: as its type where the JSON reader gives it exactly, else as text. */
  private readType(field: SourceField): string {
    return field.native ? field.type : 'VARCHAR';
  }

  /** The import plan for live rows: read straight from the batch file (positionless), or from live_staged with `lineSql`. */
  private plan(lineSql?: string, text = false): { plan: ReturnType<typeof buildPlan>; input: PlanInput } {
    const input: PlanInput = {
      kind: 'text',
      fields: (this.fields ?? []).map((f) => (text ? { key: f.key, type: f.type } : f)),
      aliases: this.workspace.settings.fields,
      firstRowLine: 1,
      hasPlaceholders: false,
      sourceFile: this.source,
      importId: 0,
      importedAt: new Date().toISOString(),
      zones: this.workspace.timeZones,
      // A record without an id is identified by all of it, which only a second read of its line has (deriveIds).
      noDerivedIds: true,
      ...(lineSql ? { lineSql } : { positionless: true }),
    };
    return { plan: buildPlan(input), input };
  }

  /** Typed rows from a source with the reader's columns: fields, event_date and `_ok`, one row per line. */
  private typedRows(source: string): string {
    const { plan, input } = this.plan();
    return selectTypedRows(plan, input, source);
  }

  /**
   * Takes in a batch of log lines; returns what changed. A batch is taken in four steps: written (to a batch file),
   * loaded (parsed, typed and numbered into the store), identified (its rejects taken, its identities checked) and
   * applied (each pipeline's delta query, merge and rows). Each step runs in batch order, and a batch is written
   * while the one before it is loaded, which is loaded while the one before it is identified, and so on. `onStored`
   * says when the batch is next to load, so that a reader can hand over the next batch without waiting for this
   * one's rows. `onRead` is called as soon as the view is done with `batch.data` (it works from its own copy): that
   * memory may be reused then.
   */
  ingest(batch: LiveBatch, options: { onRead?: () => void; onStored?: () => void } = {}): Promise<LiveIngest> {
    const file = this.batchFiles[this.writes % this.batchFiles.length] as BatchFile;
    const sequence = this.writes++;
    // Numbered here, in batch order: batches are read side by side.
    const base = this.arrivals;
    this.arrivals += batch.count;
    const written = file.free.then(() => this.writeBatch(file, batch, options.onRead));
    // Begun once written, its loader free and the batch before it begun: then the next may be written.
    const previousBegun = this.beginning;
    const previousLoaded = this.loading;
    let begun = () => {};
    const beginning = new Promise<void>((resolve) => (begun = resolve));
    this.beginning = beginning;
    // Called once the read is under way, or when loading ends without one (an empty batch, a failure): once only.
    let stored = false;
    const onStored = () => {
      if (stored) return;
      stored = true;
      begun();
      options.onStored?.();
    };
    const loaded = Promise.all([written, previousBegun])
      .then(() => this.loadBatch(batch, file.path, base, sequence, onStored, previousLoaded))
      .finally(onStored);
    this.loading = loaded.catch(() => {});
    const identifying = this.storing;
    const identified = loaded.then(async (l) => {
      await identifying;
      return l.batch ? this.identifyBatch(l.result, l.batch, l.file) : l;
    });
    this.storing = identified.catch(() => {});
    file.free = this.storing;
    const applying = this.applying;
    const applied = identified.then(async (s) => {
      await applying;
      return s.batch ? this.applyBatch(s.result, s.batch) : s.result;
    });
    this.applying = applied.catch(() => {});
    return applied;
  }

  /** Runs a replay into this view (see Workspace.withReplayThreads). */
  replaying<T>(work: () => Promise<T>): Promise<T> {
    return this.workspace.withReplayThreads(work);
  }

  /** Resolves once every batch handed to `ingest` is applied (state, rows and store agree with each other). */
  private async settled(): Promise<void> {
    await this.loading;
    await this.storing;
    await this.applying;
  }

  /** Fixes the schema from the types DuckDB sees in the first lines of a file (a view of an empty lake's first batch). */
  private async schemaFrom(file: string, compile = true): Promise<void> {
    await this.fixSchema(await this.sampleTypes(file), compile);
  }

  /** The types DuckDB sees in the first lines of a file, by field (none when it cannot read them). */
  private async sampleTypes(file: string): Promise<Map<string, string>> {
    const sampled = await this.connection
      .all<{ column_name: string; column_type: string }>(
        `DESCRIBE SELECT * FROM read_json(${literal(file)}, format = 'newline_delimited', ignore_errors = true)`,
      )
      .catch(() => []);
    return new Map(sampled.map((s) => [s.column_name, normalizeType(s.column_type)]));
  }

  /**
   * Takes in the first lines of a log as one batch that DuckDB reads straight from the log, on all its threads: no
   * batch file is written, and the delta queries run once over all of it. Only for a fresh view (its lines are the
   * log's from line 1) and a log whose first lines are exactly its first bytes, as a tailer frames them (replayLog
   * frames it meanwhile). `begin` says whether its first lines are (the schema may be sampled from them); `lines` says
   * how many lines to keep, or fails if the log may not be read whole: it is asked once DuckDB has read the file, and
   * lines after those (appended while DuckDB read) are dropped. If either says no, the
   * read is cancelled or the rows do not line up with the lines, nothing is kept and `undefined` is returned: read
   * the log in batches then.
   */
  async ingestLog(
    path: string,
    options: OperationOptions & { begin: () => Promise<boolean>; lines: () => Promise<number> },
  ): Promise<LiveIngest | undefined> {
    if (this.writes > 0 || this.arrivals > 0) throw new Error('live view: a log is read whole only into a fresh view');
    let mark = performance.now();
    // The pipelines compile while DuckDB reads the log: only the table's schema must come before.
    let compiling: Promise<void> = Promise.resolve();
    if (!this.fields) {
      // The schema is fixed for good: only from lines the framing allows (a file of none fixes none, batches will).
      if (!(await options.begin())) return undefined;
      const types = await this.sampleTypes(path);
      if (types.size === 0) return undefined;
      await this.fixSchema(types, false);
      compiling = this.compileAll();
      compiling.catch(() => {});
      mark = this.step('schema from the first batch', mark);
    }
    const loader = (this.loaders[0] as (typeof this.loaders)[number]).connection;
    let count = 0;
    let stored: StoredBatch;
    try {
      stored = await this.store.append(loader, this.typedRows(this.batchReader(path, true)), () => count, 0, 1, {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        surplus: true,
        check: async () => {
          count = await options.lines();
        },
      });
    } catch {
      await compiling;
      return undefined;
    }
    await compiling;
    this.writes++;
    this.arrivals = count;
    this.step('read and type', mark);
    const identified = await this.identifyBatch(
      { lines: count, events: stored.events, newEvents: 0, rejects: [], updates: [] },
      stored,
      path,
    );
    return this.applyBatch(identified.result, stored);
  }

  /** Writes a batch's lines to its file (before it is loaded, while the batch before it may be). */
  private async writeBatch(file: BatchFile, batch: LiveBatch, onRead: (() => void) | undefined): Promise<void> {
    const mark = performance.now();
    try {
      if (batch.count > 0) await writeInPlace(file, batch.data);
    } finally {
      onRead?.();
    }
    this.step('write batch file', mark);
  }

  /**
   * The second step of `ingest`: the batch's lines, one row each, in the store, read on a loader connection of its own
   * (`begun` once its read is under way) and committed after the batch before it (`previous`).
   */
  private async loadBatch(
    batch: LiveBatch,
    file: string,
    base: number,
    sequence: number,
    begun: () => void,
    previous: Promise<unknown>,
  ): Promise<{ result: LiveIngest; batch?: StoredBatch; file: string }> {
    let mark = performance.now();
    const result: LiveIngest = { lines: batch.count, events: 0, newEvents: 0, rejects: [], updates: [] };
    if (batch.count === 0) return { result, file };
    if (!this.fields) {
      await this.schemaFrom(file);
      mark = this.step('schema from the first batch', mark);
    }
    // Line numbers only increase: the batch's lines are consecutive when the last is first + count - 1.
    const numbers = batch.lineNumbers;
    const first = numbers[0] as number;
    const lines = numbers[numbers.length - 1] === first + numbers.length - 1 ? first : Array.from(numbers);
    const loader = this.loaders[sequence % this.loaders.length] as (typeof this.loaders)[number];
    await loader.free;
    // One row per line (a line that is not a JSON object gives a row of NULLs), read and typed in one pass.
    const appending = this.store.append(loader.connection, this.typedRowsSql.get(file) as string, batch.count, base, lines, {
      begun,
      previous,
    });
    loader.free = appending.catch(() => {});
    const stored = await appending;
    result.events = stored.events;
    this.step('read and type', mark);
    return { result, batch: stored, file };
  }

  /** The third step of `ingest`: the batch numbered where its lines skip, its rejects taken, in exact mode its repeats marked. */
  private async identifyBatch(
    result: LiveIngest,
    stored: StoredBatch,
    file: string,
  ): Promise<{ result: LiveIngest; batch?: StoredBatch }> {
    let mark = performance.now();
    await this.store.number(stored);
    await this.store.deriveIds(stored, ndjsonRecordsReader(file, this.workspace.settings.import.maxLineBytes), recordIdentitySql);
    mark = this.step('number and identify', mark);
    if (result.events < result.lines) {
      result.rejects = await this.rejects(file, stored);
      await this.store.dropRejected(stored);
      mark = this.step('rejects', mark);
    }
    if (this.modes.includes('exact')) {
      // First arrival wins: within the batch by arrival order, across batches by the identity index.
      const [rows, k1, k2] = inArrivalOrder(await this.store.identityKeys(stored));
      mark = this.step('identity keys', mark);
      const repeats = this.seen.addAll(k1, k2).map((i) => rows[i] as number);
      mark = this.step('identity index', mark);
      // Marked, not copied out: the repeats are few, and each reader of the exact batch skips them as it scans.
      await this.store.markRepeats(stored, repeats);
      result.newEvents = result.events - repeats.length;
      this.step('mark repeats', mark);
    }
    return { result, batch: stored };
  }

  /** The last step of `ingest`: every lane's delta queries over the batch, merged into state, and the rows they change. */
  private async applyBatch(result: LiveIngest, batch: StoredBatch): Promise<LiveIngest> {
    const small = result.events <= SMALL_BATCH;
    const updates = await Promise.all(this.lanes.map((lane) => this.applyLane(lane, batch, small)));
    result.updates = this.modes.flatMap((mode) =>
      this.compiled.flatMap((p) => updates.flat().filter((u) => u.mode === mode && u.pipeline === p.definition.name)),
    );
    this.counters.lines += result.lines;
    this.counters.events += result.events;
    this.counters.newEvents += result.newEvents;
    this.counters.rejects += result.rejects.length;
    return result;
  }

  /** Runs a lane's delta queries over a batch, merges them into state and finalizes the changed groups. */
  private async applyLane(lane: Lane, batch: StoredBatch, small: boolean): Promise<LiveUpdate[]> {
    const updates: LiveUpdate[] = [];
    let mark = performance.now();
    if (lane.pipelines.length > 0) {
      await lane.connection.run(`CREATE OR REPLACE TEMP VIEW events AS ${this.store.batchSelect(lane.mode, batch)}`);
    }
    for (const p of lane.pipelines) {
      const chunks = await lane.connection.chunks(small ? p.incremental.smallDeltaSql : p.incremental.deltaSql);
      mark = this.step('delta queries', mark);
      const changed = (p.states.get(lane.mode) as PipelineState).merge(deltaRows(chunks, p.hashColumns));
      mark = this.step('merge', mark);
      const rows = await this.finalize(lane.connection, p, lane.mode, changed);
      mark = this.step('finalize', mark);
      if (rows.length) updates.push({ pipeline: p.definition.name, mode: lane.mode, rows });
    }
    return updates;
  }

  private async finalize(connection: Connection, p: Compiled, mode: LiveMode, groups?: Set<string>): Promise<LiveRow[]> {
    const state = p.states.get(mode) as PipelineState;
    let values = state.directRows(groups);
    if (!values) {
      const sql = state.finalizeSql(groups);
      if (!sql) return [];
      values = (await connection.read(sql)).convertRows(JsonDuckDBValueConverter) as Json[][];
    }
    const names = p.incremental.outputColumns;
    const keys = p.incremental.keyOutputs;
    const rows = values.map((r) => Object.fromEntries(names.map((n, i) => [n, r[i] ?? null])));
    const store = p.rows.get(mode) as Map<string, LiveRow>;
    for (const row of rows) store.set(JSON.stringify(keys.map((n) => row[n])), row);
    return rows;
  }

  /** A batch file, each field a pipeline uses read typed where that is exact (`typed`), else as text. */
  private batchReader(file: string, typed = false): string {
    const fields = this.fields as SourceField[];
    return `read_json(${literal(file)}, format = 'newline_delimited', ignore_errors = true,
      columns = {${fields.map((f) => `${literal(f.key)}: ${literal(typed ? this.readType(f) : 'VARCHAR')}`).join(', ')}})`;
  }

  /** Why rows of the batch did not become events (rare: the batch is read again, as text, to say why). */
  private async rejects(file: string, batch: StoredBatch): Promise<LiveReject[]> {
    const c = this.connection;
    const contiguous = typeof batch.lines === 'number';
    const lines = contiguous
      ? Array.from({ length: batch.end - batch.first }, (_, i) => (batch.lines as number) + i)
      : (batch.lines as readonly number[]);
    // LIMIT: a log read whole (ingestLog) may hold lines past the batch's.
    await c.run(`CREATE OR REPLACE TEMP TABLE live_staged AS SELECT * FROM ${this.batchReader(file)} LIMIT ${lines.length}`);
    let lineSql = `(rowid + ${lines[0]})`;
    if (!contiguous) {
      await c.run(
        `CREATE OR REPLACE TEMP TABLE live_lines AS SELECT unnest(${literal(`[${lines.join(',')}]`)}::BIGINT[]) AS line`,
      );
      await c.run(`CREATE OR REPLACE TEMP TABLE live_staged AS SELECT s.*, l.line AS __line FROM
        (SELECT rowid AS __r, * FROM live_staged) s JOIN (SELECT rowid AS __r, line FROM live_lines) l USING (__r) ORDER BY __r`);
      lineSql = '"__line"';
    }
    const { plan } = this.plan(lineSql, true);
    const rows = await c.all<{ line: number; reason: string }>(selectRejects(plan, 'live_staged'));
    // The file's line k (1-based) is the batch's k-th line.
    const position = (line: number) => (contiguous ? line - (lines[0] as number) : lines.indexOf(line)) + 1;
    const text = await readLinesByNumber(file, false, new Set(rows.map((r) => position(Number(r.line)))), RAW_LIMIT);
    const raws = rows.map((r) => text.get(position(Number(r.line))) ?? '');
    // Fields read one by one cannot tell a broken line from an empty record: DuckDB's JSON parser says which.
    const valid = raws.length
      ? await this.connection.all<{ ok: boolean }>(
          `SELECT CASE WHEN json_valid(v) THEN json_type(v) = 'OBJECT' ELSE false END AS ok FROM (VALUES ${raws.map((r) => `(${literal(r)})`).join(', ')}) AS t(v)`,
        )
      : [];
    return rows.map((r, i) => ({
      line: Number(r.line),
      reason: valid[i]?.ok ? r.reason : 'not a valid JSON object',
      raw: raws[i] as string,
    }));
  }

  /** Current live rows of a pipeline, ordered by their keys. */
  rows(pipeline: string, mode: LiveMode): LiveRow[] {
    const p = this.compiled.find((c) => c.definition.name === pipeline);
    if (!p) return [];
    return [...(p.rows.get(mode)?.entries() ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
  }

  /**
   * Releases what the batch layer covers: groups of partitions up to each pipeline's watermark, and
   * exact events up to `eventsThrough` that the lake now holds, with their repeats (events not yet in the
   * lake are kept: the served view merges them with batch results).
   */
  async release(
    watermarks: Record<string, string | null>,
    eventsThrough: string | null,
  ): Promise<{ groups: number; events: number }> {
    await this.settled();
    let groups = 0;
    for (const p of this.compiled) {
      const watermark = watermarks[p.definition.name];
      if (!watermark) continue;
      for (const mode of this.modes) {
        groups += (p.states.get(mode) as PipelineState).release(watermark);
        const rows = p.rows.get(mode) as Map<string, LiveRow>;
        for (const [id, row] of rows) if (String(row[p.incremental.outputColumns[0] as string]) <= watermark) rows.delete(id);
      }
    }
    let events = 0;
    if (eventsThrough && this.ready && this.modes.includes('exact')) {
      const released = await this.store.release(`e.event_date <= DATE ${literal(eventsThrough)}
        AND EXISTS (SELECT 1 FROM ${ident(this.workspace.catalogName)}.main.events l WHERE l.event_id = e.event_id AND l.event_date <= DATE ${literal(eventsThrough)})`);
      const [k1, k2] = released.keys;
      for (let i = 0; i < k1.length; i++) this.seen.delete(k1[i] as number, k2[i] as number);
      events = released.events;
    }
    return { groups, events };
  }

  /** Live state sizes: what a million events costs is measured from these. */
  async memory(): Promise<{
    groups: number;
    distinctValues: number;
    exactEvents: number;
    duckdbBytes: number;
    identityIndexBytes: number;
    distinctValuesBytes: number;
  }> {
    await this.settled();
    let groups = 0;
    let distinctValues = 0;
    let distinctValuesBytes = 0;
    for (const p of this.compiled) {
      for (const s of p.states.values()) {
        groups += s.size;
        distinctValues += s.distinctValues();
        distinctValuesBytes += s.distinctBytes();
      }
    }
    const exact = this.ready && this.modes.includes('exact') ? await this.store.countExact() : 0;
    const mem = await this.connection.one<{ b: number }>(`SELECT sum(memory_usage_bytes)::DOUBLE AS b FROM duckdb_memory()`);
    return {
      groups,
      distinctValues,
      exactEvents: exact,
      duckdbBytes: Number(mem?.b ?? 0),
      identityIndexBytes: this.seen.bytes,
      distinctValuesBytes,
    };
  }

  snapshot(): LiveSnapshot {
    return {
      version: 2,
      fields: this.fields ?? [],
      arrivals: this.arrivals,
      counters: { ...this.counters },
      states: Object.fromEntries(
        this.compiled.map((p) => [p.definition.name, Object.fromEntries([...p.states].map(([m, s]) => [m, s.serialize()]))]),
      ),
    };
  }

  /** Saves the exact events beside a snapshot (they are rows, not JSON). */
  async saveEvents(path: string): Promise<void> {
    await this.settled();
    if (!this.modes.includes('exact') || !this.fields) return;
    await this.store.save(path);
  }

  /** Restores a snapshot taken by `snapshot()` (and `saveEvents`), then recomputes the live rows from state. */
  async restore(snapshot: LiveSnapshot, eventsPath?: string): Promise<void> {
    await this.settled();
    if (!this.fields && snapshot.fields.length) await this.fixSchema(new Map(snapshot.fields.map((f) => [f.key, f.type])));
    this.arrivals = snapshot.arrivals;
    Object.assign(this.counters, snapshot.counters);
    for (const p of this.compiled) {
      for (const mode of this.modes) {
        const saved = snapshot.states[p.definition.name]?.[mode];
        if (saved) (p.states.get(mode) as PipelineState).restore(saved);
        (p.rows.get(mode) as Map<string, LiveRow>).clear();
        await this.finalize(this.connection, p, mode);
      }
    }
    if (eventsPath && this.modes.includes('exact') && this.fields) {
      const [k1, k2] = await this.store.restore(eventsPath);
      this.seen.clear();
      this.seen.addAll(k1, k2);
    }
  }

  async close(): Promise<void> {
    await this.settled().catch(() => {});
    for (const lane of this.lanes) lane.connection.close();
    await this.connection.run(`DETACH ${ident(this.database)}`).catch(() => {});
    this.connection.close();
    for (const loader of this.loaders) loader.connection.close();
    for (const file of this.batchFiles) {
      await file.handle?.close().catch(() => {});
      await rm(file.path, { force: true });
    }
  }
}

/**
 * Writes a batch over the file's last one in place: rewriting a file's pages costs a third of allocating
 * them again, as replacing the file would.
 */
async function writeInPlace(file: BatchFile, data: Buffer): Promise<void> {
  file.handle ??= await open(file.path, 'w');
  for (let written = 0; written < data.length;) {
    written += (await file.handle.write(data, written, data.length - written, written)).bytesWritten;
  }
  await file.handle.truncate(data.length);
}

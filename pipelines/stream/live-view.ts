import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { JsonDuckDBValueConverter, type Json } from '@duckdb/node-api';
import type { Workspace } from '../workspace/workspace.js';
import type { Connection } from '../workspace/db.js';
import { ident, literal } from '../util/sql.js';
import { errorMessage } from '../util/errors.js';
import { loadPipelines, type PipelineDefinition } from '../batch/definition.js';
import { buildPlan, selectLakeRows, selectRejects, type PlanInput, type SourceField } from '../lake/plan.js';
import { normalizeType } from '../lake/stage.js';
import { CANONICAL_COLUMNS, LAKE_META_COLUMNS } from '../lake/views.js';
import { aggregateFunctionNames, compileIncremental, NotIncrementalError, type IncrementalPipeline } from './incremental.js';
import { PipelineState, type ColumnType, type SerializedState } from './state.js';

export const LIVE_MODES = ['naive', 'exact'] as const;
/** naive counts every arriving line (the article's `+1` stream); exact counts each event identity once. */
export type LiveMode = (typeof LIVE_MODES)[number];

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
  states: Map<LiveMode, PipelineState>;
  rows: Map<LiveMode, Map<string, LiveRow>>;
}

export interface LiveSnapshot {
  version: 1;
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

/**
 * The speed layer: realtime results of every `realtime: true` pipeline, per partition seen, in naive
 * and exact mode, updated batch by batch. Batches are parsed and typed by DuckDB exactly as imports are
 * (one plan of fields, identities and event times), then each pipeline's delta query runs over just the
 * batch and merges into state. The exact mode's events live in an in-memory database attached to the
 * workspace's DuckDB, where the served view can merge them with the lake.
 */
export class LiveView {
  private fields: SourceField[] | undefined;
  private compiled: Compiled[] = [];
  readonly problems: LiveProblem[] = [];
  private arrivals = 0;
  readonly counters: LiveCounters = { lines: 0, events: 0, newEvents: 0, rejects: 0 };
  private readonly batchFile: string;

  private constructor(
    private readonly workspace: Workspace,
    private readonly connection: Connection,
    /** The attached in-memory database holding this view's exact events. */
    readonly database: string,
    readonly modes: readonly LiveMode[],
    readonly source: string,
    private readonly definitions: PipelineDefinition[],
    private readonly aggregates: Set<string>,
    /** Keep every arrival, duplicates included (reconciliation needs the set of duplicate arrivals). */
    private readonly keepArrivals: boolean,
  ) {
    this.batchFile = join(workspace.paths.tmp, `${database}-batch.ndjson`);
  }

  static async create(
    workspace: Workspace,
    options: { modes?: readonly LiveMode[]; pipelines?: string[]; source: string; keepArrivals?: boolean },
  ): Promise<LiveView> {
    const connection = await workspace.connect();
    const database = `live_${randomBytes(4).toString('hex')}`;
    await connection.run(`ATTACH ':memory:' AS ${ident(database)}`);
    const { pipelines } = await loadPipelines(connection, workspace.paths.pipelines);
    const wanted = pipelines.filter((p) => p.realtime && (!options.pipelines || options.pipelines.includes(p.name)));
    const view = new LiveView(
      workspace,
      connection,
      database,
      options.modes ?? LIVE_MODES,
      options.source,
      wanted,
      await aggregateFunctionNames(connection),
      options.keepArrivals ?? false,
    );
    const lake = await connection.all<{ column_name: string; column_type: string }>('DESCRIBE raw_events');
    if (
      lake.some(
        (c) =>
          !(CANONICAL_COLUMNS as readonly string[]).includes(c.column_name) &&
          !(LAKE_META_COLUMNS as readonly string[]).includes(c.column_name),
      )
    ) {
      await view.ensureFields(
        lake
          .filter((c) => c.column_name !== 'event_date' && !(LAKE_META_COLUMNS as readonly string[]).includes(c.column_name))
          .map((c) => ({ key: c.column_name, type: c.column_type })),
      );
    }
    return view;
  }

  /** Realtime pipelines being maintained. */
  get pipelines(): string[] {
    return this.compiled.map((c) => c.definition.name);
  }

  /** Whether the view holds a schema yet (an empty lake's view gets it from its first batch). */
  get ready(): boolean {
    return this.fields !== undefined;
  }

  get exactEventsTable(): string {
    return `${ident(this.database)}.main.exact_events`;
  }

  /** Every arrival, when the view keeps them. */
  get arrivalsTable(): string {
    return `${ident(this.database)}.main.arrivals`;
  }

  /** Compiled realtime pipelines, by name. */
  incremental(pipeline: string): IncrementalPipeline | undefined {
    return this.compiled.find((c) => c.definition.name === pipeline)?.incremental;
  }

  /**
   * Sets or widens the schema live rows are typed to: the lake's columns (so pipelines bind exactly as
   * in batch), or, for an empty lake, the fields batches show, growing as new fields appear. Pipelines
   * that could not bind yet are compiled again whenever the schema grows.
   */
  private async ensureFields(fields: SourceField[]): Promise<void> {
    const known = new Set((this.fields ?? []).map((f) => f.key));
    const added = fields
      .filter((f) => !known.has(f.key))
      .map((f) =>
        f.key === 'occurred_at' || f.key === 'event_id' || f.key === 'event_type' ? { key: f.key, type: 'VARCHAR' } : f,
      );
    if (this.fields && added.length === 0) return;
    this.fields = [...(this.fields ?? []), ...added];
    // A typed, empty events view lets each pipeline bind and compile before any event arrives.
    const plan = this.plan(0, '0');
    await this.connection.run(`CREATE OR REPLACE TEMP TABLE live_empty (json MAP(VARCHAR, VARCHAR))`);
    await this.connection.run(
      `CREATE OR REPLACE TEMP TABLE batch_all AS SELECT *, 0::BIGINT AS _arrival FROM (${selectLakeRows(plan.plan, plan.input, 'live_empty')}) LIMIT 0`,
    );
    const columns = await this.connection.all<{ column_name: string; column_type: string }>('DESCRIBE batch_all');
    const existing = await this.connection.all<{ column_name: string }>(
      `SELECT column_name FROM duckdb_columns() WHERE database_name = ${literal(this.database)} AND table_name = 'exact_events'`,
    );
    const definitions = columns.map((c) => `${ident(c.column_name)} ${c.column_type}`).join(', ');
    if (existing.length === 0) {
      await this.connection.run(`CREATE TABLE ${this.exactEventsTable} (${definitions}, PRIMARY KEY (event_id))`);
      if (this.keepArrivals) await this.connection.run(`CREATE TABLE ${this.arrivalsTable} (${definitions})`);
    } else {
      const have = new Set(existing.map((e) => e.column_name));
      for (const c of columns.filter((c) => !have.has(c.column_name))) {
        await this.connection.run(`ALTER TABLE ${this.exactEventsTable} ADD COLUMN ${ident(c.column_name)} ${c.column_type}`);
        if (this.keepArrivals)
          await this.connection.run(`ALTER TABLE ${this.arrivalsTable} ADD COLUMN ${ident(c.column_name)} ${c.column_type}`);
      }
    }
    await this.connection.run(`CREATE OR REPLACE TEMP VIEW events AS SELECT * EXCLUDE (_arrival) FROM batch_all`);
    const compiledNames = new Set(this.compiled.map((c) => c.definition.name));
    this.problems.length = 0;
    for (const definition of this.definitions.filter((d) => !compiledNames.has(d.name))) {
      try {
        const incremental = await compileIncremental(this.connection, definition, this.aggregates);
        const delta = await this.connection.all<{ column_name: string; column_type: string }>(`DESCRIBE ${incremental.deltaSql}`);
        const types: ColumnType[] = delta.map((d) => ({ name: d.column_name, type: d.column_type }));
        const keyTypes = types.slice(0, incremental.keyColumns.length);
        const partialTypes = types.slice(incremental.keyColumns.length);
        this.compiled.push({
          definition,
          incremental,
          states: new Map(this.modes.map((m) => [m, new PipelineState(incremental, keyTypes, partialTypes)])),
          rows: new Map(this.modes.map((m) => [m, new Map()])),
        });
      } catch (error) {
        this.problems.push({
          pipeline: definition.name,
          error: error instanceof NotIncrementalError ? error.message : errorMessage(error),
        });
      }
    }
  }

  private plan(firstLine: number, lineSql: string): { plan: ReturnType<typeof buildPlan>; input: PlanInput } {
    const input: PlanInput = {
      kind: 'map',
      fields: this.fields ?? [],
      aliases: this.workspace.settings.fields,
      firstRowLine: firstLine,
      hasPlaceholders: false,
      sourceFile: this.source,
      importId: 0,
      importedAt: new Date().toISOString(),
      timezone: this.workspace.settings.timezone,
      lineSql,
    };
    return { plan: buildPlan(input), input };
  }

  /** Fields of a batch that the schema lacks, typed by DuckDB's sample of the batch. */
  private async newFields(): Promise<SourceField[]> {
    const known = new Set((this.fields ?? []).map((f) => f.key));
    const keys = (
      await this.connection.all<{ k: string }>(`SELECT DISTINCT unnest(map_keys(json)) AS k FROM live_staged ORDER BY k`)
    ).filter((k) => !known.has(k.k));
    if (keys.length === 0) return [];
    const sampled = await this.connection
      .all<{ column_name: string; column_type: string }>(
        `DESCRIBE SELECT * FROM read_json(${literal(this.batchFile)}, format = 'newline_delimited', ignore_errors = true)`,
      )
      .catch(() => []);
    const types = new Map(sampled.map((s) => [s.column_name, normalizeType(s.column_type)]));
    return keys.map((k) => ({ key: k.k, type: types.get(k.k) ?? 'VARCHAR' }));
  }

  /** Takes in a batch of log lines; returns what changed. */
  async ingest(batch: LiveBatch): Promise<LiveIngest> {
    const result: LiveIngest = { lines: batch.count, events: 0, newEvents: 0, rejects: [], updates: [] };
    if (batch.count === 0) return result;
    const c = this.connection;
    await writeFile(this.batchFile, batch.data);
    await c.run(
      `CREATE OR REPLACE TEMP TABLE live_staged AS SELECT json FROM read_json(${literal(this.batchFile)}, format = 'newline_delimited',
        ignore_errors = true, records = false, columns = {json: 'MAP(VARCHAR, VARCHAR)'})`,
    );
    const lines = Array.from(batch.lineNumbers);
    const first = lines[0] as number;
    const contiguous = lines[lines.length - 1] === first + lines.length - 1;
    let lineSql = `(rowid + ${first})`;
    if (!contiguous) {
      // Blank or rejected lines were left out of the batch: look each row's line up instead.
      await c.run(
        `CREATE OR REPLACE TEMP TABLE live_lines AS SELECT unnest(${literal(`[${lines.join(',')}]`)}::BIGINT[]) AS line`,
      );
      await c.run(`CREATE OR REPLACE TEMP TABLE live_staged AS SELECT s.json, l.line AS __line FROM
        (SELECT rowid AS r, json FROM live_staged) s JOIN (SELECT rowid AS r, line FROM live_lines) l USING (r) ORDER BY s.r`);
      lineSql = '__line';
    }
    await this.ensureFields(await this.newFields());
    const { plan, input } = this.plan(first, lineSql);
    const base = this.arrivals;
    this.arrivals += batch.count;
    await c.run(
      `CREATE OR REPLACE TEMP TABLE batch_all AS SELECT *, ${base}::BIGINT + row_number() OVER (ORDER BY _source_line) AS _arrival
       FROM (${selectLakeRows(plan, input, 'live_staged')})`,
    );
    result.events = Number((await c.one<{ n: number }>('SELECT count(*)::DOUBLE AS n FROM batch_all'))?.n ?? 0);
    if (result.events < batch.count) result.rejects = await this.rejects(plan, batch.data, lines);
    if (this.keepArrivals) await c.run(`INSERT INTO ${this.arrivalsTable} BY NAME SELECT * FROM batch_all`);

    if (this.modes.includes('exact')) {
      // First arrival wins: within the batch by line, across batches by the primary key.
      await c.run(`INSERT INTO ${this.exactEventsTable} BY NAME
        SELECT * FROM batch_all QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY _source_line) = 1
        ON CONFLICT DO NOTHING`);
      await c.run(`CREATE OR REPLACE TEMP TABLE batch_exact AS SELECT * FROM ${this.exactEventsTable} WHERE _arrival > ${base}`);
      result.newEvents = Number((await c.one<{ n: number }>('SELECT count(*)::DOUBLE AS n FROM batch_exact'))?.n ?? 0);
    }
    for (const mode of this.modes) {
      await c.run(
        `CREATE OR REPLACE TEMP VIEW events AS SELECT * EXCLUDE (_arrival) FROM ${mode === 'exact' ? 'batch_exact' : 'batch_all'}`,
      );
      for (const p of this.compiled) {
        const reader = await c.read(p.incremental.deltaSql);
        const changed = (p.states.get(mode) as PipelineState).merge(reader.convertRows(JsonDuckDBValueConverter) as Json[][]);
        const rows = await this.finalize(p, mode, changed);
        if (rows.length) result.updates.push({ pipeline: p.definition.name, mode, rows });
      }
    }
    this.counters.lines += result.lines;
    this.counters.events += result.events;
    this.counters.newEvents += result.newEvents;
    this.counters.rejects += result.rejects.length;
    return result;
  }

  private async finalize(p: Compiled, mode: LiveMode, groups?: Set<string>): Promise<LiveRow[]> {
    const sql = (p.states.get(mode) as PipelineState).finalizeSql(groups);
    if (!sql) return [];
    const reader = await this.connection.read(sql);
    const names = p.incremental.outputColumns;
    const keyCount = p.incremental.keyColumns.length;
    const rows = (reader.convertRows(JsonDuckDBValueConverter) as Json[][]).map((r) =>
      Object.fromEntries(names.map((n, i) => [n, r[i] ?? null])),
    );
    const store = p.rows.get(mode) as Map<string, LiveRow>;
    for (const row of rows) store.set(JSON.stringify(names.slice(0, keyCount).map((n) => row[n])), row);
    return rows;
  }

  private async rejects(plan: ReturnType<typeof buildPlan>, data: Buffer, lines: number[]): Promise<LiveReject[]> {
    const rows = await this.connection.all<{ line: number; reason: string }>(selectRejects(plan, 'live_staged'));
    const text = data.toString('utf8').split('\n');
    return rows.map((r) => {
      const index = lines.indexOf(Number(r.line));
      return { line: Number(r.line), reason: r.reason, raw: (text[index] ?? '').slice(0, RAW_LIMIT) };
    });
  }

  /** Current live rows of a pipeline, ordered by their keys. */
  rows(pipeline: string, mode: LiveMode): LiveRow[] {
    const p = this.compiled.find((c) => c.definition.name === pipeline);
    if (!p) return [];
    return [...(p.rows.get(mode)?.entries() ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
  }

  /**
   * Releases what the batch layer covers: groups of partitions up to each pipeline's watermark, and
   * exact events up to `eventsThrough` that the lake now holds (events not yet in the lake are kept:
   * the served view merges them with batch results).
   */
  async release(
    watermarks: Record<string, string | null>,
    eventsThrough: string | null,
  ): Promise<{ groups: number; events: number }> {
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
    if (eventsThrough && this.modes.includes('exact')) {
      const row = await this.connection.one<{ n: number }>(
        `SELECT count(*)::DOUBLE AS n FROM ${this.exactEventsTable} e
         WHERE e.event_date <= DATE ${literal(eventsThrough)}
           AND EXISTS (SELECT 1 FROM ${ident(this.workspace.catalogName)}.main.events l WHERE l.event_id = e.event_id AND l.event_date <= DATE ${literal(eventsThrough)})`,
      );
      events = Number(row?.n ?? 0);
      await this.connection.run(
        `DELETE FROM ${this.exactEventsTable} e WHERE e.event_date <= DATE ${literal(eventsThrough)}
           AND EXISTS (SELECT 1 FROM ${ident(this.workspace.catalogName)}.main.events l WHERE l.event_id = e.event_id AND l.event_date <= DATE ${literal(eventsThrough)})`,
      );
    }
    return { groups, events };
  }

  /** Live state sizes: what a million events costs is measured from these. */
  async memory(): Promise<{ groups: number; distinctValues: number; exactEvents: number; duckdbBytes: number }> {
    let groups = 0;
    let distinctValues = 0;
    for (const p of this.compiled) {
      for (const s of p.states.values()) {
        groups += s.size;
        distinctValues += s.distinctValues();
      }
    }
    const exact = this.modes.includes('exact')
      ? await this.connection.one<{ n: number }>(`SELECT count(*)::DOUBLE AS n FROM ${this.exactEventsTable}`)
      : undefined;
    const mem = await this.connection.one<{ b: number }>(`SELECT sum(memory_usage_bytes)::DOUBLE AS b FROM duckdb_memory()`);
    return { groups, distinctValues, exactEvents: Number(exact?.n ?? 0), duckdbBytes: Number(mem?.b ?? 0) };
  }

  snapshot(): LiveSnapshot {
    return {
      version: 1,
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
    if (!this.modes.includes('exact') || !this.fields) return;
    await this.connection.run(`COPY ${this.exactEventsTable} TO ${literal(path)} (FORMAT parquet)`);
  }

  /** Restores a snapshot taken by `snapshot()` (and `saveEvents`), then recomputes the live rows from state. */
  async restore(snapshot: LiveSnapshot, eventsPath?: string): Promise<void> {
    if (snapshot.fields.length) await this.ensureFields(snapshot.fields);
    this.arrivals = snapshot.arrivals;
    Object.assign(this.counters, snapshot.counters);
    for (const p of this.compiled) {
      for (const mode of this.modes) {
        const saved = snapshot.states[p.definition.name]?.[mode];
        if (saved) (p.states.get(mode) as PipelineState).restore(saved);
        (p.rows.get(mode) as Map<string, LiveRow>).clear();
        await this.finalize(p, mode);
      }
    }
    if (eventsPath && this.modes.includes('exact') && this.fields) {
      await this.connection.run(`DELETE FROM ${this.exactEventsTable}`);
      await this.connection.run(
        `INSERT INTO ${this.exactEventsTable} BY NAME SELECT * FROM read_parquet(${literal(eventsPath)})`,
      );
    }
  }

  async close(): Promise<void> {
    await this.connection.run(`DETACH ${ident(this.database)}`).catch(() => {});
    this.connection.close();
    await rm(this.batchFile, { force: true });
  }
}

import { randomBytes } from 'node:crypto';
import type { Workspace } from '../kernel/workspace/workspace.js';
import type { Connection } from '../kernel/workspace/db.js';
import { ident, literal } from '../kernel/util/sql.js';
import { errorMessage } from '../kernel/util/errors.js';
import type { OperationOptions } from '../shared/progress.js';
import { loadPipelines } from '../kernel/pipeline/definition.js';
import { parseStatement, referencedColumns } from '../kernel/pipeline/ast.js';
import { CANONICAL_COLUMNS, LAKE_META_COLUMNS } from '../kernel/events/columns.js';
import { aggregateFunctionNames, NotIncrementalError, planIncremental, type IncrementalPipeline } from './incremental.js';
import type { PipelineState } from './state.js';
import { IdentitySet } from './identity-set.js';
import { ArrivalStore } from './arrivals.js';
import { removeOrphanBatchFiles, scratchDir } from './scratch.js';
import { StepTimer } from './live-step-timer.js';
import { liveFields, LiveSchema, type WantedFields } from './live-schema.js';
import { Lanes, type PipelinePlan } from './live-lanes.js';
import { IngestSteps } from './live-ingest.js';
import { measureMemory, type LiveMemory } from './live-memory.js';
import { restoreEvents, restoreStates, snapshotOf, snapshotTypes, type LiveSnapshot } from './live-snapshot.js';
import {
  LIVE_MODES,
  type LiveBatch,
  type LiveCounters,
  type LiveIngest,
  type LiveMode,
  type LiveProblem,
  type LiveRow,
} from './live-types.js';

export {
  LIVE_MODES,
  type LiveBatch,
  type LiveCounters,
  type LiveIngest,
  type LiveMode,
  type LiveProblem,
  type LiveReject,
  type LiveRow,
  type LiveUpdate,
} from './live-types.js';
export { readsNatively } from './live-schema.js';
export { inArrivalOrder } from './live-ingest.js';
export type { LiveMemory } from './live-memory.js';
export type { LiveSnapshot } from './live-snapshot.js';

/**
 * The speed layer: realtime results of every `realtime: true` pipeline, per partition seen, in naive
 * and exact mode, updated batch by batch. A batch is parsed by DuckDB, reading only the fields realtime
 * pipelines use, and typed by the same plan imports use (fields, identities, event times: LiveSchema), straight
 * into the arrival store (IngestSteps); each pipeline's delta query then runs over just the batch and merges into
 * state (Lanes). Everything that arrived stays in the store (an in-memory database attached to the workspace's
 * DuckDB), where the served view can merge it with the lake; identities are checked against an index of 104-bit
 * keys (IdentitySet), so a batch costs the same however many events came before it. The delta queries
 * run on their own connections, one lane per mode (two for a single mode), side by side: for a small batch,
 * planning a query costs more than running it, and two cores plan two queries at once. Nothing is a prepared
 * statement: DuckDB 1.5 plans one with the table statistics of that moment, so a filter they rule out stays
 * planned away (a count prepared over an empty table kept returning 0), and it plans again any that reads a file.
 */
export class LiveView {
  /** How live rows are typed, once the schema is fixed (see fixSchema). */
  private schema: LiveSchema | undefined;
  readonly problems: LiveProblem[] = [];
  readonly counters: LiveCounters = { lines: 0, events: 0, newEvents: 0, rejects: 0 };
  /** Identities of the exact events held (first arrival wins). */
  private readonly seen = new IdentitySet();
  private readonly store: ArrivalStore;
  /** Times each ingest step (`timings`). */
  private readonly stepTimer = new StepTimer();
  private readonly lanes: Lanes;
  private readonly steps: IngestSteps;

  private constructor(
    private readonly workspace: Workspace,
    private readonly connection: Connection,
    /** The attached in-memory database holding this view's arrivals. */
    readonly database: string,
    readonly modes: readonly LiveMode[],
    readonly source: string,
    /** Each realtime pipeline compiled as far as its text goes (see planIncremental), or why it cannot be. */
    private readonly plans: PipelinePlan[],
    /** The names the realtime pipelines refer to and define. */
    private readonly names: WantedFields,
    scratch: string,
  ) {
    this.store = new ArrivalStore(connection, database);
    this.lanes = new Lanes(workspace, connection, modes, this.store, this.stepTimer, this.problems);
    this.steps = new IngestSteps({
      workspace,
      connection,
      database,
      scratch,
      modes,
      store: this.store,
      seen: this.seen,
      lanes: this.lanes,
      counters: this.counters,
      timer: this.stepTimer,
      schema: () => this.schema,
      fixSchema: (types, compile) => this.fixSchema(types, compile),
      compile: () => this.lanes.compile(this.plans),
    });
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
      { wanted, defined },
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
    return this.lanes.compiled.map((c) => c.definition.name);
  }

  /** Whether the view holds a schema yet (an empty lake's view takes it from its first batch). */
  get ready(): boolean {
    return this.schema !== undefined;
  }

  /** Each identity's first arrival, with `_source_line` and `_arrival`. */
  get exactEventsTable(): string {
    return this.store.exactEvents;
  }

  /** Every arrival that is an event, duplicates included, with `_source_line` and `_arrival`. */
  get arrivalsTable(): string {
    return this.store.arrivals;
  }

  /** Milliseconds per ingest step, summed over batches (for `npm run bench`; lanes' steps overlap in time). */
  get timings(): Record<string, number> {
    return this.stepTimer.totals;
  }

  /** Compiled realtime pipelines, by name. */
  incremental(pipeline: string): IncrementalPipeline | undefined {
    return this.lanes.compiled.find((c) => c.definition.name === pipeline)?.incremental;
  }

  /**
   * Fixes the schema live rows are typed to: the fields the realtime pipelines use, with the lake's types
   * (so that they bind exactly as in batch) or, for an empty lake, the types DuckDB sees in the first
   * batch (see liveFields). Then the store's table is created, the ingest steps readied and, unless `compile` is
   * false (the caller compiles later), every realtime pipeline compiled.
   */
  private async fixSchema(types: Map<string, string>, compile = true): Promise<void> {
    const schema = new LiveSchema(liveFields(types, this.workspace.settings.fields, this.names), this.workspace, this.source);
    this.schema = schema;
    await this.store.create(schema.typedRows(schema.empty()));
    await this.steps.open(schema);
    if (compile) await this.lanes.compile(this.plans);
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
    return this.steps.ingest(batch, options);
  }

  /** Runs a replay into this view (see Workspace.withReplayThreads). */
  replaying<T>(work: () => Promise<T>): Promise<T> {
    return this.workspace.withReplayThreads(work);
  }

  /** Resolves once every batch handed to `ingest` is applied (state, rows and store agree with each other). */
  private settled(): Promise<void> {
    return this.steps.settled();
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
  ingestLog(
    path: string,
    options: OperationOptions & { begin: () => Promise<boolean>; lines: () => Promise<number> },
  ): Promise<LiveIngest | undefined> {
    return this.steps.ingestLog(path, options);
  }

  /** Current live rows of a pipeline, ordered by their keys. */
  rows(pipeline: string, mode: LiveMode): LiveRow[] {
    const p = this.lanes.compiled.find((c) => c.definition.name === pipeline);
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
    for (const p of this.lanes.compiled) {
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
  async memory(): Promise<LiveMemory> {
    await this.settled();
    return measureMemory({
      compiled: this.lanes.compiled,
      exactStore: this.ready && this.modes.includes('exact') ? this.store : undefined,
      seen: this.seen,
      connection: this.connection,
    });
  }

  snapshot(): LiveSnapshot {
    return snapshotOf({
      fields: this.schema?.fields,
      arrivals: this.steps.arrivals,
      counters: this.counters,
      compiled: this.lanes.compiled,
    });
  }

  /** Saves the exact events beside a snapshot (they are rows, not JSON). */
  async saveEvents(path: string): Promise<void> {
    await this.settled();
    if (!this.modes.includes('exact') || !this.schema) return;
    await this.store.save(path);
  }

  /** Restores a snapshot taken by `snapshot()` (and `saveEvents`), then recomputes the live rows from state. */
  async restore(snapshot: LiveSnapshot, eventsPath?: string): Promise<void> {
    await this.settled();
    if (!this.schema && snapshot.fields.length) await this.fixSchema(snapshotTypes(snapshot));
    this.steps.arrivals = snapshot.arrivals;
    Object.assign(this.counters, snapshot.counters);
    await restoreStates(this.lanes, this.modes, snapshot);
    if (eventsPath && this.modes.includes('exact') && this.schema) await restoreEvents(this.store, this.seen, eventsPath);
  }

  async close(): Promise<void> {
    await this.settled().catch(() => {});
    this.lanes.close();
    await this.connection.run(`DETACH ${ident(this.database)}`).catch(() => {});
    this.connection.close();
    await this.steps.close();
  }
}

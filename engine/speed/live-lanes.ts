import { JsonDuckDBValueConverter, type Json } from '@duckdb/node-api';
import type { Workspace } from '../kernel/workspace/workspace.js';
import type { Connection } from '../kernel/workspace/db.js';
import { errorMessage } from '../kernel/util/errors.js';
import type { PipelineDefinition } from '../kernel/pipeline/definition.js';
import { NotIncrementalError, type IncrementalPipeline, type IncrementalPlan } from './incremental.js';
import { PipelineState, type ColumnType } from './state.js';
import { deltaRows } from './delta-rows.js';
import type { ArrivalStore, StoredBatch } from './arrivals.js';
import type { StepTimer } from './live-step-timer.js';
import type { LiveMode, LiveProblem, LiveRow, LiveUpdate } from './live-types.js';

/** Up to this many events a batch's delta queries leave repeats in distinct lists to the merge (smallDeltaSql). */
const SMALL_BATCH = 50_000;

/** A realtime pipeline as its text goes (see planIncremental), or why it cannot be compiled. */
export interface PipelinePlan {
  definition: PipelineDefinition;
  plan: IncrementalPlan | LiveProblem;
}

/** A realtime pipeline compiled for the live view's schema, with its state and live rows per mode. */
export interface CompiledPipeline {
  definition: PipelineDefinition;
  incremental: IncrementalPipeline;
  /** The delta query's columns that are distinct counts' lists of hashes. */
  hashColumns: ReadonlySet<number>;
  states: Map<LiveMode, PipelineState>;
  rows: Map<LiveMode, Map<string, LiveRow>>;
}

/** A connection whose `events` is one mode's view of the current batch, and the pipelines whose deltas run on it. */
interface Lane {
  mode: LiveMode;
  connection: Connection;
  pipelines: CompiledPipeline[];
}

/**
 * The connections delta queries run on, one lane per mode (two when there is one mode), side by side: for a small
 * batch, planning a query costs more than running it, and two cores plan two queries at once. Each lane sees its
 * mode's view of the current batch as `events`; each pipeline runs on one lane of each mode.
 */
export class Lanes {
  /** The realtime pipelines compiled, in the order of their definitions. */
  readonly compiled: CompiledPipeline[] = [];
  private readonly lanes: Lane[] = [];

  constructor(
    private readonly workspace: Workspace,
    /** The live view's own connection: pipelines compile on it too, and it finalizes restored state. */
    private readonly connection: Connection,
    private readonly modes: readonly LiveMode[],
    private readonly store: ArrivalStore,
    private readonly timer: StepTimer,
    /** Where pipelines that do not compile are reported. */
    private readonly problems: LiveProblem[],
  ) {}

  /** Opens the lanes and compiles every realtime pipeline for the fixed schema, each to the lanes that run it. */
  async compile(plans: readonly PipelinePlan[]): Promise<void> {
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
      plans.map(({ definition, plan }, i) =>
        'error' in plan ? plan : this.compileOne(connections[i % connections.length] as Connection, definition, plan),
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

  private async compileOne(
    connection: Connection,
    definition: PipelineDefinition,
    plan: IncrementalPlan,
  ): Promise<CompiledPipeline | LiveProblem> {
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

  /** Every lane's delta queries over a batch of `events` events, merged into state: the rows they change, by mode and pipeline. */
  async apply(batch: StoredBatch, events: number): Promise<LiveUpdate[]> {
    const small = events <= SMALL_BATCH;
    const updates = await Promise.all(this.lanes.map((lane) => this.applyLane(lane, batch, small)));
    return this.modes.flatMap((mode) =>
      this.compiled.flatMap((p) => updates.flat().filter((u) => u.mode === mode && u.pipeline === p.definition.name)),
    );
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
      mark = this.timer.lap('delta queries', mark);
      const changed = (p.states.get(lane.mode) as PipelineState).merge(deltaRows(chunks, p.hashColumns));
      mark = this.timer.lap('merge', mark);
      const rows = await this.finalize(p, lane.mode, changed, lane.connection);
      mark = this.timer.lap('finalize', mark);
      if (rows.length) updates.push({ pipeline: p.definition.name, mode: lane.mode, rows });
    }
    return updates;
  }

  /**
   * Recomputes a pipeline's live rows of one mode from its state, for the given groups (all when none are given), on
   * `connection` (the view's own unless a lane's); returns the rows recomputed.
   */
  async finalize(p: CompiledPipeline, mode: LiveMode, groups?: Set<string>, connection = this.connection): Promise<LiveRow[]> {
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

  close(): void {
    for (const lane of this.lanes) lane.connection.close();
  }
}

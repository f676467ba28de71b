import type { Workspace } from '../kernel/workspace/workspace.js';
import { errorMessage } from '../kernel/util/errors.js';
import type { OperationOptions } from '../shared/progress.js';
import { LiveSession } from '../speed/session.js';
import type { LiveMode, LiveRow } from '../speed/live-view.js';
import { simulate } from '../generator/simulator.js';
import { recount, type RecountResult } from '../serving/recount.js';
import type { EngineEvent, Result } from '../shared/contract.js';

type Emit = (event: EngineEvent) => void;
export type LiveState = Result<'live.state'>;

/** For the whole process, not one service: the workspace a reopened engine follows is a new service, and its states are newer. */
let lastSeq = 0;

/**
 * The engine's speed layer: one live session following the workspace's event log in the background,
 * pushing updates to the app as they happen, and (for demos) the simulator writing traffic into that log.
 */
export class LiveService {
  private session: LiveSession | undefined;
  private following: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private simulator: { controller: AbortController; done: Promise<void> } | undefined;
  private lastState = 0;
  private trailing: ReturnType<typeof setTimeout> | undefined;
  private error: string | undefined;

  constructor(
    private readonly workspace: Workspace,
    readonly log: string | undefined,
    private readonly emit: Emit,
  ) {}

  async start(): Promise<void> {
    if (!this.log || this.session) return;
    this.session = await LiveSession.open(this.workspace, { log: this.log, start: 'beginning' });
    const controller = new AbortController();
    this.following = controller;
    const session = this.session;
    this.loop = session
      .follow(controller.signal, (tick) => {
        for (const update of tick.updates)
          this.emit({ type: 'live.update', pipeline: update.pipeline, mode: update.mode, rows: update.rows });
        this.publishState();
      })
      .catch((error) => {
        this.error = errorMessage(error);
        this.publishState(true);
      });
    this.publishState(true);
  }

  /** At most four states a second while lines pour in, and always the last one when they stop. */
  private publishState(force = false): void {
    const now = Date.now();
    const wait = 250 - (now - this.lastState);
    if (!force && wait > 0) {
      this.trailing ??= setTimeout(() => {
        this.trailing = undefined;
        this.publishState(true);
      }, wait);
      return;
    }
    clearTimeout(this.trailing);
    this.trailing = undefined;
    this.lastState = now;
    this.emit({ type: 'live.state', state: this.state() });
  }

  state(): LiveState {
    const session = this.session;
    const tail = session?.tailer.status;
    return {
      seq: ++lastSeq,
      log: this.log ?? null,
      following: Boolean(this.following && !this.following.signal.aborted),
      counters: session ? { ...session.view.counters } : { lines: 0, events: 0, newEvents: 0, rejects: 0 },
      pipelines: session?.view.pipelines ?? [],
      problems: [...(session?.view.problems ?? []), ...(this.error ? [{ pipeline: '(tail)', error: this.error }] : [])],
      tail: tail
        ? {
            state: tail.state,
            generation: tail.generation,
            offset: tail.offset,
            line: tail.line,
            ...(tail.lastError ? { lastError: tail.lastError } : {}),
          }
        : null,
      simulating: this.simulator?.controller.signal.aborted === false,
      ...(session && session.warnings.length > 0 ? { warnings: [...session.warnings] } : {}),
    };
  }

  rows(pipeline: string, mode: LiveMode): { columns: string[]; rows: LiveRow[] } {
    const view = this.session?.view;
    return { columns: view?.incremental(pipeline)?.outputColumns ?? [], rows: view?.rows(pipeline, mode) ?? [] };
  }

  get view() {
    return this.session?.view;
  }

  /**
   * Starts or stops demo traffic: the simulator appending realistic events to the followed log. Stopping resolves
   * once the simulator has stopped writing, so a stopped log holds every line it will get.
   */
  async simulate(running: boolean, rate = 25): Promise<LiveState> {
    if (!this.log) return this.state();
    if (running && !this.simulator) {
      const controller = new AbortController();
      const done = simulate({ out: this.log, rate, duplicates: 0.03, late: 0.02, signal: controller.signal })
        .then(
          () => {},
          (error: unknown) => {
            if (!controller.signal.aborted) this.error = errorMessage(error);
          },
        )
        .finally(() => {
          if (this.simulator?.controller === controller) this.simulator = undefined;
          this.publishState(true);
        });
      this.simulator = { controller, done };
    } else if (!running && this.simulator) {
      await this.stopSimulator();
    }
    this.publishState(true);
    return this.state();
  }

  private async stopSimulator(): Promise<void> {
    const simulator = this.simulator;
    this.simulator = undefined;
    simulator?.controller.abort();
    // A write under way when it was told to stop still lands in the log.
    await simulator?.done;
  }

  async recount(options: OperationOptions): Promise<RecountResult> {
    if (!this.log) throw new Error('No event log is being followed in this workspace');
    const result = await recount(this.workspace, this.log, { ...options, ...(this.session ? { view: this.session.view } : {}) });
    this.publishState(true);
    return result;
  }

  async stop(): Promise<void> {
    clearTimeout(this.trailing);
    this.trailing = undefined;
    await this.stopSimulator();
    this.following?.abort();
    await this.loop;
    await this.session?.close();
    this.session = undefined;
  }
}

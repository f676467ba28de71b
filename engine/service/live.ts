import type { Workspace } from '../kernel/workspace/workspace.js';
import { errorMessage } from '../kernel/util/errors.js';
import type { OperationOptions } from '../shared/progress.js';
import { LiveSession } from '../speed/session.js';
import type { LiveMode, LiveRow } from '../speed/live-view.js';
import { StreamSession } from '../speed/stream-session.js';
import { StreamPublisher } from '../speed/amqp-publish.js';
import { simulate } from '../generator/simulator.js';
import { recount, recountStream, type RecountResult } from '../serving/recount.js';
import type { StreamToReplay } from '../serving/stream-replay.js';
import type { EngineEvent, Params, Result } from '../shared/contract.js';

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
  /** Following a RabbitMQ stream instead of the log (`live.follow`): its session, and where it is. */
  private streamSession: StreamSession | undefined;
  private stream: { url: string; stream: string } | undefined;
  private following: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private simulator: { controller: AbortController; done: Promise<void> } | undefined;
  private lastState = 0;
  private trailing: ReturnType<typeof setTimeout> | undefined;
  private error: string | undefined;

  constructor(
    private readonly workspace: Workspace,
    private readonly logFile: string | undefined,
    private readonly emit: Emit,
  ) {}

  /**
   * The workspace's event log: followed unless a stream was chosen instead (`followedStream`), and what a workspace
   * switched back to follows again.
   */
  get log(): string | undefined {
    return this.logFile;
  }

  /** The stream followed instead of the log, to compare and recount with (undefined while the log is followed). */
  get followedStream(): StreamToReplay | undefined {
    return this.stream ? { ...this.stream } : undefined;
  }

  /**
   * Chooses what the live view follows: the workspace's log, or a RabbitMQ stream (from its first retained message,
   * or where a tail of it last checkpointed). The view starts afresh from that source's own state.
   */
  async follow(source: Params<'live.follow'>): Promise<LiveState> {
    await this.stopFollowing();
    this.error = undefined;
    this.stream = source.kind === 'amqp' ? { url: source.url, stream: source.stream } : undefined;
    try {
      await this.start();
    } catch (error) {
      // A stream that cannot be followed (a malformed address) leaves the log followed, as before.
      this.stream = undefined;
      await this.start();
      throw error;
    }
    this.publishState(true);
    return this.state();
  }

  async start(): Promise<void> {
    if (this.stream) return this.startStream(this.stream);
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

  private async startStream(source: { url: string; stream: string }): Promise<void> {
    if (this.streamSession) return;
    const session = await StreamSession.open(this.workspace, { ...source, start: 'beginning' });
    this.streamSession = session;
    const controller = new AbortController();
    this.following = controller;
    session.onStatus = () => this.publishState();
    session.onWarning = () => this.publishState();
    this.loop = session
      .follow(controller.signal, (tick) => {
        for (const update of tick.updates)
          this.emit({ type: 'live.update', pipeline: update.pipeline, mode: update.mode, rows: update.rows });
        this.publishState();
      })
      .catch((error) => {
        this.error = errorMessage(error);
      })
      .finally(() => this.publishState(true));
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
    const view = this.streamSession?.view ?? session?.view;
    const warnings = this.streamSession?.warnings ?? session?.warnings ?? [];
    const stream = this.streamSession?.status;
    return {
      seq: ++lastSeq,
      log: this.streamSession?.log ?? this.log ?? null,
      following: Boolean(this.following && !this.following.signal.aborted),
      counters: view ? { ...view.counters } : { lines: 0, events: 0, newEvents: 0, rejects: 0 },
      pipelines: view?.pipelines ?? [],
      // A stream that failed says why in its status, not a second time as a problem.
      problems: [
        ...(view?.problems ?? []),
        ...(this.error && stream?.state !== 'failed' ? [{ pipeline: '(tail)', error: this.error }] : []),
      ],
      ...(stream
        ? {
            stream: {
              state: stream.state,
              source: stream.source,
              stream: stream.stream,
              offset: stream.offset,
              attempt: stream.attempt,
              ...(stream.retryInMs !== undefined ? { retryInMs: stream.retryInMs } : {}),
              ...(stream.lastError !== undefined ? { lastError: stream.lastError } : {}),
              lostOffsets: stream.lostOffsets,
            },
          }
        : {}),
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
      ...(warnings.length > 0 ? { warnings: warnings.slice(-20) } : {}),
    };
  }

  rows(pipeline: string, mode: LiveMode): { columns: string[]; rows: LiveRow[] } {
    const view = this.view;
    return { columns: view?.incremental(pipeline)?.outputColumns ?? [], rows: view?.rows(pipeline, mode) ?? [] };
  }

  get view() {
    return this.streamSession?.view ?? this.session?.view;
  }

  /**
   * Starts or stops demo traffic: the simulator appending realistic events to the followed log. Stopping resolves
   * once the simulator has stopped writing, so a stopped log holds every line it will get.
   */
  async simulate(running: boolean, rate = 25): Promise<LiveState> {
    if (!this.log && !this.stream) return this.state();
    if (running && !this.simulator) {
      const controller = new AbortController();
      // Following a stream, the demo traffic is published to it, each write confirmed by the broker.
      const stream = this.stream;
      const target = stream
        ? StreamPublisher.open(stream.url, stream.stream).then((publisher) => ({
            sink: (lines: string[]) => publisher.write(lines),
            close: () => publisher.close(),
          }))
        : Promise.resolve({ out: this.log as string, close: async () => {} });
      const done = target
        .then((t) => simulate({ ...t, rate, duplicates: 0.03, late: 0.02, signal: controller.signal }).finally(() => t.close()))
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
    const view = this.view;
    if (this.stream) {
      // What the view applied is what the recount imports through: its checkpoint is brought up to date first.
      await this.streamSession?.checkpoint();
      const result = await recountStream(this.workspace, this.stream, { ...options, ...(view ? { view } : {}) });
      this.publishState(true);
      return result;
    }
    if (!this.log) throw new Error('No event log is being followed in this workspace');
    const result = await recount(this.workspace, this.log, { ...options, ...(view ? { view } : {}) });
    this.publishState(true);
    return result;
  }

  private async stopFollowing(): Promise<void> {
    await this.stopSimulator();
    this.following?.abort();
    await this.loop;
    this.loop = undefined;
    this.following = undefined;
    await this.session?.close();
    this.session = undefined;
    await this.streamSession?.close();
    this.streamSession = undefined;
  }

  async stop(): Promise<void> {
    clearTimeout(this.trailing);
    this.trailing = undefined;
    await this.stopFollowing();
  }
}

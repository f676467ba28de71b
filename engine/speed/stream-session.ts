import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Workspace } from '../kernel/workspace/workspace.js';
import { UserError } from '../kernel/util/errors.js';
import { readCheckpoint } from './checkpoint.js';
import { LiveSnapshotSchema, writeLiveCheckpoint } from './live-checkpoint.js';
import { LiveView, type LiveIngest, type LiveMode, type LiveReject } from './live-view.js';
import { AmqpStreamSource, StreamSourceError, type SourceBatch, type StreamGap, type StreamStatus } from './amqp-source.js';
import { streamAddress, type StreamAddress } from './stream-address.js';

export interface StreamSessionOptions {
  /** amqp://USER:PASS@HOST:PORT/VHOST */
  url: string;
  stream: string;
  /** Where to start without a checkpoint: the stream's first retained message, or what is published from now on. */
  start: 'beginning' | 'end';
  /** Forget any checkpoint and read the stream from its start. */
  restart?: boolean;
  modes?: LiveMode[];
  pipelines?: string[];
  /** Checkpoint at most this often while following (default 2 s); always on close. */
  checkpointIntervalMs?: number;
  prefetch?: number;
  maxBatchBytes?: number;
  retryMs?: number;
  maxRetryMs?: number;
  heartbeatSeconds?: number;
}

/** A rejected message: `line` is its offset, as in the live view's rejects. */
export interface StreamReject extends LiveReject {
  log: string;
  offset: number;
}

export interface StreamTick extends LiveIngest {
  /** Every message of the batch that did not become an event (the source's rejects and the live view's). */
  sessionRejects: StreamReject[];
  status: StreamStatus;
  /** The offsets of the lines this tick applied. */
  lineNumbers: Float64Array;
  /** The offsets of the first and last message the tick covered. */
  first: number;
  last: number;
  /** Offsets found no longer in the stream just before this batch. */
  gap?: StreamGap;
}

const CheckpointSchema = z.object({
  source: z.string(),
  stream: z.string(),
  /** The last offset applied (messages rejected or blank included). */
  offset: z.number().int().nonnegative(),
  live: LiveSnapshotSchema,
  events: z.string().nullable(),
});

/**
 * Follows a RabbitMQ stream into a live view, exactly once. The checkpoint is the offset of the last message applied
 * and the live view's state, written together after the messages up to that offset were applied: a restart, or a
 * crash at any point, resumes after that offset on that state, so nothing is lost and nothing counted twice. A
 * connection lost meanwhile is the source's to mend (it attaches after the last offset it handed out); the session
 * sees only batches, in offset order.
 */
export class StreamSession {
  private lastCheckpoint = 0;
  private appliedOffset: number | undefined;
  private checkpointedOffset: number | undefined;
  readonly warnings: string[] = [];
  /** Told of each warning while following (a lost connection, a gap): the CLI prints them as they come. */
  onWarning: ((warning: string) => void) | undefined;
  /** Told of every change of the source's status. */
  onStatus: ((status: StreamStatus) => void) | undefined;

  private constructor(
    readonly workspace: Workspace,
    readonly address: StreamAddress,
    readonly view: LiveView,
    readonly source: AmqpStreamSource,
    private readonly dir: string,
    private eventsFile: string | null,
    private readonly checkpointIntervalMs: number,
    resumedAfter: number | undefined,
  ) {
    this.appliedOffset = resumedAfter;
    this.checkpointedOffset = resumedAfter;
  }

  /** The stream, as the live output names its source (without the password). */
  get log(): string {
    return this.address.label;
  }

  get status(): StreamStatus {
    return this.source.status;
  }

  /** The offset of the last message applied to the view (undefined before any). */
  get offset(): number | undefined {
    return this.appliedOffset;
  }

  static stateDir(workspace: Workspace, address: StreamAddress): string {
    return join(workspace.paths.state, 'live', `amqp-${address.key.slice(0, 16)}`);
  }

  /**
   * The offset of the last message a tail of this stream applied and checkpointed (undefined when none did): what a
   * recount imports through, so that the lake holds what the live view counted.
   */
  static async appliedOffset(workspace: Workspace, address: StreamAddress): Promise<number | undefined> {
    const saved = await readCheckpoint(join(StreamSession.stateDir(workspace, address), 'checkpoint.json'), CheckpointSchema);
    return saved.value && saved.value.stream === address.stream ? saved.value.offset : undefined;
  }

  static async open(workspace: Workspace, options: StreamSessionOptions): Promise<StreamSession> {
    let address: StreamAddress;
    try {
      address = streamAddress(options.url, options.stream);
    } catch (error) {
      throw new UserError((error as Error).message);
    }
    const dir = StreamSession.stateDir(workspace, address);
    if (options.restart) await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const view = await LiveView.create(workspace, {
      source: address.label,
      ...(options.modes ? { modes: options.modes } : {}),
      ...(options.pipelines ? { pipelines: options.pipelines } : {}),
    });
    const warnings: string[] = [];
    let after: number | undefined;
    let eventsFile: string | null = null;
    try {
      const saved = await readCheckpoint(join(dir, 'checkpoint.json'), CheckpointSchema);
      if (saved.warning) warnings.push(saved.warning);
      if (saved.value && saved.value.stream === address.stream) {
        await view.restore(saved.value.live, saved.value.events ? join(dir, saved.value.events) : undefined);
        after = saved.value.offset;
        eventsFile = saved.value.events;
      }
    } catch (error) {
      await view.close();
      throw error;
    }
    // The source reports from its first attempt on, before the session exists: what it says then waits in `early`.
    const early: { warnings: string[]; session?: StreamSession } = { warnings };
    const source = new AmqpStreamSource({
      url: options.url,
      stream: options.stream,
      start: options.start === 'beginning' ? 'first' : 'next',
      ...(after !== undefined ? { after } : {}),
      maxLineBytes: workspace.settings.import.maxLineBytes,
      ...(options.prefetch ? { prefetch: options.prefetch } : {}),
      ...(options.maxBatchBytes ? { maxBatchBytes: options.maxBatchBytes } : {}),
      ...(options.retryMs ? { retryMs: options.retryMs } : {}),
      ...(options.maxRetryMs ? { maxRetryMs: options.maxRetryMs } : {}),
      ...(options.heartbeatSeconds ? { heartbeatSeconds: options.heartbeatSeconds } : {}),
      onStatus: (status) => early.session?.onStatus?.(status),
      onWarning: (warning) => {
        if (early.session) early.session.warn(warning);
        else early.warnings.push(warning);
      },
    });
    const session = new StreamSession(
      workspace,
      address,
      view,
      source,
      dir,
      eventsFile,
      options.checkpointIntervalMs ?? 2000,
      after,
    );
    session.warnings.push(...warnings);
    early.session = session;
    return session;
  }

  private warn(warning: string): void {
    this.warnings.push(warning);
    this.onWarning?.(warning);
  }

  /** Applies one batch of the source to the live view. */
  apply(batch: SourceBatch, options: { onStored?: () => void } = {}): Promise<StreamTick> {
    const applying = this.view
      .ingest({ data: batch.data, lineNumbers: batch.lineNumbers, count: batch.count }, options)
      .then((ingest) => this.tick(batch, ingest));
    // Batches are applied in the order handed over: a checkpoint waits for every one of them.
    this.inFlight = Promise.all([this.inFlight, applying]).then(() => {});
    this.inFlight.catch(() => {});
    return applying;
  }

  /** Batches handed to the view and not yet applied. */
  private inFlight: Promise<void> = Promise.resolve();

  private tick(batch: SourceBatch, ingest: LiveIngest): StreamTick {
    // The source's rejects (invalid UTF-8, over-long, a NUL byte…) never reached the view, which counts its own.
    const sourceRejects = batch.rejects;
    this.view.counters.rejects += sourceRejects.length;
    this.appliedOffset = batch.last;
    const toSession = (r: LiveReject): StreamReject => ({
      log: this.log,
      offset: r.line,
      line: r.line,
      reason: r.reason,
      raw: r.raw,
    });
    const sessionRejects = [...sourceRejects, ...ingest.rejects].sort((a, b) => a.line - b.line).map(toSession);
    return {
      ...ingest,
      sessionRejects,
      status: this.source.status,
      lineNumbers: batch.lineNumbers,
      first: batch.first,
      last: batch.last,
      ...(batch.gap ? { gap: batch.gap } : {}),
    };
  }

  /** Applies what the source holds now, waiting up to `waitMs` for a first batch (what tests drive). */
  async pollOnce(options: { waitMs?: number } = {}): Promise<StreamTick[]> {
    const ticks: StreamTick[] = [];
    let batch = this.source.take();
    if (!batch && options.waitMs) {
      const signal = AbortSignal.timeout(options.waitMs);
      batch = await this.source.next(signal);
    }
    while (batch) {
      ticks.push(await this.apply(batch));
      batch = this.source.take();
    }
    return ticks;
  }

  /**
   * Follows the stream until the signal aborts, calling `onTick` after every applied batch; rejects with a
   * StreamSourceError (as a UserError) when the stream cannot be followed any more: deleted, not a stream, refused.
   */
  async follow(signal: AbortSignal, onTick: (tick: StreamTick) => void): Promise<void> {
    // The next batch is framed and handed over once the one before it is being read into the view's store, while
    // that one is identified and applied: amqplib decodes messages on this thread while DuckDB works on its own.
    const handedOver: Promise<void>[] = [];
    try {
      for (;;) {
        const batch = await this.source.next(signal);
        if (!batch) break;
        let stored = () => {};
        const accepted = new Promise<void>((resolve) => (stored = resolve));
        const applied = this.apply(batch, { onStored: stored }).then(onTick);
        applied.catch(() => {});
        handedOver.push(applied);
        await accepted;
        if (handedOver.length > 8) await Promise.all(handedOver.splice(0, handedOver.length - 2));
        if (Date.now() - this.lastCheckpoint >= this.checkpointIntervalMs) await this.checkpoint();
        if (signal.aborted) break;
      }
      await Promise.all(handedOver);
    } catch (error) {
      await Promise.allSettled(handedOver);
      if (error instanceof StreamSourceError) throw new UserError(error.message, `stream-${error.kind}`);
      throw error;
    }
  }

  /** Checkpoints one at a time: a recount's, while the follow loop writes its own, waits for it. */
  private checkpointing: Promise<void> = Promise.resolve();

  /** Persists the offset of the last applied message together with the state it produced. */
  checkpoint(): Promise<void> {
    const next = this.checkpointing.then(() => this.checkpointNow());
    this.checkpointing = next.catch(() => {});
    return next;
  }

  private async checkpointNow(): Promise<void> {
    await this.inFlight;
    const offset = this.appliedOffset;
    if (offset === undefined || offset === this.checkpointedOffset) return;
    this.eventsFile = await writeLiveCheckpoint(
      this.dir,
      this.view,
      { source: this.address.label, stream: this.address.stream, offset },
      this.eventsFile,
    );
    this.checkpointedOffset = offset;
    this.lastCheckpoint = Date.now();
  }

  async close(options: { checkpoint?: boolean } = {}): Promise<void> {
    try {
      if (options.checkpoint ?? true) await this.checkpoint();
    } finally {
      await this.inFlight.catch(() => {});
      await this.source.close();
      await this.view.close();
    }
  }
}

import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { Workspace } from '../kernel/workspace/workspace.js';
import { Tailer, type TailBatch, type TailPosition, type TailReject, type TailStatus } from './tailer.js';
import { readLogWhole } from './replay.js';
import { TailPositionSchema, readCheckpoint } from './checkpoint.js';
import { LiveSnapshotSchema, writeLiveCheckpoint } from './live-checkpoint.js';
import { LiveView, type LiveIngest, type LiveMode, type LiveReject } from './live-view.js';
import { ApplyPacer, type PacerOptions } from './apply-pacer.js';
import { PendingLines, linesOf } from './pending-lines.js';

export interface LiveSessionOptions {
  log: string;
  /** Where to start when there is no checkpoint. */
  start: 'beginning' | 'end';
  /** Forget any checkpoint and replay the log from its start. */
  restart?: boolean;
  modes?: LiveMode[];
  pipelines?: string[];
  /**
   * How often the log is polled besides fs.watch's wake-ups (default 1 s): for changes fs.watch misses (network and
   * synced folders may send none).
   */
  pollIntervalMs?: number;
  /**
   * Checkpoint at most this often while following (default 2 s), or less often where a checkpoint takes longer than
   * `pacing.budget` of that; always on close.
   */
  checkpointIntervalMs?: number;
  /** When lines read are applied while following (see ApplyPacer). */
  pacing?: PacerOptions;
}

export interface SessionReject extends LiveReject {
  log: string;
  generation: number;
}

export interface SessionTick extends LiveIngest {
  /** Rejects of the tailer (over-long lines, invalid UTF-8, unterminated last lines) and of parsing. */
  sessionRejects: SessionReject[];
  tail: TailStatus;
  /** The lines this tick applied. */
  lineNumbers: Float64Array;
  generation: number;
}

const DEFAULT_POLL_MS = 1000;
/** Lines held before they are applied (see ApplyPacer) are at most a tailer batch's worth. */
const MAX_PENDING_BYTES = 4 * 1024 * 1024;
/** Checkpoints may take this share of what applying batches may (ApplyPacer's budget). */
const CHECKPOINT_SHARE = 0.25;

const CheckpointSchema = z.object({
  log: z.string(),
  position: TailPositionSchema,
  live: LiveSnapshotSchema,
  events: z.string().nullable(),
});

/**
 * Follows one event log into a live view. Its checkpoint is the tail position and the live view's state
 * written together (events beside them as Parquet), only after the batches up to that position were
 * applied: a restart, or a crash, resumes exactly there. Nothing is lost, and nothing counted twice,
 * in either mode.
 */
export class LiveSession {
  private lastCheckpoint = 0;
  /** What the last checkpoint took (ms): a checkpoint writes every exact event held, and grows with them. */
  private checkpointCost = 0;
  private eventsFile: string | null = null;
  readonly warnings: string[] = [];
  /** Told of each warning found while following (the tailer's, at its first poll): the CLI prints them as they come. */
  onWarning: ((warning: string) => void) | undefined;

  private warn(warning: string): void {
    this.warnings.push(warning);
    this.onWarning?.(warning);
  }

  private constructor(
    readonly workspace: Workspace,
    readonly log: string,
    readonly view: LiveView,
    readonly tailer: Tailer,
    private readonly dir: string,
    private readonly checkpointIntervalMs: number,
    readonly pacer: ApplyPacer,
  ) {}

  static stateDir(workspace: Workspace, log: string): string {
    return join(workspace.paths.state, 'live', createHash('sha256').update(resolve(log)).digest('hex').slice(0, 16));
  }

  static async open(workspace: Workspace, options: LiveSessionOptions): Promise<LiveSession> {
    const log = resolve(options.log);
    const dir = LiveSession.stateDir(workspace, log);
    if (options.restart) await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const view = await LiveView.create(workspace, {
      source: log,
      ...(options.modes ? { modes: options.modes } : {}),
      ...(options.pipelines ? { pipelines: options.pipelines } : {}),
    });
    const saved = await readCheckpoint(join(dir, 'checkpoint.json'), CheckpointSchema);
    const warnings: string[] = [];
    if (saved.warning) warnings.push(saved.warning);
    let resumeFrom: TailPosition | undefined;
    if (saved.value && saved.value.log === log) {
      await view.restore(saved.value.live, saved.value.events ? join(dir, saved.value.events) : undefined);
      resumeFrom = saved.value.position;
    }
    // A log that is there already is caught up on as a replay reads it (whole, where DuckDB may), then tailed from there.
    const caughtUp =
      !resumeFrom && options.start === 'beginning'
        ? await readLogWhole(view, { path: log, maxLineBytes: workspace.settings.import.maxLineBytes }).catch(
            async (error: unknown) => {
              await view.close();
              throw error;
            },
          )
        : undefined;
    if (caughtUp) resumeFrom = caughtUp.position;
    const warnLater: ((w: string) => void)[] = [];
    const tailer = new Tailer({
      path: log,
      start: options.start,
      onWarning: (w) => {
        for (const listener of warnLater) listener(w);
      },
      maxLineBytes: workspace.settings.import.maxLineBytes,
      ...(resumeFrom ? { resumeFrom } : {}),
      pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_MS,
      // Each batch is applied before the next is asked for.
      reuseBuffers: true,
    });
    const session = new LiveSession(
      workspace,
      log,
      view,
      tailer,
      dir,
      options.checkpointIntervalMs ?? 2000,
      new ApplyPacer(options.pacing),
    );
    if (caughtUp) {
      session.pendingPosition = caughtUp.position;
      session.caughtUp = session.tick(
        caughtUp.ingest,
        [],
        caughtUp.position,
        Float64Array.from({ length: caughtUp.ingest.lines }, (_, i) => i + 1),
      );
    }
    session.eventsFile = saved.value?.events ?? null;
    session.warnings.push(...warnings);
    warnLater.push((w) => session.warn(w));
    return session;
  }

  /** Applies one tailer batch to the live view. */
  async apply(batch: TailBatch): Promise<SessionTick> {
    const ingest = await this.view.ingest({ data: batch.data, lineNumbers: batch.lineNumbers, count: batch.count });
    this.view.counters.rejects += batch.rejects.length;
    this.pendingPosition = batch.position;
    return this.tick(ingest, batch.rejects, batch.position, batch.lineNumbers);
  }

  private tick(ingest: LiveIngest, tailed: TailReject[], position: TailPosition, lineNumbers: Float64Array): SessionTick {
    const toSession = (r: LiveReject | TailReject): SessionReject => ({
      log: this.log,
      generation: position.generation,
      line: r.line,
      reason: r.reason,
      raw: r.raw,
    });
    const sessionRejects = [...tailed.map(toSession), ...ingest.rejects.map(toSession)];
    return { ...ingest, sessionRejects, tail: this.tailer.status, lineNumbers, generation: position.generation };
  }

  private pendingPosition: TailPosition | undefined;
  /** What opening the session caught up on (the log as it was, read whole), not yet reported as a tick. */
  private caughtUp: SessionTick | undefined;

  private takeCaughtUp(): SessionTick[] {
    const tick = this.caughtUp;
    this.caughtUp = undefined;
    return tick ? [{ ...tick, tail: this.tailer.status }] : [];
  }

  /** Reads and applies whatever the log holds now (deterministic: what tests drive). */
  async pollOnce(): Promise<SessionTick[]> {
    const ticks = this.takeCaughtUp();
    for (const batch of await this.tailer.poll()) ticks.push(await this.apply(batch));
    return ticks;
  }

  /**
   * Follows the log until the signal aborts, calling `onTick` after every applied batch. Lines are read as fs.watch
   * (or the poll interval) says the log changed, and applied as the pacer says (see ApplyPacer): a read of nothing new
   * costs a stat and a read, never a query. Lines read when the signal aborts are applied before it returns.
   */
  async follow(signal: AbortSignal, onTick: (tick: SessionTick) => void): Promise<void> {
    const onAbort = () => void this.tailer.close();
    signal.addEventListener('abort', onAbort, { once: true });
    const watcher = this.tailer.watch();
    const pending = new PendingLines(MAX_PENDING_BYTES);
    const applyPending = async () => {
      const batch = pending.take();
      if (batch) await this.applyPaced(batch, onTick);
    };
    try {
      for (const tick of this.takeCaughtUp()) onTick(tick);
      while (!signal.aborted && !this.tailer.isClosed) {
        // One batch at a time: the next read reuses its memory, and a long backlog is never held whole.
        const [batch] = await this.tailer.poll({ maxBatches: 1 });
        if (batch) {
          if (!pending.accepts(batch)) await applyPending();
          if (pending.empty && this.pacer.due(linesOf(batch))) await this.applyPaced(batch, onTick);
          else pending.add(batch);
          // Lines may keep coming faster than they are read: due is due, caught up or not.
          if (this.pacer.due(pending.size)) await applyPending();
          continue;
        }
        // Caught up: what is held is applied now, or once it is due (read again first, to take what came meanwhile).
        if (this.pacer.due(pending.size)) await applyPending();
        else if (this.pacer.readsOnChange(pending.size)) await this.tailer.wait(this.pacer.waitMs(pending.size));
        else await this.tailer.sleep(this.pacer.waitMs(pending.size) ?? 0);
      }
      await applyPending();
    } finally {
      watcher.close();
      signal.removeEventListener('abort', onAbort);
    }
  }

  private async applyPaced(batch: TailBatch, onTick: (tick: SessionTick) => void): Promise<void> {
    onTick(await this.pacer.apply(linesOf(batch), () => this.apply(batch)));
    const interval = Math.max(this.checkpointIntervalMs, this.checkpointCost / (this.pacer.budget * CHECKPOINT_SHARE));
    if (Date.now() - this.lastCheckpoint >= interval) await this.checkpoint();
  }

  /** Persists the position of the last applied batch together with the state it produced. */
  async checkpoint(): Promise<void> {
    const position = this.pendingPosition;
    if (!position) return;
    const started = performance.now();
    const events = await writeLiveCheckpoint(this.dir, this.view, { log: this.log, position }, this.eventsFile);
    this.lastCheckpoint = Date.now();
    this.eventsFile = events;
    this.checkpointCost = performance.now() - started;
  }

  async close(options: { checkpoint?: boolean } = {}): Promise<void> {
    if (options.checkpoint ?? true) await this.checkpoint();
    await this.tailer.close();
    await this.view.close();
  }
}

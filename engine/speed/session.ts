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

export interface LiveSessionOptions {
  log: string;
  /** Where to start when there is no checkpoint. */
  start: 'beginning' | 'end';
  /** Forget any checkpoint and replay the log from its start. */
  restart?: boolean;
  modes?: LiveMode[];
  pipelines?: string[];
  pollIntervalMs?: number;
  /** Checkpoint at most this often while following (default 2 s); always on close. */
  checkpointIntervalMs?: number;
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
      ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
      // Each batch is applied before the next is asked for.
      reuseBuffers: true,
    });
    const session = new LiveSession(workspace, log, view, tailer, dir, options.checkpointIntervalMs ?? 2000);
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

  /** Follows the log until the signal aborts, calling `onTick` after every applied batch. */
  async follow(signal: AbortSignal, onTick: (tick: SessionTick) => void): Promise<void> {
    const onAbort = () => void this.tailer.close();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (const tick of this.takeCaughtUp()) onTick(tick);
      for await (const batch of this.tailer) {
        onTick(await this.apply(batch));
        if (Date.now() - this.lastCheckpoint >= this.checkpointIntervalMs) await this.checkpoint();
        if (signal.aborted) break;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Persists the position of the last applied batch together with the state it produced. */
  async checkpoint(): Promise<void> {
    const position = this.pendingPosition;
    if (!position) return;
    const events = await writeLiveCheckpoint(this.dir, this.view, { log: this.log, position }, this.eventsFile);
    this.lastCheckpoint = Date.now();
    this.eventsFile = events;
  }

  async close(options: { checkpoint?: boolean } = {}): Promise<void> {
    if (options.checkpoint ?? true) await this.checkpoint();
    await this.tailer.close();
    await this.view.close();
  }
}

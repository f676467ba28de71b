import { stat } from 'node:fs/promises';
import { CancelledError, errorMessage } from '../kernel/util/errors.js';
import { TailPositionSchema } from './checkpoint.js';
import { EMPTY_SHA256, type FileId, type OpenedFile, fileId, isMissing, openFile, sameFile } from './file-identity.js';
import { BatchBuilder, type BufferPool } from './tail-batch.js';
import { Reader, type ReadSettings } from './tail-reader.js';
import { restartFromCheckpoint, seekToEnd, type RestartContext } from './tail-restart.js';
import { siblingSnapshot } from './tail-siblings.js';
import type { TailBatch, TailEvent, TailerOptions, TailPosition, TailStatus } from './tail-types.js';

/*
 * Follows the path through its generations: notices it naming another file (rotated, recreated) or none, drains the
 * files it named before from their fds, and restarts a generation when its file is truncated or rewritten in place.
 */

/** The generations of one path: the file it names now, and older ones still being drained. */
export class Follower {
  /** The size batches are cut at by the read under way (a poll may ask for less than maxBatchBytes). */
  batchBytes: number;
  lastError: string | undefined;
  private readonly path: string;
  private readonly settings: ReadSettings;
  private readonly rotateWaitMs: number;
  private readonly resume: TailPosition | undefined;
  /** The file the path names, and older generations still being drained (oldest first). */
  private current: Reader | undefined;
  private draining: Reader[] = [];
  /** The position when no file is open. */
  private last: TailPosition;
  private nextGeneration = 0;
  /** What the next file to appear at the path follows, when the previous one went away first. */
  private nextEvent: TailEvent | undefined;
  private started = false;
  /** Batches produced ahead of their turn: a generation's end found while retiring it. */
  private ready: TailBatch[] = [];
  private failedSinceIdle = false;

  constructor(
    private readonly options: TailerOptions,
    maxBatchBytes: number,
    /** Where read chunks go: each read is a trip through the thread pool, so it is large. */
    private readonly buffer: Buffer,
    private readonly pool: BufferPool,
  ) {
    this.path = options.path;
    this.settings = { maxLineBytes: options.maxLineBytes, now: options.now ?? Date.now };
    this.rotateWaitMs = options.rotateWaitMs ?? 5000;
    this.batchBytes = maxBatchBytes;
    const resume = options.resumeFrom && TailPositionSchema.safeParse(options.resumeFrom);
    if (resume && !resume.success) this.lastError = 'ignored an invalid resumeFrom position; using the start policy';
    this.resume = resume?.success ? resume.data : undefined;
    this.last = this.resume ?? {
      file: { dev: '', ino: '', fingerprint: '' },
      offset: 0,
      line: 0,
      anchor: EMPTY_SHA256,
      generation: 0,
    };
    this.nextGeneration = this.last.generation;
  }

  get position(): TailPosition {
    const behind = this.draining.find((r) => !r.caughtUp);
    const reader = behind ?? this.current ?? this.draining.at(-1);
    return reader ? reader.position() : this.last;
  }

  status(closed: boolean): TailStatus {
    const position = this.position;
    const current = this.current;
    const status: TailStatus = {
      state: closed ? 'closed' : current ? 'following' : 'waiting-for-file',
      path: this.path,
      generation: current?.generation ?? position.generation,
      offset: current?.offset ?? position.offset,
      line: current?.line ?? position.line,
      draining: this.draining.length,
    };
    if (this.lastError !== undefined) status.lastError = this.lastError;
    const incomplete = current?.incompleteLine();
    if (incomplete) status.incompleteLine = incomplete;
    return status;
  }

  /** The next batch: old generations first, then the file the path names now. Undefined when caught up. */
  async step(): Promise<TailBatch | undefined> {
    const batch = await this.nextBatch();
    if (!batch) {
      if (!this.failedSinceIdle) this.lastError = undefined;
      this.failedSinceIdle = false;
    }
    return batch;
  }

  /** Closes every fd; the position stays where it was. */
  async close(): Promise<void> {
    this.last = this.position;
    const readers = this.current ? [...this.draining, this.current] : this.draining;
    this.current = undefined;
    this.draining = [];
    this.ready = [];
    await Promise.all(readers.map((r) => r.handle.close().catch(() => {})));
  }

  private async nextBatch(): Promise<TailBatch | undefined> {
    if (!this.started && !(await this.start())) return undefined;
    const ready = this.ready.shift();
    if (ready) return ready;
    const old = await this.stepDraining();
    if (old) return old;
    if (await this.followPath()) {
      const rotated = this.ready.shift() ?? (await this.stepDraining());
      if (rotated) return rotated;
    }
    return this.current ? this.readBatch(this.current) : undefined;
  }

  private async stepDraining(): Promise<TailBatch | undefined> {
    for (const reader of [...this.draining]) {
      const batch = await this.readBatch(reader);
      if (batch) return batch;
      if (reader.caughtUp && this.settings.now() >= reader.deadline) {
        const ended = await this.finish(reader);
        if (ended) return ended;
      }
    }
    return undefined;
  }

  private async start(): Promise<boolean> {
    let opened: OpenedFile | undefined;
    try {
      // Before the file is opened: a copy made after this is a copy of what the new generation holds.
      const siblings = await siblingSnapshot(this.path);
      opened = await openFile(this.path).catch((error: unknown) => {
        if (isMissing(error)) return undefined;
        throw error;
      });
      if (this.resume && this.resume.file.dev !== '') {
        this.nextGeneration = this.resume.generation + 1;
        const restarted = await restartFromCheckpoint(this.restartContext(), this.resume, opened);
        this.current = restarted.current;
        if (this.current) this.current.siblings = siblings;
        this.nextEvent = restarted.nextEvent;
      } else if (opened) {
        const reader = new Reader(opened.handle, opened.id, this.nextGeneration++, undefined, this.settings);
        // A position taken before any file existed means every file since is new: read it whole.
        if (this.options.start === 'end' && !this.resume) await seekToEnd(reader, opened.size, this.options.signal);
        reader.siblings = siblings;
        this.current = reader;
      }
      this.started = true;
      return true;
    } catch (error) {
      await opened?.handle.close().catch(() => {});
      for (const reader of this.draining) await reader.handle.close().catch(() => {});
      this.draining = [];
      this.current = undefined;
      this.nextGeneration = this.last.generation;
      this.nextEvent = undefined;
      if (error instanceof CancelledError) throw error;
      this.fail(error);
      return false;
    }
  }

  private restartContext(): RestartContext {
    return {
      path: this.path,
      settings: this.settings,
      generation: () => this.nextGeneration++,
      drain: (reader) => {
        reader.drainUntil(this.settings.now() + this.rotateWaitMs);
        this.draining.push(reader);
      },
      warn: (message) => this.options.onWarning?.(message),
    };
  }

  /** Notices the path naming another file (or none). True when a generation was retired and must be drained first. */
  private async followPath(): Promise<boolean> {
    let id: FileId;
    try {
      id = fileId(await stat(this.path, { bigint: true }));
    } catch (error) {
      if (!isMissing(error)) {
        this.fail(error);
        return false;
      }
      if (!this.current) return false;
      this.nextEvent = await this.retire(this.current);
      return true;
    }
    if (this.current && sameFile(id, this.current.id)) return false;
    let opened;
    try {
      opened = await openFile(this.path);
    } catch (error) {
      this.fail(isMissing(error) ? `${this.path} vanished between stat and open; retrying` : error);
      return false;
    }
    if (this.current && sameFile(opened.id, this.current.id)) {
      await opened.handle.close();
      return false;
    }
    const event = this.current ? await this.retire(this.current) : this.nextEvent;
    this.nextEvent = undefined;
    const siblings = await siblingSnapshot(this.path);
    this.current = new Reader(opened.handle, opened.id, this.nextGeneration++, event, this.settings);
    this.current.siblings = siblings;
    return this.draining.length > 0;
  }

  /** Moves the current file to draining, and says what became of it. */
  private async retire(reader: Reader): Promise<TailEvent> {
    // Truncated or rewritten before it went away: that restart belongs before the next file's generation.
    const why = await reader.changedInPlace().catch(() => undefined);
    if (why) {
      const ended = reader.endGeneration();
      reader.reset(this.nextGeneration++, why);
      if (ended) {
        ended.position = reader.position();
        this.ready.push(ended);
      }
    }
    let linked = true;
    try {
      linked = (await reader.handle.stat({ bigint: true })).nlink > 0n;
    } catch {
      // Still drained from the fd either way; only the event's name depends on it.
    }
    reader.drainUntil(this.settings.now() + this.rotateWaitMs);
    this.draining.push(reader);
    this.current = undefined;
    return linked ? 'rotated' : 'recreated';
  }

  /** Ends a drained generation: its incomplete last line becomes a reject, and its fd is closed. */
  private async finish(reader: Reader): Promise<TailBatch | undefined> {
    const ended = reader.endGeneration();
    if (!this.current && this.draining.at(-1) === reader) this.last = reader.position();
    this.draining.splice(this.draining.indexOf(reader), 1);
    await reader.handle.close().catch(() => {});
    if (ended) ended.position = this.position;
    return ended;
  }

  /** Same fd, new generation from offset 0: the file was truncated or rewritten in place. */
  private async restartGeneration(reader: Reader, why: 'truncated' | 'replaced'): Promise<TailBatch | undefined> {
    const siblings = await siblingSnapshot(this.path);
    const ended = reader.endGeneration();
    reader.reset(this.nextGeneration++, why, siblings);
    if (!ended) return this.readBatch(reader);
    ended.position = this.position;
    return ended;
  }

  private async readBatch(reader: Reader): Promise<TailBatch | undefined> {
    const isCurrent = reader === this.current;
    try {
      if (reader.restart || Number((await reader.handle.stat({ bigint: true })).size) < reader.readOffset) {
        const why = reader.restart ?? 'truncated';
        if (isCurrent) return await this.restartGeneration(reader, why);
        // A rotated file that shrank has nothing more for us: end it now.
        reader.deadline = -Infinity;
        reader.caughtUp = true;
        return undefined;
      }
      const out = new BatchBuilder(this.batchBytes, this.pool);
      const result = await reader.read(out, this.buffer, isCurrent);
      if (result === 'changed') {
        reader.restart = 'replaced';
        if (out.empty) {
          this.pool.give(out.backing);
          return await this.restartGeneration(reader, 'replaced');
        }
      }
      if (out.empty && !reader.event) {
        this.pool.give(out.backing);
        if (result === 'eof' && !isCurrent) reader.caughtUp = true;
        return undefined;
      }
      const batch: TailBatch = {
        ...out.finish(),
        generation: reader.generation,
        file: reader.file(),
        position: this.position,
      };
      this.pool.own(batch, out.backing);
      if (reader.event) batch.event = reader.event;
      reader.event = undefined;
      return batch;
    } catch (error) {
      this.fail(error);
      return undefined;
    }
  }

  private fail(error: unknown): void {
    this.lastError = typeof error === 'string' ? error : errorMessage(error);
    this.failedSinceIdle = true;
  }
}

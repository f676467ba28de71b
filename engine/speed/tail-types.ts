/** The tailer's public types: positions, batches, rejects, options and status. */

export interface TailPosition {
  /** Identity of the file generation being read. */
  file: { dev: string; ino: string; fingerprint: string };
  /** Byte offset just after the last complete line delivered. */
  offset: number;
  /** Lines delivered (or rejected) so far in this generation: the next line is line + 1. */
  line: number;
  /** Hash of up to the 256 bytes before `offset`: proves on resume that the bytes we already read are still there. */
  anchor: string;
  /** Counts rotations/truncations/replacements seen; starts at 0. */
  generation: number;
  /**
   * At offset 0 of the file the path names: the rotated files beside it when this generation began. A checkpoint
   * without it (written by an earlier version, or of a file already rotated away) cannot tell a copy made after it.
   */
  siblings?: SiblingId[];
}

/** A rotated file beside the log (log.1, log-20261207…), as a position recorded it. */
export interface SiblingId {
  dev: string;
  ino: string;
  /** Nanoseconds since the epoch; '0' where the filesystem keeps no birth time. */
  birthtime: string;
  size: number;
}

export interface TailReject {
  line: number;
  reason: string;
  /** At most 4096 chars. */
  raw: string;
  generation: number;
}

export type TailEvent = 'rotated' | 'truncated' | 'replaced' | 'recreated' | 'resumed' | 'restarted-offline-change';

export interface TailBatch {
  /**
   * Complete lines, each terminated by '\n', CR and a BOM at the file's start stripped (kernel/lines/line-framer.ts);
   * blank lines and rejected lines are not included.
   */
  data: Buffer;
  /** Line number (1-based, within its generation) of each line in `data`, in order. */
  lineNumbers: Float64Array;
  count: number;
  rejects: TailReject[];
  generation: number;
  /** Identity of the file these lines came from. */
  file: TailPosition['file'];
  /** Position after this batch: persist it only after the batch is applied (at-least-once). */
  position: TailPosition;
  /**
   * What happened to the file just before this batch, if anything: 'rotated' (the path names another file and the old
   * one is still linked, e.g. renamed to log.1 or a swapped symlink), 'recreated' (the old file was deleted), 'truncated'
   * (same file, now shorter than what we read), 'replaced' (same file, but the bytes we read changed: truncated and
   * rewritten), 'resumed' (continued from `resumeFrom`), 'restarted-offline-change' (the checkpoint's file was truncated,
   * replaced or is gone, so the path is read from its start).
   */
  event?: TailEvent;
}

export interface TailerOptions {
  path: string;
  /**
   * Where to start when there is no usable `resumeFrom`: the start of the file, or its end (after its last newline).
   * It applies to the file found at the first poll; a file that appears later is new, and is read from its start.
   */
  start: 'beginning' | 'end';
  resumeFrom?: TailPosition;
  /** Longer lines are rejected, never buffered whole. */
  maxLineBytes: number;
  /** Default 4 MiB. A batch holds at least one line, so a single line up to maxLineBytes may exceed it. */
  maxBatchBytes?: number;
  /** Default 100; fs.watch wakes the iterator sooner, polling covers missed watch events. */
  pollIntervalMs?: number;
  /** Default 5000: keep reading a renamed/deleted file's open fd this long for late writes. */
  rotateWaitMs?: number;
  signal?: AbortSignal;
  /** Default true. Off, the iterator relies on polling alone. */
  watch?: boolean;
  /**
   * Default false. On, a batch's `data` is only valid until the next `poll()` or iteration step, whose batches reuse its
   * memory: for consumers that apply each batch before asking for more. Filling fresh memory costs more than framing the
   * lines (each new page is a fault), so a long log reads markedly faster this way (`npm run bench`).
   */
  reuseBuffers?: boolean;
  /** Clock for rotateWaitMs deadlines; tests inject one. */
  now?: () => number;
  /**
   * What the tailer found of the file's history while it was stopped (files rotated twice, a copytruncate, a file gone):
   * what it read to lose nothing, and what it could not.
   */
  onWarning?: (message: string) => void;
}

export type TailStatus = {
  state: 'following' | 'waiting-for-file' | 'closed';
  path: string;
  generation: number;
  offset: number;
  line: number;
  /** Rotated fds still open. */
  draining: number;
  lastError?: string;
  /** A line still waiting for its newline: `bytes` seen so far, `buffered` of them held in memory, unchanged for `heldMs`. */
  incompleteLine?: { line: number; bytes: number; buffered: number; heldMs: number };
};

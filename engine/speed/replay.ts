import { open, stat } from 'node:fs/promises';
import { throwIfAborted } from '../kernel/util/errors.js';
import type { OperationOptions, Progress } from '../shared/progress.js';
import { Tailer, type TailBatch, type TailerOptions, type TailPosition, type TailReject } from './tailer.js';
import { fileId, holdsBytes, lastBytes, sameFile, sha256Hex } from './file-identity.js';
import type { LiveBatch, LiveIngest, LiveView } from './live-view.js';

/**
 * The batch size a replay reads a log in (the tailer's `maxBatchBytes`). A batch costs a fixed part (planning every
 * delta query, a round of each ingest step) besides its lines, and a replay has all its lines at once, so it pays that
 * part far less often in large batches than in the tailer's default of 4 MiB (right for a live log, whose batches are
 * what arrived since the last poll); smaller sizes than this were slower, larger ones no faster. The memory is the
 * tailer's batch buffers and the view's three batch files, each up to this size, while the replay runs.
 */
export const REPLAY_BATCH_BYTES = 64 * 1024 * 1024;
/**
 * The first batch of a replay is smaller: nothing else runs until it is read, its schema found and every pipeline
 * compiled, so the steps after it start sooner and the replay is done sooner. Still more lines than the schema is
 * sampled from (DuckDB's 20,480).
 */
export const REPLAY_FIRST_BATCH_BYTES = 16 * 1024 * 1024;

/**
 * Reads a log's batches one at a time and hands each to `apply`, reading the next batch while `apply` is still
 * at work on the last one: from when it calls `read` (it is done with the batch's memory, which the next batch
 * reuses), or else when it returns. Framing lines is JS work on this thread and applying a batch is mostly
 * DuckDB's, on its own threads, so side by side a replay takes about the longer of the two, not their sum.
 * `apply` returns whether to go on. For replays: a batch read ahead and not applied is lost to a checkpoint.
 */
export async function feed(
  tailer: Tailer,
  apply: (batch: TailBatch, read: () => void) => Promise<boolean>,
  options: { firstBatchBytes?: number } = {},
): Promise<void> {
  let next = tailer.poll({ maxBatches: 1, ...(options.firstBatchBytes ? { maxBatchBytes: options.firstBatchBytes } : {}) });
  for (;;) {
    const [batch] = await next;
    if (!batch) return;
    let reading = false;
    const read = () => {
      if (reading) return;
      reading = true;
      next = tailer.poll({ maxBatches: 1 });
      // Awaited below or at the top of the loop; until then its failure must not count as unhandled.
      next.catch(() => {});
    };
    let more = false;
    try {
      more = await apply(batch, read);
    } finally {
      // Stopping, or failing, with a read under way: it finishes before the caller may close the tailer.
      if (reading && !more) await next.catch(() => {});
    }
    if (!more) return;
    read();
  }
}

export interface ReplayOptions extends OperationOptions {
  /**
   * Replays the log only through this line (lines after it are left out): a comparison as of a recount, while a
   * writer goes on appending.
   */
  throughLine?: number;
  /** Each batch's outcome, in order, with the log's position after it (a log read whole: one, for all its lines). */
  applied?: (ingest: LiveIngest, position: TailPosition) => void;
  /** Lines the tailer rejected (too long, not UTF-8), before the batch they were in is applied. */
  rejected?: (rejects: TailReject[]) => void;
}

/** The log a replay reads: its path and the line length over which a line is rejected. */
export interface ReplayLog {
  path: string;
  maxLineBytes: number;
}

/**
 * Logs up to this size may be read whole by DuckDB (LiveView.ingestLog): its delta queries then run once over every
 * line, and the identity index takes every key at once (24 bytes a line in JS memory while it does: 90 MB at 1 GiB).
 */
export const DIRECT_READ_MAX_BYTES = 1024 * 1024 * 1024;

/** How a replay read its log: whole, by DuckDB straight from the file, or in batches through the tailer. */
export type ReplayRead = 'whole' | 'batches';

/**
 * Replays a log from its start into a fresh live view. A log whose lines are exactly its bytes (no line rejected,
 * blank, CRLF-ended or with a BOM, as most logs are) is read whole by DuckDB, straight from the file and on all its
 * threads (LiveView.ingestLog): no batch files, and one round of delta queries, which is faster than reading it in
 * batches. The tailer frames the log meanwhile, keeping nothing, to know whether and how many of its lines DuckDB may
 * keep (it reads the file to its end, which may have grown); any other log is read in batches (feedView), framed
 * again.
 */
export async function replayLog(view: LiveView, log: ReplayLog, options: ReplayOptions = {}): Promise<ReplayRead> {
  const whole = await readLogWhole(view, log, options);
  if (whole) {
    options.applied?.(whole.ingest, whole.position);
    return 'whole';
  }
  throwIfAborted(options.signal);
  const tailer = new Tailer(replayTailerOptions(log));
  try {
    await feedView(tailer, view, options);
  } finally {
    await tailer.close();
  }
  throwIfAborted(options.signal);
  return 'batches';
}

/**
 * Reads a log whole into a fresh live view where it may (see replayLog): what the view took in, and the tail position
 * after it (where a tailer goes on), or undefined when the log is empty, over DIRECT_READ_MAX_BYTES or not read whole.
 */
export async function readLogWhole(
  view: LiveView,
  log: ReplayLog,
  options: ReplayOptions = {},
): Promise<{ ingest: LiveIngest; position: TailPosition } | undefined> {
  const size = await stat(log.path).then(
    (s) => s.size,
    () => 0,
  );
  if (size === 0 || size > DIRECT_READ_MAX_BYTES) return undefined;
  return readWhole(view, log, size, options);
}

/**
 * DuckDB reads the log whole while the tailer frames it, having found its schema first; the read is kept only if the
 * framing allows it, and stopped as soon as the framing says it will not be.
 */
async function readWhole(
  view: LiveView,
  log: ReplayLog,
  size: number,
  options: ReplayOptions,
): Promise<{ ingest: LiveIngest; position: TailPosition } | undefined> {
  const stop = new AbortController();
  const cancel = () => stop.abort();
  options.signal?.addEventListener('abort', cancel, { once: true });
  let begun = (_: boolean) => {};
  const beginning = new Promise<boolean>((resolve) => (begun = resolve));
  const framing = frameLog(log, size, options, begun).then((framed) => {
    begun(framed.direct && framed.lines > 0);
    if (!framed.direct || framed.lines === 0) stop.abort();
    return framed;
  });
  framing.catch(() => {
    begun(false);
    cancel();
  });
  try {
    const ingest = await view.ingestLog(log.path, {
      signal: stop.signal,
      begin: () => beginning,
      ...(options.onProgress ? { onProgress: (p: Progress) => options.onProgress?.({ ...p, phase: 'replaying the log' }) } : {}),
      lines: async () => {
        const framed = await framing;
        if (!framed.direct || framed.lines === 0) throw new Error(`${log.path}: read in batches`);
        await unchanged(log.path, framed);
        return framed.lines;
      },
    });
    return ingest && { ingest, position: (await framing).position };
  } finally {
    options.signal?.removeEventListener('abort', cancel);
    await framing.catch(() => {});
  }
}

function replayTailerOptions(log: ReplayLog): TailerOptions {
  return {
    path: log.path,
    start: 'beginning',
    maxLineBytes: log.maxLineBytes,
    maxBatchBytes: REPLAY_BATCH_BYTES,
    watch: false,
    // A batch's memory is filled again only once it is done with (feedView: once the view has its own copy).
    reuseBuffers: true,
  };
}

interface FramedLog {
  /** Whether DuckDB may read the lines straight from the file: they are its first `bytes` bytes, as they are. */
  direct: boolean;
  lines: number;
  bytes: number;
  position: TailPosition;
  file: TailPosition['file'];
  /** The up to ANCHOR_BYTES bytes before `bytes`. */
  anchor: Buffer;
}

/**
 * Frames the log the replay will read (through `throughLine`, and the `size` it had when the replay began: a writer
 * appending faster than the tailer frames would never let it finish), keeping nothing but whether and how DuckDB may
 * read it.
 */
async function frameLog(
  log: ReplayLog,
  size: number,
  options: ReplayOptions,
  /** Called once the first batch is framed: whether its lines are its bytes. */
  first: (verbatim: boolean) => void,
): Promise<FramedLog> {
  const through = options.throughLine ?? Infinity;
  const tailer = new Tailer(replayTailerOptions(log));
  const framed: FramedLog = {
    direct: true,
    lines: 0,
    bytes: 0,
    position: tailer.position,
    file: tailer.position.file,
    anchor: Buffer.alloc(0),
  };
  try {
    for (;;) {
      throwIfAborted(options.signal);
      // The first batch small: the schema is sampled once it is framed (DuckDB samples 20,480 lines, fewer than 8 MiB holds).
      const [batch] = await tailer.poll({ maxBatches: 1, ...(framed.lines === 0 ? { maxBatchBytes: 8 << 20 } : {}) });
      if (!batch || (batch.count === 0 && batch.rejects.length === 0)) break;
      const kept = keptThrough(batch, through);
      const verbatim =
        batch.generation === 0 &&
        batch.event === undefined &&
        batch.rejects.every((r) => r.line > through) &&
        batch.position.offset - framed.bytes === batch.data.length &&
        (kept === 0 || (batch.lineNumbers[0] === framed.lines + 1 && batch.lineNumbers[kept - 1] === framed.lines + kept));
      if (framed.lines === 0) first(verbatim);
      if (!verbatim) return { ...framed, direct: false };
      if (framed.lines === 0) framed.file = batch.file;
      const end = kept === batch.count ? batch.data.length : lineEnd(batch.data, kept);
      framed.anchor = lastBytes(framed.anchor, batch.data, end);
      framed.lines += kept;
      framed.bytes += end;
      framed.position = batch.position;
      if (kept < batch.count || batch.rejects.length > 0 || framed.bytes >= size || framed.bytes > DIRECT_READ_MAX_BYTES) break;
    }
  } finally {
    await tailer.close();
  }
  if (framed.bytes > DIRECT_READ_MAX_BYTES) framed.direct = false;
  return framed;
}

/** How many of a batch's lines are at or before line `through` (line numbers only grow). */
function keptThrough(batch: TailBatch, through: number): number {
  let kept = batch.count;
  while (kept > 0 && (batch.lineNumbers[kept - 1] as number) > through) kept--;
  return kept;
}

/** The offset just after the first `count` lines of a batch's data (each line ends in '\n'). */
function lineEnd(data: Buffer, count: number): number {
  let end = 0;
  for (let i = 0; i < count; i++) end = data.indexOf(10, end) + 1;
  return end;
}

/** Fails unless the path still names the file framed, with the same bytes at its head and before the lines' end. */
async function unchanged(path: string, framed: FramedLog): Promise<void> {
  const handle = await open(path, 'r');
  try {
    const same =
      sameFile(fileId(await handle.stat({ bigint: true })), framed.file) &&
      (await holdsBytes(handle, {
        offset: framed.bytes,
        anchor: sha256Hex(framed.anchor),
        fingerprint: framed.file.fingerprint,
      }));
    if (!same) throw new Error(`${path} changed while it was read`);
  } finally {
    await handle.close();
  }
}

/**
 * Replays a log into a live view in batches, with DuckDB's threads as a replay wants them (LiveView.replaying): each
 * batch is handed over once the one before it is being read into the store, while the ones before it are identified
 * and aggregated (see LiveView.ingest), and read from the log meanwhile.
 */
export async function feedView(tailer: Tailer, view: LiveView, options: ReplayOptions = {}): Promise<void> {
  await view.replaying(() => replayBatches(tailer, view, options));
}

async function replayBatches(tailer: Tailer, view: LiveView, options: ReplayOptions): Promise<void> {
  const through = options.throughLine ?? Infinity;
  const pending: Promise<void>[] = [];
  try {
    await feed(
      tailer,
      async (batch, read) => {
        if (options.signal?.aborted) return false;
        const rejects = batch.rejects.filter((r) => r.line <= through);
        if (rejects.length > 0) options.rejected?.(rejects);
        const kept = keptThrough(batch, through);
        const last =
          kept < batch.count || rejects.length < batch.rejects.length || (batch.count === 0 && batch.rejects.length === 0);
        const taken: LiveBatch = {
          data: kept === batch.count ? batch.data : batch.data.subarray(0, lineEnd(batch.data, kept)),
          lineNumbers: batch.lineNumbers.subarray(0, kept),
          count: kept,
        };
        let stored = () => {};
        const accepted = new Promise<void>((resolve) => (stored = resolve));
        const applied = view
          .ingest(taken, { onRead: read, onStored: stored })
          .then((ingest) => options.applied?.(ingest, batch.position));
        // Awaited below; until then a failure must not count as unhandled.
        applied.catch(() => {});
        pending.push(applied);
        await accepted;
        return !last;
      },
      { firstBatchBytes: REPLAY_FIRST_BATCH_BYTES },
    );
  } finally {
    await Promise.allSettled(pending);
  }
  await Promise.all(pending);
}

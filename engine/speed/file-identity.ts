import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { throwIfAborted } from '../kernel/util/errors.js';

/**
 * How a tailed file is recognised across polls and restarts. (dev, ino) alone is not enough: inodes are reused as soon as
 * a file is deleted (Fluent Bit #4895, #8025), so a file is also known by a fingerprint of its head and an anchor just
 * before the read offset, which together prove the bytes already read are still the bytes at that place.
 */

/** The fingerprint covers the first line, or the first 1 KiB when the first line is longer. */
export const FINGERPRINT_BYTES = 1024;
/** The anchor covers up to this many bytes before the offset. */
export const ANCHOR_BYTES = 256;

export interface FileId {
  dev: string;
  ino: string;
}

export function fileId(stats: BigIntStats): FileId {
  return { dev: stats.dev.toString(), ino: stats.ino.toString() };
}

export function sameFile(a: FileId, b: FileId): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export const EMPTY_SHA256 = sha256Hex(new Uint8Array(0));

/**
 * The bytes the fingerprint hashes, given the first bytes of a file. Until the first line is complete (or 1 KiB exists)
 * the window is provisional: it is what exists so far and grows with the file. That loses nothing, because no line can
 * be delivered before the first newline, so a position with a provisional fingerprint always has offset 0; once final,
 * the window never changes while the file is only appended to.
 */
export function fingerprintWindow(head: Buffer): { bytes: Buffer; final: boolean } {
  const newline = head.subarray(0, FINGERPRINT_BYTES).indexOf(10);
  if (newline >= 0) return { bytes: head.subarray(0, newline + 1), final: true };
  if (head.length >= FINGERPRINT_BYTES) return { bytes: head.subarray(0, FINGERPRINT_BYTES), final: true };
  return { bytes: head, final: false };
}

/** Reads up to `length` bytes at `position`; fewer only at end of file. */
export async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/** The anchor window of a file at `offset`: the up to ANCHOR_BYTES bytes before it. */
export function readAnchorWindow(handle: FileHandle, offset: number): Promise<Buffer> {
  const length = Math.min(ANCHOR_BYTES, offset);
  return readAt(handle, offset - length, length);
}

/**
 * Whether an open file still holds the bytes a position saw: at least `offset` long, with the fingerprint of its head
 * (complete) and the anchor hash of the bytes before `offset`. Returns the head and anchor window it read, for a reader
 * to go on from, or undefined.
 */
export async function holdsBytes(
  handle: FileHandle,
  seen: { offset: number; anchor: string; fingerprint: string },
): Promise<{ head: Buffer; window: Buffer } | undefined> {
  if (Number((await handle.stat({ bigint: true })).size) < seen.offset) return undefined;
  const head = fingerprintWindow(await readAt(handle, 0, FINGERPRINT_BYTES));
  if (!head.final || sha256Hex(head.bytes) !== seen.fingerprint) return undefined;
  const window = await readAnchorWindow(handle, seen.offset);
  if (sha256Hex(window) !== seen.anchor) return undefined;
  return { head: head.bytes, window };
}

/** The last `max` bytes of `before` followed by `chunk[0, end)`, copied (the chunk buffer is reused). */
export function lastBytes(before: Buffer, chunk: Buffer, end: number, max = ANCHOR_BYTES): Buffer {
  if (end >= max) return Buffer.from(chunk.subarray(end - max, end));
  return Buffer.concat([before.subarray(Math.max(0, before.length - (max - end))), chunk.subarray(0, end)]);
}

/** Where `start: 'end'` begins: after the last newline, with the number of lines before it. */
export async function endOfLastLine(
  handle: FileHandle,
  size: number,
  signal?: AbortSignal,
): Promise<{ offset: number; line: number }> {
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  let offset = 0;
  let line = 0;
  for (let position = 0; position < size;) {
    throwIfAborted(signal);
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - position), position);
    if (bytesRead === 0) break;
    for (let nl = buffer.indexOf(10); nl >= 0 && nl < bytesRead; nl = buffer.indexOf(10, nl + 1)) {
      line++;
      offset = position + nl + 1;
    }
    position += bytesRead;
  }
  return { offset, line };
}

/**
 * Files near `path` with the given (dev, ino): where a checkpoint's file went when it was rotated while we were not
 * running. Names that start with the log's own name (log.1, log-2024…) are tried first; the caller still checks the
 * fingerprint and anchor, because the inode may belong to an unrelated newer file.
 */
export async function filesWithIdentity(path: string, id: FileId): Promise<string[]> {
  const dirs = new Set([dirname(path)]);
  // A symlinked log's rotated targets usually live next to the current target, not next to the link.
  const target = await realpath(path).catch(() => undefined);
  if (target) dirs.add(dirname(target));
  const prefix = basename(path);
  const found: string[] = [];
  for (const dir of dirs) {
    const names = await readdir(dir).catch(() => [] as string[]);
    names.sort((a, b) => Number(!a.startsWith(prefix)) - Number(!b.startsWith(prefix)));
    for (const name of names) {
      const candidate = join(dir, name);
      if (candidate === path) continue;
      const stats = await stat(candidate, { bigint: true }).catch(() => undefined);
      if (stats?.isFile() && sameFile(fileId(stats), id)) found.push(candidate);
    }
  }
  return found;
}

export interface OpenedFile {
  handle: FileHandle;
  id: FileId;
  size: number;
  linked: boolean;
}

/** Opens a file and identifies what was opened (not what the path named a moment earlier). */
export async function openFile(path: string): Promise<OpenedFile> {
  const handle = await open(path, 'r');
  try {
    const stats = await handle.stat({ bigint: true });
    return { handle, id: fileId(stats), size: Number(stats.size), linked: stats.nlink > 0n };
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
}

export function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

const COMPRESSED = /\.(gz|bz2|xz|zst|zip|lz4)$/i;

/**
 * The rotated copies of a log beside it, oldest first, as logrotate names them: `log.1` is newer than `log.2`, and
 * dated names (`log-20261207`, `log.2026-12-07`) sort by their date. Compressed ones are left out: they are never read.
 */
export async function rotatedSiblings(path: string): Promise<string[]> {
  const dir = dirname(path);
  const base = basename(path);
  const names = (await readdir(dir).catch(() => [] as string[])).filter(
    (n) => n !== base && (n.startsWith(`${base}.`) || n.startsWith(`${base}-`)) && !COMPRESSED.test(n) && !/\.tmp-\d+$/.test(n),
  );
  const numbered = names
    .map((n) => ({ n, k: /^\d+$/.test(n.slice(base.length + 1)) ? Number(n.slice(base.length + 1)) : undefined }))
    .filter((x) => x.k !== undefined)
    .sort((a, b) => (b.k as number) - (a.k as number))
    .map((x) => x.n);
  const dated = names.filter((n) => !numbered.includes(n)).sort();
  const files: string[] = [];
  for (const name of [...numbered, ...dated]) {
    const stats = await stat(join(dir, name)).catch(() => undefined);
    if (stats?.isFile()) files.push(join(dir, name));
  }
  return files;
}

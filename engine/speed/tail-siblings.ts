import type { FileHandle } from 'node:fs/promises';
import { stat } from 'node:fs/promises';
import { ANCHOR_BYTES, FINGERPRINT_BYTES, type FileId, openFile, readAt, rotatedSiblings, sameFile } from './file-identity.js';
import type { SiblingId } from './tail-types.js';

/*
 * The rotated files beside a log when a generation of it began. A position at offset 0 holds no bytes to find a copy
 * by, so on a restart the files that were not there then (or are another file under a reused inode) are what was
 * copied from the log since: copytruncate's copies, holding lines not yet read.
 */

/** The rotated files beside `path` now, oldest first. */
export async function siblingSnapshot(path: string): Promise<SiblingId[]> {
  const ids: SiblingId[] = [];
  for (const candidate of await rotatedSiblings(path)) {
    const stats = await stat(candidate, { bigint: true }).catch(() => undefined);
    if (!stats?.isFile()) continue;
    const { dev, ino, birthtimeNs, size } = stats;
    ids.push({ dev: dev.toString(), ino: ino.toString(), birthtime: birthtimeNs.toString(), size: Number(size) });
  }
  return ids;
}

/** A file opened beside the log, with the name it has there. */
export interface Sibling {
  path: string;
  handle: FileHandle;
  id: FileId;
}

/**
 * The rotated files beside `path` that are not in `known`, oldest first, leaving out `log` itself and any whose bytes
 * `log` still holds at its start (copied without a truncation: their lines are read from the log).
 */
export async function siblingsSince(path: string, known: SiblingId[], log: FileHandle, logId: FileId): Promise<Sibling[]> {
  const found: Sibling[] = [];
  for (const candidate of await rotatedSiblings(path)) {
    const opened = await openFile(candidate).catch(() => undefined);
    if (!opened) continue;
    const stats = await opened.handle.stat({ bigint: true }).catch(() => undefined);
    const fresh =
      stats !== undefined &&
      !sameFile(opened.id, logId) &&
      !known.some((k) => isSame(k, opened.id, stats.birthtimeNs.toString(), opened.size)) &&
      !(await startsWith(log, opened.handle, opened.size).catch(() => false));
    if (fresh) found.push({ path: candidate, handle: opened.handle, id: opened.id });
    else await opened.handle.close().catch(() => {});
  }
  return found;
}

/** Whether a file seen now is the one `known` recorded: same inode, not born again (where birth times exist), not shorter. */
function isSame(known: SiblingId, id: FileId, birthtime: string, size: number): boolean {
  if (!sameFile(known, id)) return false;
  if (known.birthtime !== '0' && birthtime !== '0' && known.birthtime !== birthtime) return false;
  return size >= known.size;
}

/** Whether `log` begins with the `size` bytes of `copy`, judged by their heads and the bytes just before `size`. */
async function startsWith(log: FileHandle, copy: FileHandle, size: number): Promise<boolean> {
  if (size === 0) return false;
  const head = Math.min(size, FINGERPRINT_BYTES);
  if (!(await readAt(log, 0, head)).equals(await readAt(copy, 0, head))) return false;
  const tail = Math.min(size, ANCHOR_BYTES);
  return (await readAt(log, size - tail, tail)).equals(await readAt(copy, size - tail, tail));
}

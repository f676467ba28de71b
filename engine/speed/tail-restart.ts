import type { FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  FINGERPRINT_BYTES,
  type FileId,
  type OpenedFile,
  endOfLastLine,
  filesWithIdentity,
  fingerprintWindow,
  holdsBytes,
  openFile,
  readAnchorWindow,
  readAt,
  rotatedSiblings,
  sameFile,
} from './file-identity.js';
import { Reader, type ReadSettings } from './tail-reader.js';
import { type Sibling, siblingsSince } from './tail-siblings.js';
import type { TailEvent, TailPosition } from './tail-types.js';

/*
 * Where a tailer starts: at the end of the file it finds, or at a checkpoint. A checkpoint's file may have been rotated,
 * copied and truncated, rewritten or deleted while Recount was stopped; what can still be read of it is read before the
 * file the path names now, and what cannot is reported.
 */

export interface RestartContext {
  path: string;
  settings: ReadSettings;
  /** Numbers the next generation. */
  generation(): number;
  /**
   * Queues a reader of an older file, to be drained before the current one. The caller closes those queued if the
   * restart fails.
   */
  drain(reader: Reader): void;
  warn(message: string): void;
}

/** What the path is read as after a restart: its file's reader, or, with no file there, what the next one follows. */
export interface Restarted {
  current?: Reader;
  nextEvent?: TailEvent;
}

/** Positions a new reader after the last complete line of a file of `size` bytes. */
export async function seekToEnd(reader: Reader, size: number, signal?: AbortSignal): Promise<void> {
  const { offset, line } = await endOfLastLine(reader.handle, size, signal);
  if (offset === 0) return;
  const head = fingerprintWindow(await readAt(reader.handle, 0, FINGERPRINT_BYTES)).bytes;
  reader.placeAt(offset, line, head, await readAnchorWindow(reader.handle, offset));
}

/** Restarts from a checkpoint; `opened` is the file the path names now, if any. */
export async function restartFromCheckpoint(
  context: RestartContext,
  checkpoint: TailPosition,
  opened: OpenedFile | undefined,
): Promise<Restarted> {
  const { path, settings, warn } = context;
  if (opened && sameFile(opened.id, checkpoint.file)) {
    if (checkpoint.offset === 0) return restartAtStart(context, checkpoint, opened);
    const resumed = await resumeAt(opened.handle, opened.id, checkpoint, settings);
    if (resumed) return { current: resumed };
    // Truncated or rewritten while we were stopped. With copytruncate, the copy (log.1) holds what we had not read.
    const copy = await findCopy(context, checkpoint, opened.id);
    if (copy) {
      context.drain(copy.reader);
      // Copied and truncated more than once while stopped: each later copy (log.1 when ours is log.2) holds lines of
      // its own, written after our copy's. Without this they were skipped silently (tailer-stopped.model.test.ts).
      const newer = await rotatedAfter(context, copy.path, [copy.reader.id, opened.id]);
      for (const reader of newer) context.drain(reader);
      const later =
        newer.length === 0
          ? ''
          : `, then ${newer.length === 1 ? 'the copy made after it is' : `the ${newer.length} copies made after it are`} read whole`;
      warn(
        `${path} was copied and truncated while Recount was stopped (copytruncate): the lines after line ${checkpoint.line} are read from the copy ${basename(copy.path)}${later}; lines written between the copy and the truncation are in neither file and cannot be counted`,
      );
    } else {
      warn(
        `${path} was truncated or rewritten while Recount was stopped, and no copy of it beside it holds the lines after line ${checkpoint.line}: any written after the checkpoint and before that are lost; it is read again from its start`,
      );
    }
    const event = copy ? 'truncated' : 'restarted-offline-change';
    return { current: new Reader(opened.handle, opened.id, context.generation(), event, settings) };
  }
  // The checkpoint's file is no longer at the path: if it was rotated while we were away, finish it first, then
  // every file rotated after it (a second rotation while stopped would otherwise skip the one between).
  const rotated = await findRotated(context, checkpoint);
  if (rotated) {
    // Copied and truncated, then renamed, before any line of it was read: its copies hold lines older than its own.
    const copies = checkpoint.offset === 0 ? await copiesBefore(context, checkpoint, rotated) : [];
    if (copies.length > 0) {
      copies.forEach((copy, i) => context.drain(copyReader(context, checkpoint, copy, i)));
      rotated.reader.generation = context.generation();
      rotated.reader.event = 'truncated';
      warn(
        `${path} was copied and truncated, then rotated, while Recount was stopped (copytruncate), before any line of it was read: ${readWhole(copies)}, then ${basename(rotated.path)}; lines written between a copy and the truncation are in neither file and cannot be counted`,
      );
    }
    context.drain(rotated.reader);
    const newer = await rotatedAfter(context, rotated.path, [rotated.reader.id, ...(opened ? [opened.id] : [])]);
    for (const reader of newer) context.drain(reader);
    if (newer.length > 0) {
      warn(
        `${path} was rotated ${newer.length + 1} times while Recount was stopped: ${basename(rotated.path)} is finished from line ${checkpoint.line}, then ${newer.length === 1 ? 'the file rotated after it is' : `the ${newer.length} files rotated after it are`} read whole`,
      );
    }
  } else {
    warn(
      `the file ${path} named when Recount stopped (at line ${checkpoint.line}) is gone, deleted or compressed by rotation: lines it held after that are not read, and could not be counted`,
    );
  }
  const event: TailEvent = rotated ? 'rotated' : 'restarted-offline-change';
  if (!opened) return { nextEvent: event };
  return { current: new Reader(opened.handle, opened.id, context.generation(), event, settings) };
}

/**
 * The checkpoint's file is at the path and nothing of it had been read: its position holds no bytes to find a copy by,
 * so a copy made since (copytruncate while stopped) is a rotated file that was not beside it then. Those are read whole,
 * oldest first, the first as the checkpoint's generation, before the file.
 */
async function restartAtStart(context: RestartContext, checkpoint: TailPosition, opened: OpenedFile): Promise<Restarted> {
  const { path, settings, warn } = context;
  if (!checkpoint.siblings) {
    const beside = (await rotatedSiblings(path)).map((p) => basename(p));
    if (beside.length > 0) {
      const which = beside.length === 1 ? beside[0] : `one of the ${beside.length} files beside it (${beside.join(', ')})`;
      warn(
        `nothing of ${path} had been read when Recount stopped, and its checkpoint (written by an earlier version of Recount) does not record the files beside it: if ${which} was copied from it while Recount was stopped (copytruncate), the lines in the copy are not read`,
      );
    }
    return { current: new Reader(opened.handle, opened.id, checkpoint.generation, 'resumed', settings) };
  }
  const copies = await siblingsSince(path, checkpoint.siblings, opened.handle, opened.id);
  if (copies.length === 0) return { current: new Reader(opened.handle, opened.id, checkpoint.generation, 'resumed', settings) };
  copies.forEach((copy, i) => context.drain(copyReader(context, checkpoint, copy, i)));
  warn(
    `${path} was copied and truncated while Recount was stopped (copytruncate), before any line of it was read: ${readWhole(copies)}; lines written between a copy and the truncation are in neither file and cannot be counted`,
  );
  return { current: new Reader(opened.handle, opened.id, context.generation(), 'truncated', settings) };
}

/** The `i`th copy made since a checkpoint at offset 0, oldest first: the first goes on with the checkpoint's generation. */
function copyReader(context: RestartContext, checkpoint: TailPosition, copy: Sibling, i: number): Reader {
  const generation = i === 0 ? checkpoint.generation : context.generation();
  return new Reader(copy.handle, copy.id, generation, i === 0 ? 'resumed' : 'rotated', context.settings);
}

function readWhole(copies: Sibling[]): string {
  const names = copies.map((copy) => basename(copy.path));
  return names.length === 1
    ? `the copy ${names[0]} is read whole`
    : `the copies ${names.join(', ')} are read whole, oldest first`;
}

/** The copies made since a checkpoint at offset 0 that are older than where its file was rotated to. */
async function copiesBefore(
  context: RestartContext,
  checkpoint: TailPosition,
  rotated: { reader: Reader; path: string },
): Promise<Sibling[]> {
  if (!checkpoint.siblings) return [];
  const order = await rotatedSiblings(context.path);
  const at = order.indexOf(rotated.path);
  const since = await siblingsSince(context.path, checkpoint.siblings, rotated.reader.handle, rotated.reader.id);
  const older = since.filter((copy) => at >= 0 && order.indexOf(copy.path) < at);
  for (const copy of since) if (!older.includes(copy)) await copy.handle.close().catch(() => {});
  return older;
}

/** A reader at the checkpoint's offset, if this file still holds the bytes the checkpoint saw. */
async function resumeAt(
  handle: FileHandle,
  id: FileId,
  checkpoint: TailPosition,
  settings: ReadSettings,
): Promise<Reader | undefined> {
  const reader = new Reader(handle, id, checkpoint.generation, 'resumed', settings);
  // At offset 0 nothing was delivered from this file and its fingerprint was provisional: any content is new.
  if (checkpoint.offset === 0) return reader;
  const held = await holdsBytes(handle, { ...checkpoint, fingerprint: checkpoint.file.fingerprint });
  if (!held) return undefined;
  reader.placeAt(checkpoint.offset, checkpoint.line, held.head, held.window);
  return reader;
}

/** A rotated copy of the file (another inode) that still holds the bytes the checkpoint saw: copytruncate's copy. */
async function findCopy(
  context: RestartContext,
  checkpoint: TailPosition,
  current: FileId,
): Promise<{ reader: Reader; path: string } | undefined> {
  for (const candidate of (await rotatedSiblings(context.path)).reverse()) {
    const opened = await openFile(candidate).catch(() => undefined);
    if (!opened) continue;
    if (!sameFile(opened.id, current)) {
      const reader = await resumeAt(opened.handle, opened.id, checkpoint, context.settings).catch(() => undefined);
      if (reader) return { reader, path: candidate };
    }
    await opened.handle.close().catch(() => {});
  }
  return undefined;
}

/** The checkpoint's file under another name (renamed by rotation), if it still holds the bytes the checkpoint saw. */
async function findRotated(
  context: RestartContext,
  checkpoint: TailPosition,
): Promise<{ reader: Reader; path: string } | undefined> {
  for (const candidate of await filesWithIdentity(context.path, checkpoint.file)) {
    const opened = await openFile(candidate).catch(() => undefined);
    if (!opened) continue;
    const reader = sameFile(opened.id, checkpoint.file)
      ? await resumeAt(opened.handle, opened.id, checkpoint, context.settings).catch(() => undefined)
      : undefined;
    if (reader) return { reader, path: candidate };
    await opened.handle.close().catch(() => {});
  }
  return undefined;
}

/** Readers from the start of every rotated file newer than `older` (none of the files `skip` names), oldest first. */
async function rotatedAfter(context: RestartContext, older: string, skip: FileId[]): Promise<Reader[]> {
  const siblings = await rotatedSiblings(context.path);
  const at = siblings.indexOf(older);
  if (at < 0) return [];
  const readers: Reader[] = [];
  for (const candidate of siblings.slice(at + 1)) {
    const opened = await openFile(candidate).catch(() => undefined);
    if (!opened) continue;
    if (skip.some((id) => sameFile(opened.id, id))) {
      await opened.handle.close().catch(() => {});
      continue;
    }
    readers.push(new Reader(opened.handle, opened.id, context.generation(), 'rotated', context.settings));
    skip.push(opened.id);
  }
  return readers;
}

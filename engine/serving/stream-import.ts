import { open, readFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Workspace } from '../kernel/workspace/workspace.js';
import { UserError } from '../kernel/util/errors.js';
import { writeFileAtomic } from '../kernel/util/fsx.js';
import type { OperationOptions } from '../shared/progress.js';
import { importFile, type ImportFileResult } from '../lake/import.js';
import { lastImportedLine } from '../lake/catalog.js';
import { streamAddress, type StreamAddress } from '../speed/stream-address.js';
import { readStreamRange } from '../speed/stream-range.js';
import { StreamSession } from '../speed/stream-session.js';
import type { StreamMessage } from '../speed/stream-batch.js';

/**
 * A stream imported into the lake. Its messages are copied, in offset order, into an NDJSON file Recount owns, one
 * line per offset (line = offset + 1; an offset with no message, as the broker's own bookkeeping or retention leaves,
 * is a blank line), and that file is imported as a growing log is, under the stream's name: the catalog records the
 * line range, so each import holds the offsets after the one before and running again imports nothing new; the lake's
 * `_source_file` is the stream and `_source_line` its offset + 1.
 */
export interface StreamImportResult {
  import: ImportFileResult;
  /** The stream, as the lake names it (without the password). */
  source: string;
  /** The offsets this import added to the lake (none when it found nothing new). */
  offsets: { from: number; to: number } | null;
  /** The last offset the lake now holds of the stream (null when it holds none). */
  through: number | null;
  /** Offsets copied with no message (the broker's bookkeeping, or removed by retention before they were read). */
  emptyOffsets: number;
}

const CopySchema = z.object({
  source: z.string(),
  /** Bytes of the copy that are whole and recorded: anything after is an append a crash cut short. */
  bytes: z.number().int().nonnegative(),
  /** Lines of the copy: offsets 0 to lines − 1. */
  lines: z.number().int().nonnegative(),
});
type Copy = z.infer<typeof CopySchema>;

export function streamCopyDir(workspace: Workspace, address: StreamAddress): string {
  return join(workspace.paths.state, 'streams', `amqp-${address.key.slice(0, 16)}`);
}

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;

/** A message as one line: a byte-order mark dropped, newlines inside it (pretty-printed JSON) read as the spaces they are. */
function asLine(content: Buffer): Buffer {
  let body = content;
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) body = body.subarray(3);
  if (body.indexOf(LF) < 0 && body.indexOf(CR) < 0) return body;
  const copy = Buffer.from(body);
  for (let i = 0; i < copy.length; i++) if (copy[i] === LF || copy[i] === CR) copy[i] = SPACE;
  return copy;
}

async function readCopy(dir: string, source: string): Promise<Copy> {
  try {
    const copy = CopySchema.parse(JSON.parse(await readFile(join(dir, 'copy.json'), 'utf8')));
    if (copy.source !== source) throw new Error(`it is the copy of ${copy.source}`);
    return copy;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { source, bytes: 0, lines: 0 };
    throw new UserError(
      `${join(dir, 'copy.json')}: unreadable (${(error as Error).message}); remove ${dir} to copy the stream again`,
    );
  }
}

/** Appends the stream's messages after the copy's last line through `through` to the copy; returns the copy as it now is. */
async function extendCopy(
  url: string,
  address: StreamAddress,
  dir: string,
  copy: Copy,
  through: number | 'end',
  options: OperationOptions,
): Promise<Copy & { empty: number }> {
  const file = join(dir, 'messages.ndjson');
  // An append cut short by a crash is not part of the copy: it is written again.
  await writeFileAtomic(join(dir, 'copy.json'), JSON.stringify(copy));
  const handle = await open(file, 'a+');
  let { bytes, lines } = copy;
  let empty = 0;
  try {
    if ((await handle.stat()).size > bytes) await truncate(file, bytes);
    const write = async (messages: StreamMessage[]) => {
      const parts: Buffer[] = [];
      for (const m of messages) {
        if (m.offset < lines) continue;
        if (m.offset > lines) {
          empty += m.offset - lines;
          parts.push(Buffer.alloc(m.offset - lines, LF));
        }
        parts.push(asLine(m.content), Buffer.from([LF]));
        lines = m.offset + 1;
      }
      const data = Buffer.concat(parts);
      await handle.write(data);
      bytes += data.length;
      options.onProgress?.({ phase: 'reading the stream', done: lines, unit: 'rows' });
    };
    await readStreamRange(url, address.stream, { ...(lines > 0 ? { after: lines - 1 } : {}), through }, write, {
      ...(options.signal ? { signal: options.signal } : {}),
    });
    await handle.sync();
  } finally {
    await handle.close();
  }
  const extended = { source: address.label, bytes, lines };
  await writeFileAtomic(join(dir, 'copy.json'), JSON.stringify(extended));
  return { ...extended, empty };
}

/**
 * Imports a stream's messages into the lake through the offset a tail of it applied (the live view's checkpoint), or
 * through its last offset when no tail ran, after those the lake holds already.
 */
export async function importStream(
  workspace: Workspace,
  source: { url: string; stream: string },
  options: OperationOptions = {},
): Promise<StreamImportResult> {
  let address: StreamAddress;
  try {
    address = streamAddress(source.url, source.stream);
  } catch (error) {
    throw new UserError((error as Error).message);
  }
  const dir = streamCopyDir(workspace, address);
  const copy = await readCopy(dir, address.label);
  const inLake = await lastImportedLine(workspace.catalog, address.label);
  if (copy.lines < inLake) {
    throw new UserError(
      `the lake holds ${address.label} through offset ${inLake - 1}, but Recount's copy of it (${dir}) holds ${copy.lines} offsets: it was removed or replaced, so what is new cannot be told from what the lake has`,
      'stream-copy-missing',
    );
  }
  const applied = await StreamSession.appliedOffset(workspace, address);
  const extended =
    applied !== undefined && applied < copy.lines
      ? { ...copy, empty: 0 }
      : await extendCopy(source.url, address, dir, copy, applied ?? 'end', options);
  const imported = await importFile(workspace, join(dir, 'messages.ndjson'), {
    format: 'ndjson',
    holdIncompleteTail: true,
    sourceName: address.label,
    ...options,
  });
  const range = imported.status === 'imported' ? imported.range : undefined;
  const through = range ? range.linesTo - 1 : (await lastImportedLine(workspace.catalog, address.label)) - 1;
  return {
    import: imported,
    source: address.label,
    offsets: range && range.linesTo > range.linesFrom ? { from: range.linesFrom, to: range.linesTo - 1 } : null,
    through: through >= 0 ? through : null,
    emptyOffsets: extended.empty,
  };
}

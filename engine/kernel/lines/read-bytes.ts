import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { UserError } from '../util/errors.js';

/** The (decompressed) bytes of a file in 1 MiB chunks, with read and gzip failures turned into messages that name the file. */
export async function* readBytes(path: string, gzip: boolean): AsyncGenerator<Buffer> {
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  const stream = gzip ? file.pipe(createGunzip()) : file;
  if (gzip) file.on('error', (error) => stream.destroy(error));
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${path}: no such file`, 'file-missing');
    if (code === 'EISDIR') throw new UserError(`${path}: is a directory, not a file`, 'file-unreadable');
    if (code === 'EACCES') throw new UserError(`${path}: permission denied`, 'file-unreadable');
    if (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(String(error)))
      throw new UserError(`${path}: the gzip stream is truncated (unexpected end of file)`, 'file-corrupt');
    if (code?.startsWith('Z_'))
      throw new UserError(`${path}: not a valid gzip file (${(error as Error).message})`, 'file-corrupt');
    throw error;
  }
}

/** The text of the given line numbers (1-based) of a file, each cut to `limit` characters. */
export async function readLinesByNumber(
  path: string,
  gzip: boolean,
  wanted: ReadonlySet<number>,
  limit: number,
): Promise<Map<number, string>> {
  const found = new Map<number, string>();
  if (wanted.size === 0) return found;
  const last = Math.max(...wanted);
  let line = 1;
  let carry: Buffer[] = [];
  let carryBytes = 0;
  const take = (parts: Buffer[]) => {
    let text = Buffer.concat(parts).toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    found.set(line, text.length > limit ? text.slice(0, limit) : text);
  };
  for await (const chunk of readBytes(path, gzip)) {
    let pos = 0;
    for (;;) {
      const nl = chunk.indexOf(10, pos);
      if (nl < 0) {
        if (wanted.has(line) && carryBytes < limit * 4) {
          carry.push(Buffer.from(chunk.subarray(pos)));
          carryBytes += chunk.length - pos;
        }
        break;
      }
      if (wanted.has(line)) take([...carry, chunk.subarray(pos, nl)]);
      carry = [];
      carryBytes = 0;
      line++;
      pos = nl + 1;
      if (line > last) return found;
    }
  }
  if (wanted.has(line) && carry.length > 0) take(carry);
  return found;
}

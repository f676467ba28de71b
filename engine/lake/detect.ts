import { open, stat } from 'node:fs/promises';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { basename } from 'node:path';
import { UserError } from '../kernel/util/errors.js';
import { jsonLayout } from './json-layout.js';

export const IMPORT_FORMATS = ['ndjson', 'json', 'csv', 'parquet'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export interface DetectedFormat {
  format: ImportFormat;
  gzip: boolean;
  /** CSV field delimiter, when the extension fixes it (.tsv); otherwise DuckDB's sniffer finds it. */
  delimiter?: string;
  /** The first (decompressed) bytes as text, for sniffing a CSV dialect. */
  head?: string;
  /** How a .json file holds its records. */
  jsonLayout?: 'array' | 'unstructured';
  /** Lines end in a bare CR (classic Mac); NDJSON framing then splits on CR. */
  crNewlines?: boolean;
}

const EXTENSIONS: Record<string, Omit<DetectedFormat, 'gzip'>> = {
  ndjson: { format: 'ndjson' },
  jsonl: { format: 'ndjson' },
  ldjson: { format: 'ndjson' },
  log: { format: 'ndjson' },
  json: { format: 'json' },
  csv: { format: 'csv' },
  tsv: { format: 'csv', delimiter: '\t' },
  tab: { format: 'csv', delimiter: '\t' },
  parquet: { format: 'parquet' },
  pq: { format: 'parquet' },
};

async function readHead(path: string, bytes: number): Promise<Buffer> {
  // Opening a FIFO with no writer blocks, and /dev/zero reads forever: only regular files are imported, stat'ed
  // before anything opens them. A pipe or process substitution (<(…), /dev/stdin) would be read once and be gone.
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new UserError(`${path}: no such file`, 'file-missing');
    if (error.code === 'EACCES') throw new UserError(`${path}: permission denied`, 'file-unreadable');
    throw new UserError(`${path}: cannot open (${error.message})`, 'file-unreadable');
  });
  if (info.isDirectory()) throw new UserError(`${path}: is a directory, not a file`, 'file-unreadable');
  if (!info.isFile()) {
    const kind = info.isFIFO()
      ? 'a pipe'
      : info.isCharacterDevice() || info.isBlockDevice()
        ? 'a device'
        : info.isSocket()
          ? 'a socket'
          : 'not a regular file';
    throw new UserError(
      `${path}: is ${kind}, not a regular file; Recount imports files it can read again and hash (save the data to a file first)`,
      'file-unreadable',
    );
  }
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${path}: no such file`, 'file-missing');
    if (code === 'EACCES') throw new UserError(`${path}: permission denied`, 'file-unreadable');
    throw new UserError(`${path}: cannot open (${(error as Error).message})`, 'file-unreadable');
  }
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw new UserError(`${path}: is a directory, not a file`, 'file-unreadable');
    const buffer = Buffer.alloc(Math.min(bytes, stats.size));
    await handle.read(buffer, 0, buffer.length, 0);
    return buffer;
  } finally {
    await handle.close();
  }
}

function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

function isParquet(head: Buffer): boolean {
  return head.length >= 4 && head.toString('latin1', 0, 4) === 'PAR1';
}

/** The start of the (decompressed) content, enough to sniff a layout; a truncated gzip still yields its first bytes. */
function peekContent(head: Buffer, gzip: boolean): Buffer {
  if (!gzip) return head;
  try {
    // Sync flush accepts a stream cut off by our 64 KiB read.
    return gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch {
    return Buffer.alloc(0);
  }
}

/** Magic bytes of files people name .csv or .json by mistake, and what to call them. */
const BINARY_MAGIC: [string, string][] = [
  ['89504e47', 'a PNG image'],
  ['ffd8ff', 'a JPEG image'],
  ['25504446', 'a PDF document'],
  ['504b0304', 'a ZIP archive (an Excel or other Office file is one)'],
  ['d0cf11e0', 'an old-style Office file (such as .xls)'],
  ['53514c69746520666f726d6174', 'an SQLite database'],
];

/**
 * Why text content is not UTF-8 text at all, judged from its first bytes: a UTF-16 or UTF-32 byte-order mark, UTF-16
 * without one (every other byte NUL), or binary (a known magic number, or NULs throughout). A text file with a few bad
 * lines is still text: those lines are rejected one by one, but a file that is not text must fail whole, with nothing
 * stored, rather than be rejected line by line.
 */
export function notText(bytes: Buffer): string | undefined {
  if (bytes.length >= 4 && bytes.readUInt32BE(0) === 0x0000feff) return 'is UTF-32 text';
  if (bytes.length >= 4 && bytes.readUInt32LE(0) === 0x0000feff) return 'is UTF-32 text';
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    return 'is UTF-16 text';
  }
  const hex = bytes.subarray(0, 16).toString('hex');
  for (const [magic, name] of BINARY_MAGIC) if (hex.startsWith(magic)) return `is ${name}, not text`;
  const sample = bytes.subarray(0, 4096);
  let even = 0;
  let odd = 0;
  for (let i = 0; i < sample.length; i++) {
    if (sample[i] !== 0) continue;
    if (i % 2 === 0) even++;
    else odd++;
  }
  const half = sample.length / 2;
  if (half >= 8 && (even > half * 0.3 || odd > half * 0.3) && Math.min(even, odd) < Math.max(even, odd) * 0.1) {
    return 'is UTF-16 text without a byte-order mark';
  }
  if (even + odd > sample.length * 0.05) return 'is binary, not text (it is full of NUL bytes)';
  return undefined;
}

function firstNonSpace(text: string): string {
  const match = /[^\s\uFEFF]/.exec(text);
  return match ? match[0] : '';
}

function hasOnlyCrNewlines(text: string): boolean {
  return text.includes('\r') && !text.includes('\n');
}

/**
 * Decides how to read a file: by its extension (under any .gz), checked against its first bytes, or
 * by content alone when the extension says nothing. A file that is not what it claims fails here,
 * before anything is written.
 */
export async function detectFormat(path: string, requested: ImportFormat | 'auto' = 'auto'): Promise<DetectedFormat> {
  const head = await readHead(path, 64 * 1024);
  const name = basename(path).toLowerCase();
  const gzExtension = name.endsWith('.gz') || name.endsWith('.gzip');
  const gzip = isGzip(head);
  if (gzExtension && !gzip && head.length > 0) {
    throw new UserError(`${path}: named .gz but is not a gzip file (no gzip magic bytes)`, 'file-corrupt');
  }
  const inner = gzExtension ? name.replace(/\.(gz|gzip)$/, '') : name;
  const extension = inner.includes('.') ? (inner.split('.').pop() as string) : '';
  const byExtension = EXTENSIONS[extension];
  const bytes = peekContent(head, gzip);
  const content = bytes.toString('utf8');

  let detected: Omit<DetectedFormat, 'gzip'>;
  if (requested !== 'auto') {
    detected = { format: requested };
  } else if (byExtension) {
    detected = { ...byExtension };
  } else if (isParquet(head)) {
    detected = { format: 'parquet' };
  } else {
    const start = firstNonSpace(content);
    detected = start === '[' || start === '{' ? { format: 'json' } : { format: 'csv' };
  }

  if (detected.format === 'parquet') {
    if (gzip)
      throw new UserError(`${path}: a gzipped Parquet file is not supported; Parquet compresses its own pages`, 'file-corrupt');
    if (head.length > 0 && !isParquet(head))
      throw new UserError(`${path}: not a Parquet file (it does not start with the PAR1 magic bytes)`, 'file-corrupt');
    return { format: 'parquet', gzip: false };
  }
  if (isParquet(head)) {
    throw new UserError(`${path}: this is a Parquet file, not ${detected.format.toUpperCase()}`, 'file-corrupt');
  }
  const binary = notText(bytes);
  if (binary) {
    const hint = binary.startsWith('is UTF') ? '; Recount reads UTF-8 (re-save the file as UTF-8)' : '';
    throw new UserError(`${path}: ${binary}${gzip ? ' inside the gzip' : ''}${hint}`, 'file-corrupt');
  }
  if (detected.format === 'json' || detected.format === 'ndjson') {
    // Fewer bytes than asked for: the head is the whole file (decompressed, for a gzip).
    const layout = jsonLayout(content, head.length < 64 * 1024);
    if (layout === 'ndjson') return { format: 'ndjson', gzip, ...(hasOnlyCrNewlines(content) ? { crNewlines: true } : {}) };
    return { format: 'json', gzip, jsonLayout: layout };
  }
  if (detected.format === 'csv') {
    return { format: 'csv', gzip, head: content, ...(detected.delimiter ? { delimiter: detected.delimiter } : {}) };
  }
  return { format: 'ndjson', gzip };
}

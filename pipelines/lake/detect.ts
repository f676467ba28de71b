import { open } from 'node:fs/promises';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { basename } from 'node:path';
import { UserError } from '../util/errors.js';

export const IMPORT_FORMATS = ['ndjson', 'json', 'csv', 'parquet'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export interface DetectedFormat {
  format: ImportFormat;
  gzip: boolean;
  /** CSV field delimiter. */
  delimiter?: string;
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
  csv: { format: 'csv', delimiter: ',' },
  tsv: { format: 'csv', delimiter: '\t' },
  tab: { format: 'csv', delimiter: '\t' },
  parquet: { format: 'parquet' },
  pq: { format: 'parquet' },
};

async function readHead(path: string, bytes: number): Promise<Buffer> {
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
function peekContent(head: Buffer, gzip: boolean): string {
  if (!gzip) return head.toString('utf8');
  try {
    // Sync flush accepts a stream cut off by our 64 KiB read.
    return gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).toString('utf8');
  } catch {
    return '';
  }
}

function firstNonSpace(text: string): string {
  const match = /[^\s\uFEFF]/.exec(text);
  return match ? match[0] : '';
}

function sniffDelimiter(text: string): string {
  const firstLine = text.split(/\r?\n|\r/, 1)[0] ?? '';
  const candidates = [',', '\t', ';', '|'];
  let best = ',';
  let bestCount = 0;
  for (const c of candidates) {
    const count = firstLine.split(c).length - 1;
    if (count > bestCount) {
      best = c;
      bestCount = count;
    }
  }
  return best;
}

/**
 * Tells NDJSON from a JSON array or pretty-printed JSON by content: one line of the first twenty that
 * parses on its own makes it NDJSON (a broken first record must not turn a log into something else).
 */
function jsonLayout(text: string): DetectedFormat['jsonLayout'] | 'ndjson' {
  const start = firstNonSpace(text);
  if (start === '[') return 'array';
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n|\r/)
    .filter((l) => l.trim() !== '')
    .slice(0, 20);
  const complete = text.length < 64 * 1024 ? lines : lines.slice(0, -1);
  for (const line of complete) {
    try {
      JSON.parse(line);
      return 'ndjson';
    } catch {
      // keep looking
    }
  }
  return start === '{' && lines[0]?.trim() === '{' ? 'unstructured' : 'ndjson';
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
  const content = peekContent(head, gzip);
  if (
    /^(\xFF\xFE|\xFE\xFF)/.test(content.slice(0, 2)) ||
    (head[0] === 0xff && head[1] === 0xfe) ||
    (head[0] === 0xfe && head[1] === 0xff)
  ) {
    throw new UserError(`${path}: is UTF-16 text; Recount reads UTF-8 (re-save the file as UTF-8)`, 'file-corrupt');
  }

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
  if (detected.format === 'json' || detected.format === 'ndjson') {
    const layout = jsonLayout(content);
    if (layout === 'ndjson') return { format: 'ndjson', gzip, ...(hasOnlyCrNewlines(content) ? { crNewlines: true } : {}) };
    return { format: 'json', gzip, jsonLayout: layout };
  }
  if (detected.format === 'csv') {
    return { format: 'csv', gzip, delimiter: detected.delimiter ?? sniffDelimiter(content) };
  }
  return { format: 'ndjson', gzip };
}

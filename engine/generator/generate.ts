import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import type { Writable } from 'node:stream';
import { Random } from './random.js';
import { SessionModel, type GeneratedEvent } from './model.js';
import { DAY_MS, dateMs } from '../shared/calendar.js';
import { CSV_MALFORMED, NDJSON_MALFORMED, csvHeader, malformedLine, toCsv, toNdjson, type MalformedKind } from './formats.js';

export interface GenerateOptions {
  days: number;
  eventsPerDay: number;
  seed: number;
  /** Fraction of events delivered twice (same event_id, same content). */
  duplicates: number;
  /** Fraction of events that arrive one to three days after their event time. */
  late: number;
  /** Fraction of lines broken on purpose (not written for Parquet). */
  malformed: number;
  /** First UTC day, YYYY-MM-DD. */
  start?: string;
  users?: number;
}

export type GeneratedFormat = 'ndjson' | 'csv' | 'parquet';

export const DEFAULT_START = '2026-10-01';

export type ArrivedRecord =
  | { kind: 'event'; event: GeneratedEvent; arrivalMs: number; late: boolean }
  | { kind: 'duplicate'; event: GeneratedEvent; arrivalMs: number };

/** What the generator generated: the ground truth tests compare the engine against. */
export interface Truth {
  options: GenerateOptions & { format: GeneratedFormat };
  /** Every distinct event, once. */
  events: GeneratedEvent[];
  /** Data lines written, not counting a CSV header. */
  lines: number;
  /** Repeated arrivals of an event already written, with the line that repeats it. */
  duplicates: { event_id: string; line: number }[];
  /** Events that arrived after events of later dates. */
  late: string[];
  malformed: { line: number; kind: MalformedKind }[];
}

export function dayStartMs(start: string, dayIndex: number): number {
  const ms = dateMs(start);
  if (Number.isNaN(ms)) throw new Error(`start must be YYYY-MM-DD, got ${start}`);
  return ms + dayIndex * DAY_MS;
}

/**
 * Events in arrival order. Sessions fill each UTC day up to exactly `eventsPerDay` events (counted by
 * session start), then duplicates and late arrivals are scheduled after their originals.
 */
export function* arrivals(options: GenerateOptions): Generator<ArrivedRecord> {
  const random = new Random(options.seed);
  const delays = new Random(options.seed ^ 0x5eed);
  const model = new SessionModel(random, { users: options.users ?? Math.max(50, Math.round(options.eventsPerDay / 4)) });
  const start = options.start ?? DEFAULT_START;
  let pending: (ArrivedRecord & { seq: number })[] = [];
  let seq = 0;

  const flushBefore = function* (limitMs: number) {
    const ready = pending.filter((r) => r.arrivalMs < limitMs);
    pending = pending.filter((r) => r.arrivalMs >= limitMs);
    ready.sort((a, b) => a.arrivalMs - b.arrivalMs || a.seq - b.seq);
    for (const { seq: _seq, ...record } of ready) yield record as ArrivedRecord;
  };

  for (let day = 0; day < options.days; day++) {
    const dayStart = dayStartMs(start, day);
    let produced = 0;
    while (produced < options.eventsPerDay) {
      const session = model.session(model.sessionStart(dayStart)).slice(0, options.eventsPerDay - produced);
      produced += session.length;
      for (const event of session) {
        const late = delays.chance(options.late);
        const arrivalMs = event.occurred_at_ms + (late ? delays.int(DAY_MS, 3 * DAY_MS) : delays.int(0, 2_000));
        pending.push({ kind: 'event', event, arrivalMs, late, seq: seq++ });
        if (delays.chance(options.duplicates)) {
          pending.push({ kind: 'duplicate', event, arrivalMs: arrivalMs + delays.int(1_000, 600_000), seq: seq++ });
        }
      }
    }
    // No later session starts before the next day, so everything arriving before it is final.
    yield* flushBefore(dayStart + DAY_MS);
  }
  yield* flushBefore(Number.POSITIVE_INFINITY);
}

/** Buffers lines and respects the stream's backpressure, so a million-event file streams in bounded memory. */
class LineSink {
  private buffer: string[] = [];
  private size = 0;
  constructor(private readonly out: Writable) {}

  async push(line: string): Promise<void> {
    this.buffer.push(line);
    this.size += line.length + 1;
    if (this.size >= 1 << 20) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const chunk = `${this.buffer.join('\n')}\n`;
    this.buffer = [];
    this.size = 0;
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.out.end();
    await once(this.out, 'finish');
  }
}

export interface WriteOptions {
  /** Collect the truth (all events in memory); off for very large benchmark files. */
  truth?: boolean;
}

/** Writes generated events to `path` (gzipped when it ends in .gz) and returns what was written. */
export async function writeEvents(
  path: string,
  options: GenerateOptions,
  format: GeneratedFormat,
  writeOptions: WriteOptions = {},
): Promise<Truth> {
  const collect = writeOptions.truth ?? true;
  const truth: Truth = { options: { ...options, format }, events: [], lines: 0, duplicates: [], late: [], malformed: [] };
  await mkdir(dirname(path), { recursive: true });
  if (format === 'parquet') {
    // Parquet is written by DuckDB from a clean NDJSON rendering: a columnar file has no "broken lines".
    const ndjson = `${path}.tmp.ndjson`;
    const inner = await writeEvents(ndjson, { ...options, malformed: 0 }, 'ndjson', writeOptions);
    await ndjsonToParquet(ndjson, path);
    await rm(ndjson, { force: true });
    return { ...inner, options: { ...options, format } };
  }

  const tmp = `${path}.tmp`;
  const file = createWriteStream(tmp);
  let out: Writable = file;
  if (path.endsWith('.gz')) {
    const gzip = createGzip();
    gzip.pipe(file);
    out = gzip;
  }
  const sink = new LineSink(out);
  const breaker = new Random(options.seed ^ 0xbad);
  const brokenModel = new SessionModel(new Random(options.seed ^ 0xdead), { users: 1000 });
  const kinds = format === 'csv' ? CSV_MALFORMED : NDJSON_MALFORMED;
  const seen = new Set<string>();
  let line = 0;
  if (format === 'csv') {
    await sink.push(csvHeader());
    line = 1;
  }
  for (const record of arrivals(options)) {
    if (breaker.chance(options.malformed)) {
      const kind = breaker.pick(kinds);
      const [victim] = brokenModel.session(record.event.occurred_at_ms);
      await sink.push(malformedLine(format, victim as GeneratedEvent, kind, breaker.int(0, 1000)));
      line++;
      truth.lines++;
      if (collect) truth.malformed.push({ line, kind });
    }
    await sink.push(format === 'csv' ? toCsv(record.event) : toNdjson(record.event));
    line++;
    truth.lines++;
    if (!collect) continue;
    if (record.kind === 'duplicate' || seen.has(record.event.event_id)) {
      truth.duplicates.push({ event_id: record.event.event_id, line });
    } else {
      seen.add(record.event.event_id);
      truth.events.push(record.event);
      if (record.late) truth.late.push(record.event.event_id);
    }
  }
  await sink.close();
  await rename(tmp, path);
  return truth;
}

async function ndjsonToParquet(ndjson: string, parquet: string): Promise<void> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const quote = (p: string) => `'${p.replace(/'/g, "''")}'`;
    await connection.run(`COPY (
      SELECT * REPLACE (
        CAST(occurred_at AS TIMESTAMPTZ) AS occurred_at,
        CAST(price AS DECIMAL(18,2)) AS price,
        CAST(amount AS DECIMAL(18,2)) AS amount,
        CAST(items AS STRUCT(product_id VARCHAR, quantity INTEGER, price DECIMAL(18,2))[]) AS items)
      FROM read_json(${quote(ndjson)}, format='newline_delimited', sample_size=-1,
        columns={event_id:'VARCHAR', event_type:'VARCHAR', occurred_at:'VARCHAR', user_id:'VARCHAR', session_id:'VARCHAR',
                 country:'VARCHAR', device:'VARCHAR', product_id:'VARCHAR', quantity:'INTEGER', price:'VARCHAR',
                 order_id:'VARCHAR', amount:'VARCHAR', items:'STRUCT(product_id VARCHAR, quantity INTEGER, price VARCHAR)[]',
                 method:'VARCHAR', reason:'VARCHAR'})
    ) TO ${quote(parquet)} (FORMAT parquet)`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export async function writeTruth(path: string, truth: Truth): Promise<void> {
  await writeFile(path, JSON.stringify(truth));
}

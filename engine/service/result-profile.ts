import type { Json } from '@duckdb/node-api';
import type { Connection } from '../kernel/workspace/db.js';
import { ident } from '../kernel/util/sql.js';
import { displayConverter, type ResultColumn } from '../kernel/util/values.js';
import type { OperationOptions } from '../shared/progress.js';
import type { ColumnProfile } from '../shared/result-view.js';

/** Up to this many rows, distinct values are counted exactly; above, DuckDB's HyperLogLog estimate is quick enough. */
export const EXACT_DISTINCT_ROWS = 1_000_000;
const TOP_VALUES = 10;
const BINS = 20;

const INTEGERS = /^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT))$/;
const NESTED = /^(STRUCT|MAP|UNION)\b|\]$/i;

type Grain = NonNullable<ColumnProfile['timeline']>['grain'];

/** A round bin width near span/bins (1, 2, 2.5 or 5 times a power of ten); whole numbers for an integer column. */
export function binWidth(span: number, integer: boolean, bins = BINS): number {
  const raw = span / bins;
  if (!(raw > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const steps = integer ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10];
  const step = (steps.find((m) => m * magnitude >= raw * (1 - 1e-12)) ?? 10) * magnitude;
  return integer ? Math.max(1, Math.round(step)) : step;
}

/** The bucket for a time column spanning `seconds`: at most a couple of hundred points either way. */
export function timeGrain(seconds: number): Grain {
  const hour = 3600;
  const day = 24 * hour;
  if (seconds <= 3 * hour) return 'minute';
  if (seconds <= 4 * day) return 'hour';
  if (seconds <= 180 * day) return 'day';
  if (seconds <= 2 * 365 * day) return 'week';
  if (seconds <= 15 * 365 * day) return 'month';
  return 'year';
}

const GRAIN_FORMAT: Record<Grain, string> = {
  minute: '%Y-%m-%d %H:%M',
  hour: '%Y-%m-%d %H:%M',
  day: '%Y-%m-%d',
  week: '%Y-%m-%d',
  month: '%Y-%m',
  year: '%Y',
};

function timeKind(type: string): 'date' | 'timestamp' | 'timestamptz' | undefined {
  const t = type.toUpperCase();
  if (t === 'DATE') return 'date';
  if (t === 'TIMESTAMP WITH TIME ZONE') return 'timestamptz';
  if (/^TIMESTAMP(_S|_MS|_NS)?$/.test(t)) return 'timestamp';
  return undefined;
}

/**
 * One column's profile over a table, computed by DuckDB: its rows and NULLs, distinct values (exact up to
 * EXACT_DISTINCT_ROWS rows, estimated above), least and greatest, the most frequent values, and a histogram for a
 * number column or rows over time for a date or timestamp column.
 */
export async function profileColumn(
  connection: Connection,
  table: string,
  column: ResultColumn,
  rowCount: number,
  timezone: string,
  options: OperationOptions = {},
): Promise<ColumnProfile> {
  const t = ident(table);
  const c = ident(column.name);
  const convert = displayConverter(timezone);
  const nested = NESTED.test(column.type);
  const exact = rowCount <= EXACT_DISTINCT_ROWS;
  const read = async (sql: string) => (await connection.read(sql, undefined, options)).convertRows(convert) as Json[][];

  const [stats] = await read(
    `SELECT count(*)::DOUBLE, count(*) FILTER (WHERE ${c} IS NULL)::DOUBLE,
       ${exact ? `count(DISTINCT ${c})` : `approx_count_distinct(${c})`}::DOUBLE,
       ${nested ? 'NULL, NULL' : `min(${c}), max(${c})`},
       ${column.numeric ? `avg(${c}::DOUBLE) FILTER (WHERE isfinite(${c}::DOUBLE))` : 'NULL'}
     FROM ${t}`,
  );
  const [rows, nulls, distinct, min, max, mean] = stats ?? [];
  const key = nested ? `CAST(${c} AS VARCHAR)` : c;
  const top = await read(
    `SELECT ${key} AS value, count(*)::DOUBLE AS n FROM ${t} WHERE ${c} IS NOT NULL
     GROUP BY ${key} ORDER BY n DESC, value LIMIT ${TOP_VALUES}`,
  );
  const profile: ColumnProfile = {
    column: column.name,
    type: column.type,
    rows: Number(rows),
    nulls: Number(nulls),
    distinct: Number(distinct),
    distinctExact: exact,
    min: min ?? null,
    max: max ?? null,
    top: top.map(([value, n]) => ({ value: value ?? null, count: Number(n) })),
  };
  if (column.numeric) {
    profile.mean = mean === null || mean === undefined ? null : Number(mean);
    profile.histogram = await histogram(read, t, c, INTEGERS.test(column.type.toUpperCase()));
  }
  const kind = timeKind(column.type);
  if (kind) profile.timeline = await timeline(read, t, kind === 'date' ? `CAST(${c} AS TIMESTAMP)` : c);
  return profile;
}

type Read = (sql: string) => Promise<Json[][]>;

async function histogram(read: Read, t: string, c: string, integer: boolean): Promise<ColumnProfile['histogram']> {
  const value = `${c}::DOUBLE`;
  const [bounds] = await read(`SELECT min(${value}), max(${value}) FROM ${t} WHERE isfinite(${value})`);
  const [lo, hi] = (bounds ?? []).map((v) => (v === null || v === undefined ? NaN : Number(v)));
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  const width = binWidth((hi as number) - (lo as number), integer);
  const start = Math.floor((lo as number) / width) * width;
  const count = Math.max(1, Math.floor(((hi as number) - start) / width) + 1);
  const counts = await read(
    `SELECT floor((${value} - ${start}) / ${width})::BIGINT AS bin, count(*)::DOUBLE FROM ${t}
     WHERE isfinite(${value}) GROUP BY bin`,
  );
  const bins = Array.from({ length: count }, (_, i) => ({ from: start + i * width, to: start + (i + 1) * width, count: 0 }));
  for (const [bin, n] of counts) {
    const i = Math.min(count - 1, Math.max(0, Number(bin)));
    (bins[i] as { count: number }).count += Number(n);
  }
  return bins;
}

async function timeline(read: Read, t: string, e: string): Promise<ColumnProfile['timeline']> {
  const [span] = await read(`SELECT (epoch(max(${e})) - epoch(min(${e})))::DOUBLE FROM ${t}`);
  const seconds = span?.[0];
  if (seconds === null || seconds === undefined) return undefined;
  const grain = timeGrain(Number(seconds));
  const bucket = `date_trunc('${grain}', ${e})`;
  const points = await read(
    `WITH counted AS (SELECT ${bucket} AS bucket, count(*)::DOUBLE AS n FROM ${t} WHERE ${e} IS NOT NULL GROUP BY 1),
          buckets AS (SELECT unnest(generate_series(min(bucket), max(bucket), INTERVAL '1 ${grain}')) AS bucket FROM counted)
     SELECT strftime(buckets.bucket, '${GRAIN_FORMAT[grain]}'), coalesce(counted.n, 0)
     FROM buckets LEFT JOIN counted USING (bucket) ORDER BY buckets.bucket`,
  );
  return { grain, points: points.map(([at, n]) => ({ at: String(at), count: Number(n) })) };
}

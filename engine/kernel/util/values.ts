import {
  DuckDBDecimalValue,
  DuckDBTimestampTZValue,
  DuckDBTypeId,
  JsonDuckDBValueConverter,
  type DuckDBResultReader,
  type DuckDBType,
  type DuckDBValueConverter,
  type Json,
} from '@duckdb/node-api';

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timezone, f);
  }
  return f;
}

/**
 * A TIMESTAMPTZ as DuckDB prints it in the workspace's zone ("2026-10-01 05:37:45.352+05:30").
 * node-api formats with the process's own offset, which is rarely the workspace's.
 */
export function formatTimestampTz(micros: bigint, timezone: string): string {
  const seconds = micros >= 0n ? micros / 1_000_000n : -((-micros + 999_999n) / 1_000_000n);
  const fraction = Number(micros - seconds * 1_000_000n);
  const ms = Number(seconds) * 1000;
  const parts: Record<string, string> = {};
  for (const p of formatterFor(timezone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  const localMs = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  const offsetMinutes = Math.round((localMs - ms) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${abs % 60 ? `:${String(abs % 60).padStart(2, '0')}` : ''}`;
  const frac = fraction ? `.${String(fraction).padStart(6, '0').replace(/0+$/, '')}` : '';
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}${frac}${offset}`;
}

const WIDE_INTEGERS = new Set([DuckDBTypeId.BIGINT, DuckDBTypeId.UBIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT]);
const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);
const EXACT_DECIMAL_DIGITS = 10n ** 15n;

/**
 * A 64/128-bit integer or a decimal inside a list, struct or map, as a JSON number where a double holds it exactly
 * (integers up to 2^53, decimals of up to 15 digits). node-api gives such numbers as strings, which keeps them exact;
 * a column's type tells a reader to unquote them (ResultColumn.numeric), but nothing does inside a nested value,
 * where `{"quantity":"1"}` would read as text. Wider values stay exact strings.
 */
function nestedNumber(value: unknown, type: DuckDBType): Json | undefined {
  if (WIDE_INTEGERS.has(type.typeId) && typeof value === 'bigint') {
    return value <= MAX_EXACT && value >= -MAX_EXACT ? Number(value) : value.toString();
  }
  if (type.typeId === DuckDBTypeId.DECIMAL && value instanceof DuckDBDecimalValue) {
    const exact = value.value < EXACT_DECIMAL_DIGITS && value.value > -EXACT_DECIMAL_DIGITS;
    return exact ? Number(value.toString()) : value.toString();
  }
  return undefined;
}

/** Converts result values to JSON-compatible values, with TIMESTAMPTZ shown in `timezone`. */
export function displayConverter(timezone: string): DuckDBValueConverter<Json> {
  const convert =
    (nested: boolean): DuckDBValueConverter<Json> =>
    (value, type) => {
      if (value === null) return null;
      if (type.typeId === DuckDBTypeId.TIMESTAMP_TZ && value instanceof DuckDBTimestampTZValue) {
        return value.micros === 9223372036854775807n || value.micros === -9223372036854775807n
          ? value.toString()
          : formatTimestampTz(value.micros, timezone);
      }
      const number = nested ? nestedNumber(value, type) : undefined;
      return number !== undefined ? number : JsonDuckDBValueConverter(value, type, inner);
    };
  const inner = convert(true);
  return convert(false);
}

const EXACT_NUMBERS = new Set([
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.DECIMAL,
]);

export interface ResultColumn {
  name: string;
  type: string;
  /** Whether values are numbers that JSON should carry unquoted (exact decimals and 64/128-bit integers arrive as strings). */
  numeric: boolean;
}

export interface ResultTable {
  columns: ResultColumn[];
  rows: Json[][];
}

const NUMERIC = new Set([
  ...EXACT_NUMBERS,
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
]);

/** A result column: its name, DuckDB's type, and whether its values are numbers. */
export function resultColumn(name: string, type: DuckDBType | undefined): ResultColumn {
  return { name, type: type ? type.toString() : 'NULL', numeric: type ? NUMERIC.has(type.typeId) : false };
}

export function resultTable(reader: DuckDBResultReader, timezone: string): ResultTable {
  const columns = reader.deduplicatedColumnNames().map((name, i) => resultColumn(name, reader.columnType(i)));
  return { columns, rows: reader.convertRows(displayConverter(timezone)) as Json[][] };
}

/** A value as text for tables and CSV: nested values as JSON, NULL as null. */
export function cellText(value: Json): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** One row as a JSON object, keeping exact numbers exact (written as JSON number text, never through a double). */
export function rowJson(columns: ResultColumn[], row: Json[]): string {
  const fields = columns.map((c, i) => {
    const v = row[i];
    let text: string;
    if (v === null || v === undefined) text = 'null';
    else if (c.numeric && typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) text = v;
    else text = JSON.stringify(v);
    return `${JSON.stringify(c.name)}:${text}`;
  });
  return `{${fields.join(',')}}`;
}

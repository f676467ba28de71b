import type { Connection } from '../workspace/db.js';
import { literal } from '../util/sql.js';

/**
 * SQL that turns an event-time value into a TIMESTAMPTZ.
 *
 * Accepted: ISO 8601 with Z or an offset; "YYYY-MM-DD HH:MM:SS[.fff] <zone name>" such as "… UTC";
 * zone-less timestamps, read as local time in the workspace's zone; epoch seconds, milliseconds,
 * microseconds or nanoseconds, told apart by magnitude. A number below 10^8 is no epoch an event has (in seconds it
 * is before March 1973): a counter or a duration, not a time, so it does not date an event 1970-01-01.
 *
 * Why not simply TRY_CAST(text AS TIMESTAMPTZ) with the session time zone: in DuckDB 1.5 (ICU), once a
 * value with a named zone ("… UTC", "… America/New_York") has been parsed, zone-less values later in the
 * same vector are read in that zone instead of the session's. So each form is converted explicitly,
 * and zone-less text never depends on session state.
 */
export function epochToTimestamptz(numberSql: string): string {
  return `(CASE
    WHEN ${numberSql} IS NULL OR isnan(${numberSql}) OR isinf(${numberSql}) THEN NULL
    WHEN abs(${numberSql}) < 1e8 THEN NULL
    WHEN abs(${numberSql}) < 1e11 THEN to_timestamp(${numberSql})
    WHEN abs(${numberSql}) < 1e14 THEN to_timestamp(${numberSql} / 1e3)
    WHEN abs(${numberSql}) < 1e17 THEN to_timestamp(${numberSql} / 1e6)
    WHEN abs(${numberSql}) < 1e20 THEN to_timestamp(${numberSql} / 1e9)
    ELSE NULL END)`;
}

const YEAR_FIRST = `'^-?[0-9]{4,}[-/]'`;
const OFFSET = `':[0-9]{2}(\\.[0-9]*)?\\s*[+-][0-9]{2}(:?[0-9]{2})?$'`;
const NAMED_ZONE = `'[0-9]\\s+[A-Za-z][A-Za-z0-9_/+-]*$'`;
const ZONE_NAME = `'\\s([A-Za-z][A-Za-z0-9_/+-]*)$'`;

/**
 * Zone names DuckDB knows, as one SQL string ",UTC,Europe/Paris,…,". An unknown name makes timezone() raise
 * even inside TRY(), so names are checked first, inside their CASE branch (only rows with a zone name pay
 * for it). One string constant rather than a list of 600 literals: DuckDB binds and folds such a list
 * in every statement that parses times, which every live batch would pay; zone names never
 * contain the comma that delimits them.
 */
export interface TimeZones {
  /** The workspace's zone: zone-less times are local to it, and partition dates are its local dates. */
  local: string;
  /** DuckDB's zone names as one SQL string literal (see above), from `knownTimeZones`. */
  known: string;
}

/** The zone names the connected DuckDB knows, as the one string `TimeZones.known` holds. */
export async function knownTimeZones(connection: Connection): Promise<string> {
  const names = (await connection.all<{ name: string }>('SELECT name FROM pg_timezone_names() ORDER BY name')).map((r) => r.name);
  return literal(`,${names.filter((n) => !n.includes(',')).join(',')},`);
}

/** From text: a timestamp string, or a number of seconds/ms/µs/ns since the epoch. */
export function textToTimestamptz(textSql: string, zones: TimeZones): string {
  const t = textSql;
  const zone = `regexp_extract(${t}, ${ZONE_NAME}, 1)`;
  // Each cast is kept finite where it is made: finite() around the whole CASE would have DuckDB bind the CASE four
  // times over (nullif repeats its argument), which made binding this expression most of a small live batch's cost.
  // A text with a Z or an offset at its end is never 'infinity' (DuckDB reads its special values only whole), so the
  // commonest form needs no finite(), which evaluated its cast three times: a third of typing a live batch, measured.
  // Only a text that starts with a year of four digits is cast as a timestamp: DuckDB's cast reads "1/1/19" as the
  // year 1, January 19th, and "99-01-01" as the year 99. Any other text is an epoch, or nothing.
  return `(CASE
    WHEN ${t} IS NULL THEN NULL
    WHEN NOT regexp_matches(${t}, ${YEAR_FIRST}) THEN ${epochToTimestamptz(`TRY_CAST(${t} AS DOUBLE)`)}
    WHEN suffix(${t}, 'Z') OR suffix(${t}, 'z') OR regexp_matches(${t}, ${OFFSET}) THEN TRY_CAST(${t} AS TIMESTAMPTZ)
    WHEN regexp_matches(${t}, ${NAMED_ZONE}) THEN
      CASE WHEN contains(${zones.known}, ',' || ${zone} || ',')
        THEN ${finite(`timezone(${zone}, TRY_CAST(regexp_replace(${t}, ${ZONE_NAME}, '') AS TIMESTAMP))`)} END
    ELSE ${finite(`timezone(${literal(zones.local)}, TRY_CAST(${t} AS TIMESTAMP))`)}
    END)`;
}

/** 'infinity' and '-infinity' parse as timestamps but have no date to partition by (epochs never give them). */
function finite(sql: string): string {
  return `nullif(nullif(${sql}, 'infinity'::TIMESTAMPTZ), '-infinity'::TIMESTAMPTZ)`;
}

/** From a typed column (Parquet): numbers are epochs, TIMESTAMP and DATE are local time, text is parsed. */
export function typedToTimestamptz(columnSql: string, type: string, zones: TimeZones): string {
  const t = type.toUpperCase();
  if (t === 'TIMESTAMP WITH TIME ZONE' || t === 'TIMESTAMPTZ') return finite(columnSql);
  if (t.startsWith('TIMESTAMP') || t === 'DATE')
    return finite(`timezone(${literal(zones.local)}, CAST(${columnSql} AS TIMESTAMP))`);
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/.test(t)) {
    return epochToTimestamptz(`CAST(${columnSql} AS DOUBLE)`);
  }
  return textToTimestamptz(`CAST(${columnSql} AS VARCHAR)`, zones);
}

const MICROS_PER_DAY = 86_400_000_000;
const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'Etc/UCT', 'UCT', 'Etc/Universal', 'Universal', 'Zulu', 'Etc/Zulu']);

/**
 * The partition date of an event time: its local date in the workspace's zone (explicit, for the same
 * reason as above). In UTC the date is the whole days since the epoch, computed from the stored
 * microseconds with floor division: the same dates as timezone('UTC', …) without ICU, at a tenth of
 * the cost per row (it is on every import's and every live batch's path).
 */
export function localDateSql(timestamptzSql: string, timezone: string): string {
  if (UTC_ZONES.has(timezone)) {
    const us = `epoch_us(${timestamptzSql})`;
    const d = MICROS_PER_DAY;
    return `(DATE '1970-01-01' + CAST((${us} - (((${us} % ${d}) + ${d}) % ${d})) // ${d} AS INTEGER))`;
  }
  return `CAST(timezone(${literal(timezone)}, ${timestamptzSql}) AS DATE)`;
}

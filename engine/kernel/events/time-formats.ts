import { literal } from '../util/sql.js';
import { textToTimestamptz, type TimeZones } from './timestamps.js';

/**
 * Times written other than as ISO 8601 or an epoch, as real exports write them: day-first and month-first dates
 * (`30-04-2024 10:06:21`, `04/30/2024`), RFC 2822 (`Tue, 01 Oct 2019 10:00:00 +0000`, e-mail and HTTP headers) and the
 * Apache/nginx log form (`01/Oct/2019:10:00:00 +0000`). A file's format is decided from all its values: day-first
 * when some first number is over 12, month-first when some second number is; when neither is, a slash says
 * month-first (the US form) and a dash or a dot day-first, and the summary says it guessed. `strptime` formats
 * (`--time-format`) override the guess.
 */
export type TimeFormat = 'iso' | 'dmy' | 'mdy' | 'rfc2822' | 'clf' | { strptime: string } | { epoch: EpochUnit };

/** Numbers since the epoch in a unit the user names (`--time-format epoch_ms`): read so whatever their size. */
export type EpochUnit = 's' | 'ms' | 'us' | 'ns';
const EPOCH_DIVISOR: Record<EpochUnit, number> = { s: 1, ms: 1e3, us: 1e6, ns: 1e9 };

/** `--time-format`'s value: `epoch`, `epoch_ms`, `epoch_us`, `epoch_ns`, or a strptime format. */
export function parseTimeFormatOption(value: string): TimeFormat {
  const epoch = /^epoch(?:_(s|ms|us|ns))?$/.exec(value);
  if (epoch) return { epoch: (epoch[1] ?? 's') as EpochUnit };
  return { strptime: value };
}

const MONTHS = 'Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec';
const NUMERIC_DATE = `'^([0-9]{1,2})([-/.])([0-9]{1,2})[-/.]([0-9]{4})([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?( ?[AaPp][Mm])?)?$'`;
const RFC_2822 = `'^((Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?[0-9]{1,2} (${MONTHS}) [0-9]{4} [0-9]{2}:[0-9]{2}(:[0-9]{2})? ([+-][0-9]{4}|GMT|UTC|UT|Z)$'`;
const CLF = `'^[0-9]{2}/(${MONTHS})/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}$'`;
const TIME_OF_DAY = `'^[0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?$'`;
/** Digits of a second beyond the sixth that are not zero: a TIMESTAMPTZ keeps microseconds. */
export const SUB_MICROSECOND = `':[0-9]{2}[.,][0-9]{6}[0-9]*[1-9]'`;

function dateFormats(order: 'dmy' | 'mdy'): string {
  const formats: string[] = [];
  for (const sep of ['-', '/', '.']) {
    const date = order === 'dmy' ? `%d${sep}%m${sep}%Y` : `%m${sep}%d${sep}%Y`;
    for (const time of ['', ' %H:%M', ' %H:%M:%S', ' %H:%M:%S.%f', 'T%H:%M', 'T%H:%M:%S', 'T%H:%M:%S.%f']) {
      formats.push(`${date}${time}`);
    }
    // A 12-hour clock, as US exports write it (01-01-2000 12:12:00 AM).
    for (const time of [' %I:%M %p', ' %I:%M:%S %p', ' %I:%M%p', ' %I:%M:%S%p']) formats.push(`${date}${time}`);
  }
  return `[${formats.map(literal).join(', ')}]`;
}

/** SQL: the instant a text names in the format, or NULL; zone-less forms are local to the workspace's zone. */
export function parseTimeSql(text: string, format: TimeFormat, zones: TimeZones): string {
  const zone = literal(zones.local);
  if (format === 'iso') return textToTimestamptz(text, zones);
  if (format === 'dmy' || format === 'mdy') return `timezone(${zone}, try_strptime(${text}, ${dateFormats(format)}))`;
  if (format === 'rfc2822') {
    const formats = ['%a, %d %b %Y %H:%M:%S %z', '%a, %d %b %Y %H:%M %z', '%d %b %Y %H:%M:%S %z', '%d %b %Y %H:%M %z'];
    return `try_strptime(regexp_replace(${text}, '\\s(GMT|UTC|UT|Z)$', ' +0000'), [${formats.map(literal).join(', ')}])`;
  }
  if (format === 'clf') return `try_strptime(${text}, '%d/%b/%Y:%H:%M:%S %z')`;
  if ('epoch' in format) {
    const n = `TRY_CAST(${text} AS DOUBLE)`;
    // to_timestamp raises beyond about 294,000 AD: such a number is no time, and its row a reject, not the file's end.
    const seconds = `(${n} / ${EPOCH_DIVISOR[format.epoch]})`;
    return `(CASE WHEN isfinite(${n}) AND abs(${seconds}) < 9.2e12 THEN to_timestamp(${seconds}) END)`;
  }
  const parsed = `try_strptime(${text}, ${literal(format.strptime)})`;
  return /%[zZ]/.test(format.strptime) ? parsed : `timezone(${zone}, ${parsed})`;
}

/** SQL: the date a text names in a format without a time of day (no zone is involved in a date). */
export function parseDateSql(text: string, format: TimeFormat): string {
  if (format === 'dmy' || format === 'mdy') return `CAST(try_strptime(${text}, ${dateFormats(format)}) AS DATE)`;
  if (typeof format === 'object' && 'strptime' in format)
    return `CAST(try_strptime(${text}, ${literal(format.strptime)}) AS DATE)`;
  return `TRY_CAST(${text} AS DATE)`;
}

export function describeTimeFormat(format: TimeFormat): string {
  if (typeof format === 'object') {
    return 'epoch' in format ? `numbers since the epoch, in ${format.epoch}` : `strptime '${format.strptime}'`;
  }
  return {
    iso: 'ISO 8601 or an epoch',
    dmy: 'day first (DD-MM-YYYY)',
    mdy: 'month first (MM/DD/YYYY)',
    rfc2822: 'RFC 2822 (Tue, 01 Oct 2019 10:00:00 +0000)',
    clf: 'the Apache/nginx log form (01/Oct/2019:10:00:00 +0000)',
  }[format];
}

/**
 * Aggregates over all rows of one text column that say which time format its values are in (`iso: false` leaves out
 * the count of ISO 8601 values, for a caller that has it).
 */
export function timeFormatStatsColumns(
  text: string,
  name: string,
  zones: TimeZones,
  options: { iso?: boolean; strptime?: readonly string[] } = {},
): string[] {
  const part = (group: number) => `TRY_CAST(regexp_extract(${text}, ${NUMERIC_DATE}, ${group}) AS INTEGER)`;
  return [
    ...(options.strptime ?? []).map((f, i) => `count(try_strptime(${text}, ${literal(f)})) AS ${name}_x${i}`),
    `count(${text}) AS ${name}_n`,
    ...(options.iso === false ? [] : [`count(${textToTimestamptz(text, zones)}) AS ${name}_iso`]),
    `count(*) FILTER (WHERE regexp_extract(${text}, ${NUMERIC_DATE}, 5) <> '') AS ${name}_timed`,
    `count(*) FILTER (WHERE regexp_matches(${text}, ${NUMERIC_DATE})) AS ${name}_numeric`,
    `coalesce(max(${part(1)}) FILTER (WHERE regexp_matches(${text}, ${NUMERIC_DATE})), 0) AS ${name}_first`,
    `coalesce(max(${part(3)}) FILTER (WHERE regexp_matches(${text}, ${NUMERIC_DATE})), 0) AS ${name}_second`,
    `count(*) FILTER (WHERE regexp_extract(${text}, ${NUMERIC_DATE}, 2) = '/') AS ${name}_slash`,
    `count(*) FILTER (WHERE regexp_matches(${text}, ${RFC_2822})) AS ${name}_rfc`,
    `count(*) FILTER (WHERE regexp_matches(${text}, ${CLF})) AS ${name}_clf`,
    `count(*) FILTER (WHERE regexp_matches(${text}, ${TIME_OF_DAY})) AS ${name}_tod`,
    `count(*) FILTER (WHERE regexp_matches(${text}, ${SUB_MICROSECOND})) AS ${name}_sub_us`,
  ];
}

export interface TimeFormatChoice {
  format: TimeFormat;
  /** Values that name an instant in that format. */
  parsed: number;
  present: number;
  /** Values that are only a time of day (10:00:00). */
  timesOfDay: number;
  /** Values with digits below a microsecond, which the lake truncates. */
  subMicrosecond: number;
  /** Day-first or month-first values with a time of day (without one, the values are dates). */
  timed: number;
  /** Why this format, when it is a guess or not ISO (for the summary). */
  why?: string;
}

/**
 * The format that reads most of a column's values, from its statistics; `strptime` are formats DuckDB's CSV sniffer
 * found (two-digit years, and forms not listed here), tried after these.
 */
export function decideTimeFormat(row: Record<string, unknown>, name: string, strptime: readonly string[] = []): TimeFormatChoice {
  const n = (key: string) => Number(row[`${name}_${key}`] ?? 0);
  const present = n('n');
  const base = { present, timesOfDay: n('tod'), subMicrosecond: n('sub_us'), timed: n('timed') };
  const candidates: TimeFormatChoice[] = [{ ...base, format: 'iso', parsed: n('iso') }];
  if (n('numeric') > 0) {
    const first = n('first');
    const second = n('second');
    if (first <= 31 && second <= 31 && !(first > 12 && second > 12)) {
      let format: 'dmy' | 'mdy';
      let why: string;
      if (first > 12) {
        format = 'dmy';
        why = `times read day first: a first number goes up to ${first}`;
      } else if (second > 12) {
        format = 'mdy';
        why = `times read month first: a second number goes up to ${second}`;
      } else {
        format = n('slash') * 2 >= n('numeric') ? 'mdy' : 'dmy';
        why = `times read ${format === 'mdy' ? 'month first (slashes, as in the US)' : 'day first (dashes or dots)'}: no number shows which comes first; --time-format fixes it`;
      }
      candidates.push({ ...base, format, parsed: n('numeric'), why });
    }
  }
  if (n('rfc') > 0) candidates.push({ ...base, format: 'rfc2822', parsed: n('rfc'), why: 'times read as RFC 2822' });
  if (n('clf') > 0) candidates.push({ ...base, format: 'clf', parsed: n('clf'), why: 'times read in the Apache/nginx log form' });
  strptime.forEach((f, i) => {
    candidates.push({
      ...base,
      format: { strptime: f },
      parsed: n(`x${i}`),
      why: `times read as DuckDB's sniffer found them ('${f}')`,
    });
  });
  return candidates.reduce((best, c) => (c.parsed > best.parsed ? c : best));
}

/** Whether a column's values are instants: most of them parse so (a time of day or a small number is not one). */
export function holdsInstants(choice: TimeFormatChoice): boolean {
  return choice.present > 0 && choice.parsed * 2 >= choice.present;
}

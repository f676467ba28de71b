import type { Connection } from '../kernel/workspace/db.js';
import { literal } from '../kernel/util/sql.js';
import { normalizeType } from '../kernel/events/records.js';
import { SKIP_KEY } from '../kernel/lines/frame-ndjson.js';
import { isNested, innerSelectOf, type ImportPlan, type SourceField } from '../kernel/events/plan.js';
import type { TimeZones } from '../kernel/events/timestamps.js';
import { decideTimeFormat, timeFormatStatsColumns, type TimeFormat } from '../kernel/events/time-formats.js';
import {
  exactNumericType,
  isNumericType,
  numericFromFirstLook,
  numericStatsColumns,
  readNumericStats,
} from '../kernel/events/numbers.js';
import { lakeStructure, mergeStructures, type Structure } from './json-structure.js';
import type { ImportNote } from './notes.js';
import { STAGED_TABLE, type LoadRequest } from './stage-load.js';
import { timesInOtherFormats } from './stage-times.js';

/**
 * The fields of JSON records staged as maps: typed by DuckDB's sample where it saw them, nested ones by every value
 * they have, and keys the sample missed by all of their values.
 */
export async function mapFields(request: Pick<LoadRequest, 'connection' | 'source' | 'signal'>): Promise<SourceField[]> {
  const { connection, source } = request;
  const keys = await connection.all<{ k: string }>(
    `SELECT DISTINCT unnest(map_keys(json)) AS k FROM ${STAGED_TABLE} WHERE json IS NOT NULL ORDER BY k`,
    undefined,
    request.signal ? { signal: request.signal } : {},
  );
  const present = new Set(keys.map((r) => r.k));
  present.delete(SKIP_KEY);
  // Types come from DuckDB's own inference over a sample; a value later in the file that does not fit
  // is caught as drift and widens its column, so the sample can never lose data.
  let sampled: { column_name: string; column_type: string }[] = [];
  try {
    const sample =
      source.format === 'ndjson'
        ? `read_json(${literal(source.path)}, format = 'newline_delimited', ignore_errors = true, sample_size = 20480)`
        : source.format === 'json'
          ? `read_json(${literal(source.path)}, format = ${literal(source.layout)}, ignore_errors = true, sample_size = 20480)`
          : undefined;
    if (sample) sampled = await connection.all(`DESCRIBE SELECT * FROM ${sample}`);
  } catch {
    // No usable sample (every sampled line broken): types come from the values themselves.
  }
  const fields: SourceField[] = [];
  for (const column of sampled) {
    if (present.has(column.column_name)) {
      const type = normalizeType(column.column_type);
      if (isNested(type)) {
        fields.push({
          key: column.column_name,
          ...(await nestedTypeOfAllValues(connection, column.column_name, request.signal)),
        });
      } else {
        // The sample says it is a number; how wide a number every value decides (a sample types a 19-digit id DOUBLE).
        fields.push({ key: column.column_name, type, ...(isNumericType(type) ? { numeric: true } : {}) });
      }
      present.delete(column.column_name);
    }
  }
  // Keys the sample never saw: typed from all of their values, like CSV columns.
  const unseen = [...present];
  const inferred = await inferTextTypes(
    connection,
    unseen.map((key) => ({ key, sql: `json[${literal(key)}]` })),
    request.signal,
  );
  fields.push(...inferred);
  return fields;
}

/**
 * The type of a nested field from the structure of every value it has in the file. A sample's type would do for
 * most files, but casting JSON to a STRUCT drops, without an error, every key the type lacks and nulls every leaf
 * that does not fit it (a string where the sample saw numbers): a value the sample did not foresee would lose
 * part of itself. Structures are merged in the order they first appear, so keys keep their order in the file.
 */
async function nestedTypeOfAllValues(
  connection: Connection,
  key: string,
  signal?: AbortSignal,
): Promise<{ type: string; why?: string }> {
  const rows = await connection.all<{ s: string; long: boolean }>(
    // Rows without the field are left out before any JSON is parsed, so only rows that have it pay for the parse.
    `SELECT s, long FROM (
       SELECT json_structure(TRY_CAST(v AS JSON)) AS s, min(r) AS first, bool_or(regexp_matches(v, '[0-9]{19}')) AS long
       FROM (SELECT json[${literal(key)}] AS v, rowid AS r FROM ${STAGED_TABLE}) WHERE v IS NOT NULL GROUP BY s)
     WHERE s IS NOT NULL ORDER BY first`,
    undefined,
    signal ? { signal } : {},
  );
  let merged: Structure = 'NULL';
  for (const row of rows) merged = mergeStructures(merged, JSON.parse(String(row.s)) as Structure);
  // A run of 19 digits may be an integer beyond 64 bits, which json_structure calls UBIGINT or DOUBLE like any other.
  const longIntegers = rows.some((r) => r.long === true);
  const reasons = new Set<string>();
  const structure = lakeStructure(merged, { longIntegers, reasons });
  const why = reasons.size > 0 ? [...reasons].join('; ') : undefined;
  try {
    const typed = await connection.one<{ t: string }>(
      `SELECT typeof(json_transform('null'::JSON, ${literal(JSON.stringify(structure))})) AS t`,
    );
    return { type: normalizeType(String(typed?.t ?? 'JSON')), ...(why ? { why } : {}) };
  } catch {
    // A structure DuckDB cannot name as a type (a key it will not take as a field name): the values stay JSON.
    return { type: 'JSON', why: 'kept as JSON: its keys cannot all be struct field names' };
  }
}

/**
 * Whether a CSV column holds numbers with a decimal comma (European exports: `1,5`, `-0,25`): every value an integer
 * or digits, one comma, digits; some with the comma; and not every comma followed by exactly three digits, which
 * would as well be a thousands separator (`1,000`), so such a column stays text.
 */
function decimalCommaChecks(v: string, name: string): string[] {
  return [
    `coalesce(bool_and(${v} IS NULL OR regexp_full_match(${v}, '-?[0-9]+(,[0-9]+)?')), true) AS ${name}_all`,
    `coalesce(bool_or(regexp_full_match(${v}, '-?[0-9]+,[0-9]+')), false) AS ${name}_any`,
    `coalesce(bool_or(regexp_full_match(${v}, '-?[0-9]+,([0-9]{1,2}|[0-9]{4,})')), false) AS ${name}_not_thousands`,
  ];
}

/**
 * Text carries no types (CSV, and JSON keys outside the sample): each column's type is inferred from
 * all of its values, so that no later value can fail a cast. Codes with leading zeros stay text.
 */
export async function inferTextTypes(
  connection: Connection,
  columns: { key: string; sql: string }[],
  signal?: AbortSignal,
  options: { decimalComma?: boolean; zones?: TimeZones; strptime?: readonly string[] } = {},
): Promise<SourceField[]> {
  if (columns.length === 0) return [];
  const checks = columns.flatMap(({ sql: v }, i) => [
    `bool_and(${v} IS NULL OR lower(${v}) IN ('true', 'false')) AS b${i}`,
    ...(options.zones
      ? timeFormatStatsColumns(v, `tf${i}`, options.zones, { iso: false, strptime: options.strptime ?? [] })
      : []),
    ...(options.decimalComma ? decimalCommaChecks(v, `dc${i}`) : []),
    ...numericStatsColumns(v, `num${i}`),
    `bool_and(${v} IS NULL OR (regexp_full_match(${v}, '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}') AND TRY_CAST(${v} AS DATE) IS NOT NULL)) AS dt${i}`,
    `bool_and(${v} IS NULL OR (regexp_full_match(${v}, '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[T ][0-9]{1,2}:[0-9]{2}.*') AND TRY_CAST(${v} AS TIMESTAMPTZ) IS NOT NULL)) AS ts${i}`,
    `bool_and(${v} IS NULL OR (regexp_matches(${v}, '^\\s*[\\[{]') AND json_valid(${v}))) AS j${i}`,
    `count(${v}) AS n${i}`,
  ]);
  const row = (await connection.one<Record<string, boolean | number | string>>(
    `SELECT ${checks.join(', ')} FROM ${STAGED_TABLE}`,
    undefined,
    signal ? { signal } : {},
  )) as Record<string, boolean | number | string>;
  // Columns of numbers written with a decimal comma (1,5): their statistics again, over the text with a point.
  const commas = columns.flatMap((c, i) => (row[`dc${i}_all`] && row[`dc${i}_any`] && row[`dc${i}_not_thousands`] ? [i] : []));
  const commaRow =
    commas.length > 0
      ? ((await connection.one<Record<string, unknown>>(
          `SELECT ${commas.flatMap((i) => numericStatsColumns(`replace(${(columns[i] as { sql: string }).sql}, ',', '.')`, `numc${i}`)).join(', ')} FROM ${STAGED_TABLE}`,
          undefined,
          signal ? { signal } : {},
        )) ?? {})
      : {};
  return columns.map(({ key }, i) => {
    if (Number(row[`n${i}`]) === 0) return { key, type: 'VARCHAR' };
    if (commas.includes(i)) {
      const number = exactNumericType(readNumericStats(commaRow, `numc${i}`));
      if (number.type && number.type !== 'VARCHAR') {
        return {
          key,
          type: number.type,
          decimalComma: true,
          why: `numbers with a decimal comma, read as ${number.type} (1,5 is 1.5)${number.why ? `; ${number.why}` : ''}`,
        };
      }
    }
    const number = exactNumericType(readNumericStats(row, `num${i}`));
    if (number.type) return { key, type: number.type, ...(number.why ? { why: number.why } : {}) };
    if (options.zones && !row[`ts${i}`] && !row[`dt${i}`]) {
      // Times in another form than ISO 8601 (30-04-2024 10:06:21, RFC 2822, a web server's log time), every value.
      const time = decideTimeFormat(row, `tf${i}`, options.strptime ?? []);
      if (time.format !== 'iso' && time.parsed === Number(row[`n${i}`])) {
        const date =
          ((time.format === 'dmy' || time.format === 'mdy') && time.timed === 0) ||
          (typeof time.format === 'object' && 'strptime' in time.format && !/%[HIkl]/.test(time.format.strptime));
        return {
          key,
          type: date ? 'DATE' : 'TIMESTAMPTZ',
          timeFormat: time.format,
          ...(time.why ? { why: time.why } : {}),
        };
      }
    }
    const type = row[`b${i}`]
      ? 'BOOLEAN'
      : row[`dt${i}`]
        ? 'DATE'
        : row[`ts${i}`]
          ? 'TIMESTAMPTZ'
          : row[`j${i}`]
            ? 'JSON'
            : 'VARCHAR';
    return { key, type };
  });
}

/** The fields of a source whose reader types its columns itself (Parquet): as DuckDB typed them. */
export async function typedFields(request: Pick<LoadRequest, 'connection'>): Promise<SourceField[]> {
  const rows = await request.connection.all<{ column_name: string; column_type: string }>(`DESCRIBE ${STAGED_TABLE}`);
  return rows.map((r) => ({ key: r.column_name, type: r.column_type }));
}

/**
 * Final types for the fields the first look did not settle: a drifted field (some value does not fit the type its
 * sample gave) becomes text, or a time read in another format if one reads every value; a numeric field gets its
 * exact type from its full statistics.
 */
export async function settleTypes(
  connection: Connection,
  plan: ImportPlan,
  fields: SourceField[],
  row: Record<string, unknown>,
  zones: TimeZones,
  signal?: AbortSignal,
): Promise<SourceField[]> {
  const decided = new Map<string, { type: string; why?: string; timeFormat?: TimeFormat }>();
  const drifted = plan.drift.filter((_, i) => row[`drift_${i}`] === true);
  // Times a sample typed as ISO 8601 but written otherwise (30-04-2024 10:06:21): read in their format if it reads all.
  const times = await timesInOtherFormats(
    connection,
    plan,
    drifted.filter((d) => /^(DATE|TIMESTAMP)/i.test(d.type)),
    zones,
    signal,
  );
  for (const d of drifted) {
    const time = times.get(d.key);
    if (time) decided.set(d.key, time);
    else decided.set(d.key, { type: 'VARCHAR', why: `some values do not fit ${d.type}: kept as text, every value as written` });
  }
  // Numeric fields the first look did not settle get their full statistics, in one more pass for all of them.
  const unsettled = plan.numeric.flatMap((n, i) => (numericFromFirstLook(row, `num_${i}`) ? [] : [{ n, i }]));
  const stats =
    unsettled.length > 0
      ? ((await connection.one<Record<string, unknown>>(
          `SELECT ${unsettled.flatMap(({ n, i }) => numericStatsColumns(n.text, `num_${i}`)).join(', ')}
           FROM (${innerSelectOf(plan, STAGED_TABLE)}) WHERE NOT _skip`,
          undefined,
          { signal },
        )) ?? {})
      : {};
  for (const [i, n] of plan.numeric.entries()) {
    const field = fields.find((f) => f.key === n.key) as SourceField;
    const settled = numericFromFirstLook(row, `num_${i}`);
    if (settled) {
      decided.set(n.key, { type: 'type' in settled ? settled.type : field.type });
      continue;
    }
    const choice = exactNumericType(readNumericStats(stats, `num_${i}`));
    // Values that are not all numbers ("abc", NaN, Infinity) keep their text; numbers get their exact type.
    const type = choice.type ?? 'VARCHAR';
    const why =
      choice.why ??
      (choice.type === undefined
        ? `some values are not numbers (such as NaN, Infinity or text): kept as text, every value as written`
        : undefined);
    decided.set(n.key, { type, ...(why ? { why } : {}) });
  }
  return fields.map((f) => {
    const choice = decided.get(f.key);
    if (!choice) return f;
    const { numeric: _numeric, ...rest } = f;
    return {
      ...rest,
      type: choice.type,
      ...(choice.why ? { why: choice.why } : {}),
      ...(choice.timeFormat ? { timeFormat: choice.timeFormat } : {}),
    };
  });
}

/** A note for each field whose type says something DuckDB's own reader would not (why it was chosen). */
export function typeNotes(plan: ImportPlan, fields: SourceField[]): ImportNote[] {
  const renamed: ImportNote[] = plan.renames.map((r) => ({
    column: r.column,
    kind: 'renamed',
    detail: `the source field ${JSON.stringify(r.key)} is stored as ${r.column}: ${r.why}`,
  }));
  return renamed.concat(
    fields.flatMap((f) => {
      if (!f.why) return [];
      const column = plan.columnOf.get(f.key) ?? f.key;
      const kind =
        f.type === 'VARCHAR' || f.type === 'JSON'
          ? ('kept-as-text' as const)
          : f.decimalComma || f.timeFormat
            ? ('converted' as const)
            : ('exact-type' as const);
      return [{ column, kind, detail: f.why }];
    }),
  );
}

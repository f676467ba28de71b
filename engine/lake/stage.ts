import { rm, mkdir } from 'node:fs/promises';
import type { Connection } from '../kernel/workspace/db.js';
import { UserError, duckdbMessage } from '../kernel/util/errors.js';
import { ident, literal } from '../kernel/util/sql.js';
import type { OperationOptions } from '../shared/progress.js';
import { LINE_COLUMN } from '../kernel/events/plan.js';
import { ndjsonRecordsReader, normalizeType } from '../kernel/events/records.js';
import { SKIP_KEY } from '../kernel/lines/frame-ndjson.js';
import { lakeStructure, mergeStructures, type Structure } from './json-structure.js';
import type { ImportNote } from './notes.js';
import { textToTimestamptz, type TimeZones } from '../kernel/events/timestamps.js';
import {
  SUB_MICROSECOND,
  decideTimeFormat,
  holdsInstants,
  parseTimeFormatOption,
  parseTimeSql,
  timeFormatStatsColumns,
  type TimeFormat,
  type TimeFormatChoice,
} from '../kernel/events/time-formats.js';
import {
  exactNumericType,
  isNumericType,
  numericFromFirstLook,
  numericStatsColumns,
  readNumericStats,
} from '../kernel/events/numbers.js';
import {
  buildPlan,
  isNested,
  selectTypeChecks,
  innerSelectOf,
  selectLakeRows,
  selectRejects,
  type ImportPlan,
  type StagedKind,
  type PlanInput,
  type SourceField,
} from '../kernel/events/plan.js';

export const STAGED_TABLE = 'import_staged';

export type StageSource =
  | { format: 'ndjson'; path: string; rows: number; sanitized: boolean; maxObjectBytes: number; heldTail: boolean }
  | { format: 'json'; path: string; layout: 'array' | 'unstructured' }
  | {
      format: 'csv';
      path: string;
      delimiter: string;
      columns: string[];
      rows: number;
      maxRecordBytes: number;
      /** Time formats DuckDB's sniffer found in the file (strptime). */
      timeFormats?: string[];
    }
  | { format: 'parquet'; path: string };

export interface StageRequest extends OperationOptions {
  connection: Connection;
  source: StageSource;
  /** A strptime format for event times (`--time-format`), instead of one decided from the values. */
  timeFormat?: string;
  /** Rows `loadStaged` already put in the staging table from this very source, when it has. */
  staged?: number;
  /** The file the rows came from, as recorded with each row. */
  sourceFile: string;
  stagingDir: string;
  plan: Omit<PlanInput, 'kind' | 'fields' | 'hasPlaceholders'>;
}

export interface StagedReject {
  line: number;
  reason: string;
  /** Raw text when DuckDB holds it (JSON arrays); other formats re-read it from the file. */
  raw?: string;
}

export interface StageResult {
  /** Milliseconds per step, for `npm run bench` and for users asking why an import was slow. */
  timings: Record<string, number>;
  plan: ImportPlan;
  stagedRows: number;
  rowsWritten: number;
  rejects: StagedReject[];
  /** What the import changed about fields, and why. */
  notes: ImportNote[];
  /** Each source field's lake column and type. */
  columns: { source: string; column: string; type: string }[];
  /** Some CSV column was read with a decimal comma. */
  decimalComma: boolean;
}

function readerFor(source: StageSource, extra = ''): string {
  switch (source.format) {
    case 'ndjson':
      return `read_json(${literal(source.path)}, format = 'newline_delimited', ignore_errors = true,
        maximum_object_size = ${Math.max(16 << 20, source.maxObjectBytes * 2)}${extra})`;
    case 'json':
      return `read_json(${literal(source.path)}, format = ${literal(source.layout)}${extra})`;
    case 'csv':
      // The normalized copy (frame-csv.ts): RFC 4180 quoting with the file's delimiter, whatever the file's own dialect.
      return `read_csv(${literal(source.path)}, header = true, delim = ${literal(source.delimiter)}, quote = '"', escape = '"',
        auto_detect = false, strict_mode = false, null_padding = false, max_line_size = ${Math.max(2 << 20, source.maxRecordBytes * 2)},
        columns = {${[LINE_COLUMN, ...source.columns].map((c) => `${literal(c)}: ${literal(c === LINE_COLUMN ? 'BIGINT' : 'VARCHAR')}`).join(', ')}})`;
    case 'parquet':
      return `read_parquet(${literal(source.path)})`;
  }
}

/**
 * Loads the source into a temp table whose rowid is its row order (insertion order is preserved). An
 * import may start this while it still scans the file (see `stageImport`'s `staged`).
 */
export async function loadStaged(
  request: Pick<StageRequest, 'connection' | 'source' | 'sourceFile' | 'signal' | 'onProgress'>,
): Promise<number> {
  const { connection, source } = request;
  let sql: string;
  switch (source.format) {
    case 'ndjson':
      // Every key as a MAP entry, its value as text: nothing in a record can be dropped for lack of a column.
      sql = `SELECT json FROM ${ndjsonRecordsReader(source.path, source.maxObjectBytes)}`;
      // A held-back last line is still in the file DuckDB reads; LIMIT keeps it out (only then: it costs parallelism).
      if (source.heldTail) sql += ` LIMIT ${source.rows}`;
      break;
    case 'json':
      sql = `SELECT TRY_CAST(json AS MAP(VARCHAR, VARCHAR)) AS json, json AS _raw
             FROM ${readerFor(source, `, records = false, columns = {json: 'JSON'}`)}`;
      break;
    default:
      sql = `SELECT * FROM ${readerFor(source)}`;
  }
  try {
    await connection.run(`CREATE OR REPLACE TEMP TABLE ${STAGED_TABLE} AS ${sql}`, undefined, {
      signal: request.signal,
      onProgress: (p) => request.onProgress?.({ ...p, phase: 'parsing' }),
    });
  } catch (error) {
    if ((error as Error).name === 'CancelledError') throw error;
    throw new UserError(
      `${request.sourceFile}: cannot be read as ${source.format.toUpperCase()}: ${duckdbMessage(error)}`,
      'file-corrupt',
    );
  }
  const row = await connection.one<{ n: number }>(`SELECT count(*)::DOUBLE AS n FROM ${STAGED_TABLE}`);
  return Number(row?.n ?? 0);
}

async function mapFields(request: StageRequest): Promise<SourceField[]> {
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
    // Rows without the field are left out before any JSON is parsed: a third less time than filtering after (measured).
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
async function inferTextTypes(
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

async function typedFields(request: StageRequest): Promise<SourceField[]> {
  const rows = await request.connection.all<{ column_name: string; column_type: string }>(`DESCRIBE ${STAGED_TABLE}`);
  return rows.map((r) => ({ key: r.column_name, type: r.column_type }));
}

/**
 * Whether some record has a key twice, in the pass that checks types: every map entry counted against the records
 * that have each key (map_contains, a fifth of the cost of listing each record's distinct keys, measured).
 */
function duplicateKeyFirstLook(fields: SourceField[]): string[] {
  if (fields.length === 0) return [];
  const having = fields.map((f) => `count(*) FILTER (WHERE map_contains(_record, ${literal(f.key)}))`).join(' + ');
  return [`coalesce(sum(cardinality(_record)), 0) - (${having}) AS dup_entries`];
}

/** Which keys some records hold twice, and how many such records (only when the first look found some). */
async function duplicateKeyNotes(
  connection: Connection,
  plan: ImportPlan,
  fields: SourceField[],
  firstLook: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<ImportNote[]> {
  if (Number(firstLook.dup_entries ?? 0) <= 0) return [];
  const row =
    (await connection.one<Record<string, unknown>>(
      `SELECT ${fields.map((f, i) => `count(*) FILTER (WHERE len(list_filter(map_keys(_record), k -> k = ${literal(f.key)})) > 1) AS d${i}`).join(', ')}
       FROM (${innerSelectOf(plan, STAGED_TABLE)}) WHERE NOT _skip`,
      undefined,
      signal ? { signal } : {},
    )) ?? {};
  return fields.flatMap((f, i) => {
    const records = Number(row[`d${i}`] ?? 0);
    if (records === 0) return [];
    return [
      {
        column: plan.columnOf.get(f.key) ?? f.key,
        kind: 'duplicate-keys' as const,
        detail: `${records} record${records === 1 ? ' has' : 's have'} the key ${JSON.stringify(f.key)} more than once: the first value is kept, as DuckDB's JSON functions read it`,
      },
    ];
  });
}

/** For time fields whose values are not all ISO 8601: the format that reads every one of them, if any. */
async function timesInOtherFormats(
  connection: Connection,
  plan: ImportPlan,
  fields: { key: string; type: string }[],
  zones: TimeZones,
  signal?: AbortSignal,
): Promise<Map<string, { type: string; why?: string; timeFormat: TimeFormat }>> {
  const found = new Map<string, { type: string; why?: string; timeFormat: TimeFormat }>();
  if (fields.length === 0) return found;
  const row =
    (await connection.one<Record<string, unknown>>(
      `SELECT ${fields.flatMap((f, i) => timeFormatStatsColumns(plan.text.get(f.key) as string, `ot${i}`, zones, { iso: false })).join(', ')}
       FROM (${innerSelectOf(plan, STAGED_TABLE)}) WHERE NOT _skip`,
      undefined,
      signal ? { signal } : {},
    )) ?? {};
  fields.forEach((f, i) => {
    const choice = decideTimeFormat(row, `ot${i}`);
    if (choice.format === 'iso' || choice.parsed !== choice.present || choice.present === 0) return;
    const date = (choice.format === 'dmy' || choice.format === 'mdy') && choice.timed === 0;
    found.set(f.key, {
      type: date ? 'DATE' : 'TIMESTAMPTZ',
      timeFormat: choice.format,
      ...(choice.why ? { why: choice.why } : {}),
    });
  });
  return found;
}

/** The texts the event time may come from: each candidate field, and a `date` and `time` pair read together. */
function timeTexts(plan: ImportPlan): string[] {
  const texts = plan.timeCandidates.map((c) => c.text);
  const time = plan.timeCandidates.find((c) => c.alias.toLowerCase() === 'time');
  if (plan.dateField && time) texts.push(`(${plan.dateField.text} || ' ' || ${time.text})`);
  return texts;
}

/**
 * The cheap first look at the event time, in the pass that checks types: how many values the first candidate has,
 * and how many of them read as ISO 8601 or an epoch. Only when some do not are the other formats looked at.
 */
function timeFirstLook(plan: ImportPlan, zones: TimeZones, fields: SourceField[], kind: StagedKind): string[] {
  const first = plan.timeCandidates[0];
  if (!first) return [];
  // A field DuckDB's JSON sample typed as a time needs no parse here, as the write parses it anyway and rejects what
  // does not parse; but it may be in another form than ISO 8601 (DuckDB's sampler reads 30-04-2024 10:06:21 as a
  // timestamp too), which values that do not start with a four-digit year tell. (The sampler types no text with digits
  // below a microsecond as a time; one first written so after the sample is truncated.)
  const field = fields.find((f) => f.key === first.alias);
  if (kind === 'map' && field && /^(TIMESTAMP|DATE)/i.test(field.type) && !field.timeFormat) {
    return [
      `count(${first.text}) AS tf_first_n`,
      `count(*) FILTER (WHERE regexp_matches(${first.text}, '^-?[0-9]{4}')) AS tf_first_iso`,
      `0 AS tf_first_sub_us`,
    ];
  }
  return [
    `count(${first.text}) AS tf_first_n`,
    `count(${textToTimestamptz(first.text, zones)}) AS tf_first_iso`,
    // Only a long text can hold digits below a microsecond (2026-10-01T10:00:00.1234567Z has 28 characters).
    `count(*) FILTER (WHERE length(${first.text}) > 26 AND regexp_matches(${first.text}, ${SUB_MICROSECOND})) AS tf_first_sub_us`,
  ];
}

/**
 * Which field the event time comes from and how it is written: the first alias whose values are instants (a `time`
 * of times of day, or of small numbers, is passed over), in the format that reads most of them; with none, a `date`
 * and a `time` of day read together; else the first alias there is, whose rows are then rejected with their values.
 */
async function chooseEventTime(
  connection: Connection,
  plan: ImportPlan,
  firstLook: Record<string, unknown>,
  options: { zones: TimeZones; explicit?: TimeFormat; strptime?: readonly string[]; signal?: AbortSignal },
): Promise<{ format?: TimeFormat; from?: PlanInput['timeFrom']; notes: ImportNote[] }> {
  const notes: ImportNote[] = [];
  const candidates = plan.timeCandidates;
  if (candidates.length === 0) return { notes };
  const subMicrosecondNote = (count: number) =>
    count > 0
      ? [
          {
            column: 'occurred_at',
            kind: 'converted' as const,
            detail: `${count} event time${count === 1 ? ' has' : 's have'} digits below a microsecond; the lake keeps microseconds`,
          },
        ]
      : [];
  const n = Number(firstLook.tf_first_n ?? 0);
  if (!options.explicit && n > 0 && Number(firstLook.tf_first_iso ?? 0) === n) {
    return { notes: subMicrosecondNote(Number(firstLook.tf_first_sub_us ?? 0)) };
  }
  const texts = timeTexts(plan);
  const explicit = options.explicit;
  const row =
    (await connection.one<Record<string, unknown>>(
      `SELECT ${texts
        .flatMap((text, i) => [
          ...timeFormatStatsColumns(text, `tf_${i}`, options.zones, { strptime: options.strptime ?? [] }),
          ...(explicit ? [`count(${parseTimeSql(text, explicit, options.zones)}) AS tf_${i}_explicit`] : []),
        ])
        .join(', ')} FROM (${innerSelectOf(plan, STAGED_TABLE)}) WHERE NOT _skip`,
      undefined,
      options.signal ? { signal: options.signal } : {},
    )) ?? {};
  const choices: TimeFormatChoice[] = texts.map((_, i) => {
    const choice = decideTimeFormat(row, `tf_${i}`, options.strptime ?? []);
    if (!explicit) return choice;
    const { why: _why, ...rest } = choice;
    return { ...rest, format: explicit, parsed: Number(row[`tf_${i}_explicit`] ?? 0) };
  });
  const describe = (c: TimeFormatChoice) =>
    c.timesOfDay * 2 >= c.present ? 'holds times of day, not instants' : 'holds values that are not times';
  let index = choices.slice(0, candidates.length).findIndex(holdsInstants);
  let from: PlanInput['timeFrom'] | undefined;
  if (
    index < 0 &&
    texts.length > candidates.length &&
    plan.dateField &&
    holdsInstants(choices[candidates.length] as TimeFormatChoice)
  ) {
    const time = candidates.find((c) => c.alias.toLowerCase() === 'time') as { alias: string };
    index = candidates.length;
    from = { date: plan.dateField.key, time: time.alias };
    notes.push({
      column: 'occurred_at',
      kind: 'converted',
      detail: `event times from ${plan.dateField.key} and ${time.alias} together: ${time.alias} holds times of day`,
    });
  }
  if (index < 0) index = 0;
  const chosen = choices[index] as TimeFormatChoice;
  if (!from && index > 0) {
    const alias = (candidates[index] as { alias: string }).alias;
    from = { alias };
    const skipped = candidates.slice(0, index).map((c, i) => `${c.alias} ${describe(choices[i] as TimeFormatChoice)}`);
    notes.push({ column: 'occurred_at', kind: 'converted', detail: `event times from ${alias}: ${skipped.join('; ')}` });
  }
  if (chosen.why) notes.push({ column: 'occurred_at', kind: 'converted', detail: chosen.why });
  notes.push(...subMicrosecondNote(chosen.subMicrosecond));
  return { ...(chosen.format !== 'iso' ? { format: chosen.format } : {}), ...(from ? { from } : {}), notes };
}

/** A note for each field whose type says something DuckDB's own reader would not (why it was chosen). */
function typeNotes(plan: ImportPlan, fields: SourceField[]): ImportNote[] {
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

/**
 * Stages one source: parse into DuckDB, map fields, and write the lake rows as hive-partitioned
 * Parquet into `stagingDir`. Type drift is checked before writing (widening only changes a cast), and
 * reject reasons are worked out only when the written count says rows were held back, so a clean file
 * pays for one parse, one check and one write.
 */
export async function stageImport(request: StageRequest): Promise<StageResult> {
  const { connection, source } = request;
  const timings: Record<string, number> = {};
  let mark = performance.now();
  const step = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - mark);
    mark = now;
  };
  const stagedRows = request.staged ?? (await loadStaged(request));
  step('parse');
  if ((source.format === 'ndjson' || source.format === 'csv') && stagedRows !== source.rows) {
    throw new Error(
      `${request.sourceFile}: ${source.rows} records were framed but DuckDB read ${stagedRows}; refusing to import with wrong line numbers`,
    );
  }
  const kind = source.format === 'csv' ? 'text' : source.format === 'parquet' ? 'typed' : 'map';
  let fields =
    kind === 'map'
      ? await mapFields(request)
      : kind === 'text'
        ? await inferTextTypes(
            connection,
            (source as { columns: string[] }).columns.map((key) => ({ key, sql: ident(key) })),
            request.signal,
            {
              decimalComma: true,
              zones: request.plan.zones,
              ...(source.format === 'csv' && source.timeFormats ? { strptime: source.timeFormats } : {}),
            },
          )
        : await typedFields(request);
  step('schema');
  const hasPlaceholders = source.format === 'ndjson' && source.sanitized;
  let planInput: PlanInput = { ...request.plan, kind, fields, hasPlaceholders };
  let plan = buildPlan(planInput);
  const notes: ImportNote[] = [];
  const keyCounts = kind === 'map' ? duplicateKeyFirstLook(fields) : [];
  const checksSql = selectTypeChecks(plan, STAGED_TABLE, [
    ...timeFirstLook(plan, request.plan.zones, fields, kind),
    ...keyCounts,
  ]);
  if (checksSql) {
    const row = (await connection.one<Record<string, unknown>>(checksSql, undefined, { signal: request.signal })) ?? {};
    if (keyCounts.length > 0) notes.push(...(await duplicateKeyNotes(connection, plan, fields, row, request.signal)));
    const time = await chooseEventTime(connection, plan, row, {
      zones: request.plan.zones,
      ...(request.timeFormat ? { explicit: parseTimeFormatOption(request.timeFormat) } : {}),
      ...(source.format === 'csv' && source.timeFormats ? { strptime: source.timeFormats } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    });
    notes.push(...time.notes);
    const decided = new Map<string, { type: string; why?: string; timeFormat?: TimeFormat }>();
    const drifted = plan.drift.filter((_, i) => row[`drift_${i}`] === true);
    // Times a sample typed as ISO 8601 but written otherwise (30-04-2024 10:06:21): read in their format if it reads all.
    const times = await timesInOtherFormats(
      connection,
      plan,
      drifted.filter((d) => /^(DATE|TIMESTAMP)/i.test(d.type)),
      request.plan.zones,
      request.signal,
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
            { signal: request.signal },
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
    fields = fields.map((f) => {
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
    planInput = {
      ...planInput,
      fields,
      ...(time.format ? { timeFormat: time.format } : {}),
      ...(time.from ? { timeFrom: time.from } : {}),
    };
    plan = buildPlan(planInput);
  }
  notes.push(...typeNotes(plan, fields));
  const decimalComma = fields.some((f) => f.decimalComma);
  const columns = fields
    .filter((f) => plan.columnOf.has(f.key))
    .map((f) => {
      const column = plan.columnOf.get(f.key) as string;
      const canonical =
        column === 'occurred_at' ? 'TIMESTAMPTZ' : column === 'event_id' || column === 'event_type' ? 'VARCHAR' : undefined;
      return { source: f.key, column, type: canonical ?? f.type };
    });

  step('type check');
  await rm(request.stagingDir, { recursive: true, force: true });
  await mkdir(request.stagingDir, { recursive: true });
  const placeholders = hasPlaceholders
    ? Number(
        (
          await connection.one<{ n: number }>(
            `SELECT count(*)::DOUBLE AS n FROM ${STAGED_TABLE} WHERE json[${literal(SKIP_KEY)}] IS NOT NULL`,
          )
        )?.n ?? 0,
      )
    : 0;
  const landable = stagedRows - placeholders;
  let rowsWritten = 0;
  if (landable > 0) {
    const copied = await connection.one<Record<string, string>>(
      `COPY (${selectLakeRows(plan, planInput, STAGED_TABLE)}) TO ${literal(request.stagingDir)}
        (FORMAT parquet, PARTITION_BY (event_date), FILENAME_PATTERN ${literal(`import-${request.plan.importId}-{i}`)})`,
      undefined,
      { signal: request.signal, onProgress: (p) => request.onProgress?.({ ...p, phase: 'writing partitions' }) },
    );
    rowsWritten = Number(Object.values(copied ?? {})[0] ?? 0);
  }
  step('write');
  if (rowsWritten === landable) return { timings, plan, stagedRows, rowsWritten, rejects: [], notes, columns, decimalComma };

  const rawSql =
    source.format === 'json'
      ? 'CAST(_raw AS VARCHAR)'
      : kind === 'typed'
        ? `CAST(to_json(${STAGED_TABLE}) AS VARCHAR)`
        : undefined;
  const rows = await connection.all<{ line: number; reason: string; raw?: string }>(selectRejects(plan, STAGED_TABLE, rawSql));
  const rejects = rows.map((r) => ({ line: Number(r.line), reason: r.reason, ...(r.raw !== undefined ? { raw: r.raw } : {}) }));
  if (rowsWritten + rejects.length !== landable) {
    throw new Error(
      `${request.sourceFile}: ${landable} rows, ${rowsWritten} written and ${rejects.length} rejected do not add up`,
    );
  }
  step('rejects');
  return { timings, plan, stagedRows, rowsWritten, rejects, notes, columns, decimalComma };
}

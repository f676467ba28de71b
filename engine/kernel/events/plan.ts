import { ident, literal } from '../util/sql.js';
import { CANONICAL_FIELDS, type CanonicalField } from '../workspace/settings.js';
import { SKIP_KEY } from '../lines/frame-ndjson.js';
import { localDateSql, typedToTimestamptz, type TimeZones } from './timestamps.js';
import { SUB_MICROSECOND, parseDateSql, parseTimeSql, type TimeFormat } from './time-formats.js';
import { LAKE_META_COLUMNS } from './columns.js';
import { JSON_NUMBER, doubleKeepsSql, numericFirstLookColumns } from './numbers.js';

/** The column a normalized CSV copy starts with: the physical line where the record began. */
export const LINE_COLUMN = '__recount_line';

/**
 * How an import's staged rows are held in DuckDB:
 * - `map`: NDJSON and JSON, one row per record with every key in `json MAP(VARCHAR, VARCHAR)`: DuckDB's
 *   reader turns each value into text natively (strings unquoted, numbers as written, objects as JSON),
 *   and the map shows every key, so no field can be dropped for want of a column;
 * - `text`: CSV, every field a VARCHAR column, with the source line in `__recount_line`;
 * - `typed`: Parquet, the file's own columns and types.
 * In `map` and `text`, values are text and get their types here, from a sample checked against all rows.
 */
export type StagedKind = 'map' | 'text' | 'typed';

export interface SourceField {
  /** The field's name in the source record. */
  key: string;
  /** DuckDB type the lake stores it as. */
  type: string;
  /** The reader already yields this type (the live view reads such fields typed): no cast, no drift check. */
  native?: boolean;
  /**
   * A number whose exact type every value decides (numbers.ts): its statistics are gathered where drift is checked,
   * and the field is planned again with the type they give.
   */
  numeric?: boolean;
  /** Why the field has this type, when it is not the type DuckDB's own reader would give it (for the summary). */
  why?: string;
  /** A CSV number written with a decimal comma: the comma is read as a point. */
  decimalComma?: boolean;
  /** A time written other than as ISO 8601 (a TIMESTAMPTZ or DATE field). */
  timeFormat?: TimeFormat;
}

export interface PlanInput {
  kind: StagedKind;
  fields: SourceField[];
  /** Canonical field → candidate source names, in priority order. */
  aliases: Record<CanonicalField, string[]>;
  /** Line number of staged row 0 (map kind). */
  firstRowLine: number;
  /** Whether staged rows may be placeholders (a sanitized NDJSON copy). */
  hasPlaceholders: boolean;
  sourceFile: string;
  importId: number;
  importedAt: string;
  /** The workspace's zone (zone-less times are local to it, partition dates are its local dates) and DuckDB's zone names. */
  zones: TimeZones;
  /** SQL for a staged row's line number, when it is not `rowid + firstRowLine` (the live view's batches). */
  lineSql?: string;
  /**
   * Rows come straight from a reader, which has no row ids: the line and row position are left NULL
   * and the caller numbers the rows (the live view, by their position in the table it makes of them).
   */
  positionless?: boolean;
  /** How event times are written (default: ISO 8601 or an epoch), decided from the file's values (time-formats.ts). */
  timeFormat?: TimeFormat;
  /**
   * Where event times come from, when not the first time alias the file has: an alias chosen because its values are
   * instants, or a date field and a time-of-day field read together (a download log's `date` and `time`).
   */
  timeFrom?: { alias: string } | { date: string; time: string };
  /**
   * A record without an id gets none here: the caller derives it (the live view reads only some fields of a
   * record, and derives the identity from the whole record, as an NDJSON import does: `recordIdentitySql`).
   */
  noDerivedIds?: boolean;
}

/**
 * The identity of an NDJSON record without an id, from the record as DuckDB's reader maps it (every key, each value as
 * text): a row logged twice is one event. The import and the live view derive it alike, so they agree on it.
 */
export function recordIdentitySql(recordMapSql: string): string {
  return `md5(CAST(${recordMapSql} AS VARCHAR))`;
}

export interface OutputColumn {
  name: string;
  sql: string;
}

export interface DriftCheck {
  key: string;
  column: string;
  type: string;
  /** True where a value is present but does not fit the column's type (over the inner projection). */
  predicate: string;
}

export interface ImportPlan {
  /** The canonical fields' chosen source names (undefined: event_id derived from content, or missing). */
  sources: Record<CanonicalField, string | undefined>;
  /** One lookup per source field and the row's line: SELECT … FROM staged. */
  inner: OutputColumn[];
  /** Lake columns computed from `inner`, before event_date and the metadata columns. */
  columns: OutputColumn[];
  /** Over inner ⋈ columns: NULL for a row that lands, else why it is rejected. */
  rejectReason: string;
  drift: DriftCheck[];
  /** Fields whose exact numeric type is still to be decided, with the SQL of their text over the inner projection. */
  numeric: { key: string; column: string; text: string }[];
  /** The lake column each source field lands in. */
  columnOf: Map<string, string>;
  /** Source fields stored under another name, and why. */
  renames: { key: string; column: string; why: string }[];
  /** Each field's value as text over the inner projection (what type checks look at). */
  text: Map<string, string>;
  /** The event time's text over the inner projection ('NULL' without one). */
  timeText: string;
  /** The fields (or nested paths) the event time may come from, in the order of preference, with their text. */
  timeCandidates: { alias: string; text: string }[];
  /** A field named `date`, which a time-of-day field may complete. */
  dateField?: { key: string; text: string };
}

/** Where a canonical field comes from: a source field, or a path inside a nested one. */
interface SourceRef {
  key: string;
  path?: string[];
}

/**
 * A source name as a field of the file, or else as a dotted path into one of its nested fields (`properties.time`, as
 * Mixpanel exports hold the time): the longest prefix that is a field, the rest a path inside its JSON.
 */
function findSource(alias: string, keys: Set<string>): SourceRef | undefined {
  if (keys.has(alias)) return { key: alias };
  const parts = alias.split('.');
  for (let i = parts.length - 1; i >= 1; i--) {
    const key = parts.slice(0, i).join('.');
    if (keys.has(key)) return { key, path: parts.slice(i) };
  }
  return undefined;
}

/** A JSON path with every key quoted, so that any key works: $."time", $."a b"."c". */
function jsonPath(path: string[]): string {
  return `$${path.map((k) => `."${k.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join('')}`;
}

const RESERVED = ['event_date', ...LAKE_META_COLUMNS];
const INTEGER = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/i;

/** A list, struct, map or union type: cast from JSON text, which a struct cast can do only in part (see stage.ts). */
export function isNested(type: string): boolean {
  return /[[\]]/.test(type) || /^(STRUCT|MAP|UNION)\b/i.test(type);
}

function valueName(index: number): string {
  return `_v${index}`;
}

/** A text value cast to its lake type; the drift predicate is true where a present value does not fit. */
function castText(text: string, type: string, zones: TimeZones, timeFormat?: TimeFormat): { sql: string; drift?: string } {
  const t = type.toUpperCase();
  if (t === 'VARCHAR') return { sql: text };
  if (t === 'JSON') return { sql: `TRY_CAST(${text} AS JSON)`, drift: `(${text} IS NOT NULL AND NOT json_valid(${text}))` };
  if (t === 'TIMESTAMP' || t === 'TIMESTAMPTZ' || t === 'TIMESTAMP WITH TIME ZONE') {
    const sql = parseTimeSql(text, timeFormat ?? 'iso', zones);
    // Digits below a microsecond would be cut: such a value is drift, kept as text, as any cast that loses text.
    return { sql, drift: `(${text} IS NOT NULL AND (${sql} IS NULL OR regexp_matches(${text}, ${SUB_MICROSECOND})))` };
  }
  if (t === 'DATE' && timeFormat && timeFormat !== 'iso' && (typeof timeFormat !== 'object' || 'strptime' in timeFormat)) {
    const sql = parseDateSql(text, timeFormat);
    return { sql, drift: `(${text} IS NOT NULL AND ${sql} IS NULL)` };
  }
  if (isNested(type)) {
    const sql = `TRY_CAST(TRY_CAST(${text} AS JSON) AS ${type})`;
    return { sql, drift: `(${text} IS NOT NULL AND ${sql} IS NULL)` };
  }
  const sql = `TRY_CAST(${text} AS ${type})`;
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t);
  if (decimal) {
    // An exact type: a value fits when it is a number with no more fraction digits than the scale (and the cast works).
    const unfit = `${sql} IS NULL OR NOT regexp_full_match(${text}, ${JSON_NUMBER}) OR regexp_matches(${text}, '[eE]') OR length(regexp_extract(${text}, '\\.([0-9]*)$', 1)) > ${decimal[2]}`;
    return { sql, drift: `(${text} IS NOT NULL AND (${unfit}))` };
  }
  // A cast reads more than it keeps: "1.5", "007", "+5" or "0x10" to an integer, "1_000.5" to a double, "yes" to a
  // boolean or "2026-10-01 10:00" to a date all succeed and lose the text. Such a value is drift, not a value.
  let unfit: string;
  if (INTEGER.test(t)) unfit = `CAST(${sql} AS VARCHAR) IS DISTINCT FROM ${text}`;
  else if (t === 'DOUBLE' || t === 'FLOAT' || t === 'REAL')
    unfit = `${sql} IS NULL OR NOT regexp_full_match(${text}, ${JSON_NUMBER}) OR NOT ${doubleKeepsSql(text)}`;
  else if (t === 'BOOLEAN') unfit = `lower(${text}) NOT IN ('true', 'false')`;
  else if (t === 'DATE') unfit = `${sql} IS NULL OR NOT regexp_full_match(${text}, '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}')`;
  else unfit = `CAST(${sql} AS VARCHAR) IS DISTINCT FROM ${text}`;
  return { sql, drift: `(${text} IS NOT NULL AND (${unfit}))` };
}

/**
 * nullif(trim(text), ''), calling trim only where it can change something. trim copies every string it
 * is given, and ids and types rarely need it (it was half the cost of typing a batch). trim removes
 * Unicode spaces too, so any text that is not all ASCII (more bytes than characters) goes through it.
 */
export function trimmedOrNull(text: string): string {
  return `(CASE WHEN prefix(${text}, ' ') OR suffix(${text}, ' ') OR strlen(${text}) <> length(${text})
    THEN nullif(trim(${text}), '') ELSE nullif(${text}, '') END)`;
}

/**
 * Builds the SQL that turns staged rows into lake rows: picks the source of each canonical field (the
 * first alias the file has, so that a product "name" never stands in for a missing event type), derives
 * an identity from the whole record where there is no id, parses event time, and keeps every other
 * field under its own name.
 */
export function buildPlan(input: PlanInput): ImportPlan {
  const fields = input.fields.filter(
    (f) => !(input.kind === 'map' && f.key === SKIP_KEY) && !(input.kind === 'text' && f.key === LINE_COLUMN),
  );
  const keys = new Set(fields.map((f) => f.key));
  const refs = {} as Record<CanonicalField, SourceRef | undefined>;
  const sources = {} as Record<CanonicalField, string | undefined>;
  for (const canonical of CANONICAL_FIELDS) {
    const chosen = canonical === 'occurred_at' && input.timeFrom && 'alias' in input.timeFrom ? [input.timeFrom.alias] : [];
    for (const alias of [...chosen, ...input.aliases[canonical]]) {
      const found = findSource(alias, keys);
      if (found) {
        refs[canonical] = found;
        sources[canonical] = alias;
        break;
      }
    }
  }
  const combined = input.timeFrom && 'date' in input.timeFrom ? input.timeFrom : undefined;
  if (combined) sources.occurred_at = `${combined.date} + ${combined.time}`;

  const line =
    input.lineSql ??
    (input.kind === 'map' ? `(rowid + ${input.firstRowLine})` : input.kind === 'text' ? ident(LINE_COLUMN) : '(rowid + 1)');
  const inner: OutputColumn[] = [
    { name: '_line', sql: input.positionless ? 'NULL::BIGINT' : line },
    { name: '_row', sql: input.positionless ? 'NULL::BIGINT' : 'rowid' },
    { name: '_skip', sql: input.kind === 'map' && input.hasPlaceholders ? `(json[${literal(SKIP_KEY)}] IS NOT NULL)` : 'false' },
    { name: '_invalid', sql: input.kind === 'map' ? '(json IS NULL)' : 'false' },
    // The whole record, for ids derived from content; rendered only where a row has no id (coalesce is lazy).
    {
      name: '_record',
      sql: input.kind === 'map' ? 'json' : `struct_pack(${fields.map((f) => `${ident(f.key)} := ${ident(f.key)}`).join(', ')})`,
    },
    ...fields.map((f, i) => ({ name: valueName(i), sql: input.kind === 'map' ? `json[${literal(f.key)}]` : ident(f.key) })),
  ];
  const ref = (key: string) => ident(valueName(fields.findIndex((f) => f.key === key)));
  const textOf = (key: string) => (input.kind === 'typed' ? `CAST(${ref(key)} AS VARCHAR)` : ref(key));
  /** A canonical field's text: a field's own, or a value inside a nested one (`--map occurred_at=properties.time`). */
  const sourceText = (source: SourceRef) => {
    if (!source.path) return textOf(source.key);
    const json = input.kind === 'typed' ? `to_json(${ref(source.key)})` : ref(source.key);
    return `json_extract_string(${json}, ${literal(jsonPath(source.path))})`;
  };

  const content = input.noDerivedIds
    ? 'NULL::VARCHAR'
    : input.kind === 'map'
      ? recordIdentitySql('_record')
      : 'md5(CAST(to_json(_record) AS VARCHAR))';
  const idRef = refs.event_id;
  const eventId = idRef ? `coalesce(${trimmedOrNull(sourceText(idRef))}, ${content})` : content;
  const typeRef = refs.event_type;
  const eventType = typeRef ? trimmedOrNull(sourceText(typeRef)) : 'NULL::VARCHAR';
  const timeRef = combined ? undefined : refs.occurred_at;
  const timeFormat = input.timeFormat ?? 'iso';
  let occurredAt = 'NULL::TIMESTAMPTZ';
  let timeText = 'NULL';
  if (combined) {
    timeText = `(${textOf(combined.date)} || ' ' || ${textOf(combined.time)})`;
    occurredAt = parseEventTime(trimmedOrNull(timeText), timeFormat, input.zones);
  } else if (timeRef) {
    const field = fields.find((f) => f.key === timeRef.key) as SourceField;
    timeText = sourceText(timeRef);
    occurredAt =
      input.kind === 'typed' && !timeRef.path && field.type !== 'VARCHAR' && timeFormat === 'iso'
        ? typedToTimestamptz(ref(timeRef.key), field.type, input.zones)
        : parseEventTime(trimmedOrNull(timeText), timeFormat, input.zones);
  }
  const text = new Map(fields.map((f) => [f.key, textOf(f.key)]));
  // Every field the event time could come from, in the order they would be chosen, for the type checks to look at.
  const timeCandidates: ImportPlan['timeCandidates'] = [];
  const mapped = input.timeFrom && 'alias' in input.timeFrom ? [input.timeFrom.alias] : [];
  for (const alias of new Set([...mapped, ...input.aliases.occurred_at])) {
    const found = findSource(alias, keys);
    if (found) timeCandidates.push({ alias, text: sourceText(found) });
  }
  const dateKey = fields.find((f) => f.key.toLowerCase() === 'date')?.key;

  const columns: OutputColumn[] = [
    { name: 'event_id', sql: eventId },
    { name: 'event_type', sql: eventType },
    { name: 'occurred_at', sql: occurredAt },
  ];
  const taken = new Set(['event_id', 'event_type', 'occurred_at', ...RESERVED].map((n) => n.toLowerCase()));
  const drift: DriftCheck[] = [];
  const numeric: ImportPlan['numeric'] = [];
  const columnOf = new Map<string, string>();
  for (const c of CANONICAL_FIELDS) {
    const r = refs[c];
    if (r && !r.path && (c !== 'occurred_at' || !combined)) columnOf.set(r.key, c);
  }
  const renames: ImportPlan['renames'] = [];
  const reserved = new Set(RESERVED.map((n) => n.toLowerCase()));
  let unnamed = 0;
  for (const field of fields) {
    // A source field that feeds a canonical column of the same name is that column now.
    if (CANONICAL_FIELDS.some((c) => c === field.key && refs[c]?.key === field.key && !refs[c]?.path)) continue;
    // DuckDB's parser stops at a NUL, so no name may hold one.
    const usable = field.key.replace(/\0/g, '_');
    let name = usable.trim() === '' ? `field_${++unnamed}` : usable;
    let why = name === field.key ? undefined : usable !== field.key ? 'its name holds a NUL character' : 'its name is empty';
    if (
      reserved.has(name.toLowerCase()) ||
      (taken.has(name.toLowerCase()) && CANONICAL_FIELDS.includes(name.toLowerCase() as CanonicalField))
    ) {
      why = `${name} is a column every lake row has`;
      name = `source_${name}`;
    }
    // Names that differ only in case are one name to DuckDB; later ones get a number, as DuckDB's readers number them.
    const base = name;
    for (let n = 1; taken.has(name.toLowerCase()); n++) {
      name = `${base}_${n}`;
      why = 'another field has the same name but for case (DuckDB names ignore case)';
    }
    taken.add(name.toLowerCase());
    columnOf.set(field.key, name);
    if (why) renames.push({ key: field.key, column: name, why });
    if (input.kind === 'typed') {
      columns.push({ name, sql: ref(field.key) });
      continue;
    }
    const valueText = field.decimalComma ? `replace(${ref(field.key)}, ',', '.')` : ref(field.key);
    const value = field.native ? { sql: ref(field.key) } : castText(valueText, field.type, input.zones, field.timeFormat);
    columns.push({ name, sql: value.sql });
    if (field.numeric) numeric.push({ key: field.key, column: name, text: ref(field.key) });
    else if (value.drift) drift.push({ key: field.key, column: name, type: field.type, predicate: value.drift });
  }

  const aliasList = (c: CanonicalField) => input.aliases[c].join(', ');
  const rejectReason = `(CASE
    ${input.kind === 'map' ? `WHEN _invalid THEN 'not a valid JSON object'` : ''}
    WHEN (${eventType}) IS NULL THEN ${literal(`missing event type (none of: ${aliasList('event_type')})`)}
    WHEN (${timeText}) IS NULL THEN ${literal(`missing event time (none of: ${aliasList('occurred_at')})`)}
    WHEN (${occurredAt}) IS NULL THEN 'unparseable timestamp ' || to_json(${timeText})::VARCHAR
    WHEN NOT ${partitionable(`(${occurredAt})`, input.zones.local)} THEN 'event time ' || to_json(${timeText})::VARCHAR ||
      ' is before the year 1 in the workspace''s time zone: it has no partition date'
    ELSE NULL END)`;
  return {
    sources,
    inner,
    columns,
    rejectReason,
    drift,
    numeric,
    columnOf,
    renames,
    text,
    timeText,
    timeCandidates,
    ...(dateKey ? { dateField: { key: dateKey, text: textOf(dateKey) } } : {}),
  };
}

/**
 * Whether an event time has a partition date: its local date is not before the year 1 (DuckDB names such a partition
 * "0001-12-31 (BC)", which no reader takes back as a date). The bound is a constant in the workspace's zone.
 */
function partitionable(timestamptzSql: string, timezone: string): string {
  return `(${timestamptzSql} >= timezone(${literal(timezone)}, TIMESTAMP '0001-01-01 00:00:00'))`;
}

/** An event time in the file's format, or else as ISO 8601 or an epoch: a column may mix the two. */
function parseEventTime(text: string, format: TimeFormat, zones: TimeZones): string {
  const iso = parseTimeSql(text, 'iso', zones);
  return format === 'iso' ? iso : `coalesce(${parseTimeSql(text, format, zones)}, ${iso})`;
}

/** The inner projection of a plan (one lookup per source field), for checks over the staged rows. */
export function innerSelectOf(plan: ImportPlan, from: string): string {
  return innerSelect(plan, from);
}

function innerSelect(plan: ImportPlan, from: string, extra: OutputColumn[] = []): string {
  return `SELECT ${[...plan.inner, ...extra].map((c) => `${c.sql} AS ${ident(c.name)}`).join(', ')} FROM ${from}`;
}

/**
 * The SELECT that produces lake rows (event_date and the metadata columns last) from the staged table.
 * Each source field is looked up once in an inner projection and cast in the outer one.
 */
export function selectLakeRows(plan: ImportPlan, input: PlanInput, from: string): string {
  const columns = plan.columns.map((c) => `${c.sql} AS ${ident(c.name)}`).join(',\n      ');
  // The file's path as a one-value ENUM: Parquet stores it as a dictionary column either way and DuckDB reads it back
  // as VARCHAR, but the writer then copies a code per row instead of hashing a long string.
  const file = literal(input.sourceFile);
  return `SELECT * EXCLUDE (_line, _invalid, _skip, _row), ${localDateSql('occurred_at', input.zones.local)} AS event_date,
      CAST(${file} AS ENUM(${file})) AS _source_file, _line AS _source_line,
      TIMESTAMPTZ ${literal(input.importedAt)} AS _imported_at, ${input.importId}::BIGINT AS _import_id
    FROM (SELECT ${columns}, _line, _row, _invalid, _skip FROM (${innerSelect(plan, from)}))
    WHERE NOT _skip AND NOT _invalid AND event_type IS NOT NULL AND occurred_at IS NOT NULL
      AND ${partitionable('occurred_at', input.zones.local)}`;
}

/**
 * Every source row typed as selectLakeRows types it, none filtered out, with `_ok` true exactly for
 * the rows selectLakeRows lands; event_date comes last before `_ok`, and there are no metadata columns.
 */
export function selectTypedRows(plan: ImportPlan, input: PlanInput, from: string): string {
  const columns = plan.columns.map((c) => `${c.sql} AS ${ident(c.name)}`).join(',\n      ');
  return `SELECT * EXCLUDE (_invalid, _skip), ${localDateSql('occurred_at', input.zones.local)} AS event_date,
      (NOT _skip AND NOT _invalid AND event_type IS NOT NULL AND occurred_at IS NOT NULL
        AND ${partitionable('occurred_at', input.zones.local)}) AS _ok
    FROM (SELECT ${columns}, _invalid, _skip FROM (${innerSelect(plan, from)}))`;
}

/** Rows held back, with their reason (rejectReason IS NULL exactly for the rows selectLakeRows lands). */
export function selectRejects(plan: ImportPlan, from: string, rawSql?: string): string {
  const extra = rawSql ? [{ name: '_raw_text', sql: rawSql }] : [];
  return `SELECT _line::DOUBLE AS line, reason${rawSql ? ', _raw_text AS raw' : ''}
    FROM (SELECT _line, ${plan.rejectReason} AS reason${rawSql ? ', _raw_text' : ''}
          FROM (${innerSelect(plan, from, extra)}) WHERE NOT _skip)
    WHERE reason IS NOT NULL ORDER BY line`;
}

/**
 * One pass over the staged rows that checks types: a boolean per drift check (does any row hold a value its column's
 * type cannot take?) and a first look at each numeric field's values (`num_<i>_…`, numbers.ts).
 */
export function selectTypeChecks(plan: ImportPlan, from: string, extra: string[] = []): string | undefined {
  const columns = [
    ...extra,
    ...plan.drift.map((d, i) => `coalesce(bool_or(${d.predicate}), false) AS drift_${i}`),
    ...plan.numeric.flatMap((n, i) => numericFirstLookColumns(n.text, `num_${i}`)),
  ];
  if (columns.length === 0) return undefined;
  return `SELECT ${columns.join(', ')} FROM (${innerSelect(plan, from)}) WHERE NOT _skip`;
}

import { ident, literal } from '../util/sql.js';
import { CANONICAL_FIELDS, type CanonicalField } from '../workspace/settings.js';
import { LINE_COLUMN } from './frame-csv.js';
import { SKIP_KEY } from './frame-ndjson.js';
import { localDateSql, textToTimestamptz, typedToTimestamptz } from './timestamps.js';
import { LAKE_META_COLUMNS } from './views.js';

/**
 * How an import's staged rows are held in DuckDB:
 * - `map`: NDJSON and JSON, one row per line with every key as MAP(VARCHAR, JSON) in column `json`;
 * - `text`: CSV, every field as VARCHAR, with the source line in `__recount_line`;
 * - `typed`: Parquet, the file's own columns and types.
 */
export type StagedKind = 'map' | 'text' | 'typed';

export interface SourceField {
  /** The field's name in the source record. */
  key: string;
  /** DuckDB type the lake stores it as. */
  type: string;
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
  /** The workspace's zone: zone-less times are local to it, and partition dates are its local dates. */
  timezone: string;
}

export interface OutputColumn {
  name: string;
  sql: string;
}

export interface DriftCheck {
  key: string;
  column: string;
  type: string;
  predicate: string;
}

export interface ImportPlan {
  /** The canonical fields' chosen source names (undefined: event_id derived from content, or missing). */
  sources: Record<CanonicalField, string | undefined>;
  line: string;
  /** Columns of the lake file, before event_date and the metadata columns. */
  columns: OutputColumn[];
  /** Rows that must not land: placeholders, invalid records, missing or unparseable type and time. */
  rejectReason: string;
  skip: string;
  drift: DriftCheck[];
}

const RESERVED = ['event_date', ...LAKE_META_COLUMNS];

function isInteger(type: string): boolean {
  return /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/i.test(type);
}

/** SQL accessors for a staged field, by how the import staged it. */
function accessors(kind: StagedKind, key: string) {
  if (kind === 'map') {
    const raw = `json[${literal(key)}]`;
    return {
      raw,
      text: `(${raw} ->> '$')`,
      present: `(${raw} IS NOT NULL AND CAST(${raw} AS VARCHAR) <> 'null')`,
    };
  }
  const col = ident(key);
  return { raw: col, text: kind === 'text' ? col : `CAST(${col} AS VARCHAR)`, present: `(${col} IS NOT NULL)` };
}

function typedValue(kind: StagedKind, field: SourceField): { sql: string; drift?: string } {
  const a = accessors(kind, field.key);
  const type = field.type.toUpperCase();
  if (kind === 'typed') return { sql: a.raw };
  if (type === 'VARCHAR') return { sql: a.text };
  if (type === 'JSON') return { sql: kind === 'map' ? a.raw : `CAST(${a.raw} AS JSON)` };
  if (kind === 'text') {
    // CSV types were inferred from every value, so a cast cannot lose anything here.
    return { sql: `TRY_CAST(${a.raw} AS ${field.type})` };
  }
  const sql = `TRY_CAST(${a.raw} AS ${field.type})`;
  // JSON casts round 1.5 into an integer column; a decimal point or exponent is drift, not a value.
  const notInteger = isInteger(type)
    ? ` OR contains(CAST(${a.raw} AS VARCHAR), '.') OR contains(lower(CAST(${a.raw} AS VARCHAR)), 'e')`
    : '';
  return { sql, drift: `(${a.present} AND (${sql} IS NULL${notInteger}))` };
}

/**
 * Builds the SQL that turns staged rows into lake rows: picks the source of each canonical field (the
 * first alias the file has, so that a product "name" never stands in for a missing event type), derives
 * an identity from the whole record where there is no id, parses event time, and keeps every other
 * field under its own name.
 */
export function buildPlan(input: PlanInput): ImportPlan {
  const keys = new Set(input.fields.map((f) => f.key));
  const sources = {} as Record<CanonicalField, string | undefined>;
  for (const canonical of CANONICAL_FIELDS) {
    sources[canonical] = input.aliases[canonical].find((alias) => keys.has(alias));
  }

  const line =
    input.kind === 'map' ? `(rowid + ${input.firstRowLine})` : input.kind === 'text' ? ident(LINE_COLUMN) : '(rowid + 1)';

  const content =
    input.kind === 'map'
      ? `md5(CAST(json AS VARCHAR))`
      : `md5(CAST(to_json(struct_pack(${input.fields.map((f) => `${ident(f.key)} := ${ident(f.key)}`).join(', ')})) AS VARCHAR))`;
  const idSource = sources.event_id;
  const eventId = idSource ? `coalesce(nullif(trim(${accessors(input.kind, idSource).text}), ''), ${content})` : content;
  const typeSource = sources.event_type;
  const eventType = typeSource ? `nullif(trim(${accessors(input.kind, typeSource).text}), '')` : 'NULL::VARCHAR';
  const timeSource = sources.occurred_at;
  let occurredAt = 'NULL::TIMESTAMPTZ';
  if (timeSource) {
    const field = input.fields.find((f) => f.key === timeSource) as SourceField;
    occurredAt =
      input.kind === 'typed'
        ? typedToTimestamptz(ident(timeSource), field.type, input.timezone)
        : textToTimestamptz(accessors(input.kind, timeSource).text, input.timezone);
  }

  const columns: OutputColumn[] = [
    { name: 'event_id', sql: eventId },
    { name: 'event_type', sql: eventType },
    { name: 'occurred_at', sql: occurredAt },
  ];
  const taken = new Set(['event_id', 'event_type', 'occurred_at', ...RESERVED].map((n) => n.toLowerCase()));
  const drift: DriftCheck[] = [];
  let unnamed = 0;
  for (const field of input.fields) {
    if (input.kind === 'map' && field.key === SKIP_KEY) continue;
    if (input.kind === 'text' && field.key === LINE_COLUMN) continue;
    // A source field that feeds a canonical column of the same name is that column now.
    if (CANONICAL_FIELDS.some((c) => c === field.key && sources[c] === field.key)) continue;
    let name = field.key.trim() === '' ? `field_${++unnamed}` : field.key;
    if (taken.has(name.toLowerCase())) name = `source_${name}`;
    for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${field.key}_${n}`;
    taken.add(name.toLowerCase());
    const value = typedValue(input.kind, field);
    columns.push({ name, sql: value.sql });
    if (value.drift) drift.push({ key: field.key, column: name, type: field.type, predicate: value.drift });
  }

  const skip = input.kind === 'map' && input.hasPlaceholders ? `(json[${literal(SKIP_KEY)}] IS NOT NULL)` : 'false';
  const aliasList = (c: CanonicalField) => input.aliases[c].join(', ');
  const timeText = timeSource ? accessors(input.kind, timeSource).text : 'NULL';
  const invalid = input.kind === 'map' ? `WHEN json IS NULL THEN 'not a valid JSON object'` : '';
  const rejectReason = `(CASE
    ${invalid}
    WHEN (${eventType}) IS NULL THEN ${literal(`missing event type (none of: ${aliasList('event_type')})`)}
    WHEN ${timeSource ? `(${timeText}) IS NULL` : 'true'} THEN ${literal(`missing event time (none of: ${aliasList('occurred_at')})`)}
    WHEN (${occurredAt}) IS NULL THEN 'unparseable timestamp ' || to_json(${timeText})::VARCHAR
    ELSE NULL END)`;
  return { sources, line, columns, rejectReason, skip, drift };
}

/** The SELECT that produces lake rows (event_date and the metadata columns last) from the staged table. */
export function selectLakeRows(plan: ImportPlan, input: PlanInput, from: string, drift: readonly DriftCheck[]): string {
  const flags: OutputColumn[] = [
    { name: '_line', sql: plan.line },
    { name: '_skip', sql: plan.skip },
    { name: '_invalid', sql: input.kind === 'map' ? 'json IS NULL' : 'false' },
    ...drift.map((d, i) => ({ name: `_drift_${i}`, sql: d.predicate })),
  ];
  const inner = [...plan.columns, ...flags].map((c) => `${c.sql} AS ${ident(c.name)}`).join(',\n      ');
  // Equivalent to rejectReason IS NULL, without evaluating the reasons on the hot path.
  const ok = [
    'NOT _skip',
    'NOT _invalid',
    'event_type IS NOT NULL',
    'occurred_at IS NOT NULL',
    ...drift.map((_, i) => `NOT _drift_${i}`),
  ];
  return `SELECT * EXCLUDE (${flags.map((f) => f.name).join(', ')}), ${localDateSql('occurred_at', input.timezone)} AS event_date,
      ${literal(input.sourceFile)} AS _source_file, _line AS _source_line,
      TIMESTAMPTZ ${literal(input.importedAt)} AS _imported_at, ${input.importId}::BIGINT AS _import_id
    FROM (SELECT ${inner} FROM ${from})
    WHERE ${ok.join(' AND ')}`;
}

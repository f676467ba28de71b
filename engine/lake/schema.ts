import { formatType, normalizeTypeText, parseType, type LakeType } from './types.js';

/**
 * Schema evolution across imports. Each import's files keep the types the import gave them, and are never rewritten.
 * The workspace has one type per lake column, and the lake's views (views.ts) cast each import's columns to it. A
 * column's lake type only ever widens to a type that holds every value of both exactly:
 *
 * - integers to a wider integer, or DECIMAL(38,0) past 64 bits (never HUGEINT: DuckDB writes it to Parquet as DOUBLE);
 * - integers and decimals to a DECIMAL with room for both; to DOUBLE only where every integer stored is within 2^53
 *   and every decimal has at most 15 digits, which a double gives back (checked on the data);
 * - FLOAT to DOUBLE; JSON and text to text (the same characters);
 * - structs to the struct with the fields of both (a field either lacks is NULL), lists and maps element-wise;
 * - nested values and JSON to JSON.
 *
 * Anything else (an integer and text, a number and a time, a struct and a number) has no such type: the new file's
 * field is then a column of its own, `<name>_<type>` (`n_varchar`), and the summary names it, so the lake stays
 * queryable and no stored value changes its meaning (`sum(n)` over the first file's rows still works).
 */

const INTEGER_RANGES: Record<string, [bigint, bigint]> = {
  TINYINT: [-(2n ** 7n), 2n ** 7n - 1n],
  SMALLINT: [-(2n ** 15n), 2n ** 15n - 1n],
  INTEGER: [-(2n ** 31n), 2n ** 31n - 1n],
  BIGINT: [-(2n ** 63n), 2n ** 63n - 1n],
  UTINYINT: [0n, 2n ** 8n - 1n],
  USMALLINT: [0n, 2n ** 16n - 1n],
  UINTEGER: [0n, 2n ** 32n - 1n],
  UBIGINT: [0n, 2n ** 64n - 1n],
  HUGEINT: [-(2n ** 127n), 2n ** 127n - 1n],
};
/** Narrowest first: the first that holds both ranges is the integer supertype. */
const INTEGER_ORDER = ['TINYINT', 'UTINYINT', 'SMALLINT', 'USMALLINT', 'INTEGER', 'UINTEGER', 'BIGINT', 'UBIGINT'];
const MAX_PRECISION = 38;
/** A double holds every integer up to 2^53, and gives back every decimal of up to 15 digits. */
export const DOUBLE_EXACT_INTEGER = 2 ** 53;

function integerRange(type: LakeType): [bigint, bigint] | undefined {
  return type.kind === 'scalar' ? INTEGER_RANGES[type.name] : undefined;
}

function digits(n: bigint): number {
  return (n < 0n ? -n : n).toString().length;
}

/** A numeric type as a DECIMAL's integer digits and scale (integers have scale 0). */
function asDecimal(type: LakeType): { integer: number; scale: number } | undefined {
  const range = integerRange(type);
  if (range) return { integer: Math.max(digits(range[0]), digits(range[1])), scale: 0 };
  if (type.kind === 'decimal') return { integer: type.precision - type.scale, scale: type.scale };
  return undefined;
}

/** A check on stored data that a widening needs: every integer leaf at `path` within ±limit (for DOUBLE). */
export interface RangeCheck {
  /** Which side's values: the lake's stored files, or the new import's. */
  side: 'lake' | 'import';
  /** Steps into the value: a struct field's name, or '[]' for a list's elements. */
  path: string[];
  limit: number;
}

export interface Supertype {
  type: LakeType;
  checks: RangeCheck[];
}

function isScalar(type: LakeType, ...names: string[]): boolean {
  return type.kind === 'scalar' && names.includes(type.name);
}

function equal(a: LakeType, b: LakeType): boolean {
  return formatType(a) === formatType(b);
}

/** The narrowest type that holds every value of `lake` and `incoming` exactly, with the data checks it needs. */
export function exactSupertype(lake: LakeType, incoming: LakeType, path: string[] = []): Supertype | undefined {
  if (equal(lake, incoming)) return { type: lake, checks: [] };
  const ra = integerRange(lake);
  const rb = integerRange(incoming);
  if (ra && rb) {
    const low = ra[0] < rb[0] ? ra[0] : rb[0];
    const high = ra[1] > rb[1] ? ra[1] : rb[1];
    const name = INTEGER_ORDER.find((n) => {
      const [l, h] = INTEGER_RANGES[n] as [bigint, bigint];
      return l <= low && h >= high;
    });
    return { type: name ? { kind: 'scalar', name } : { kind: 'decimal', precision: MAX_PRECISION, scale: 0 }, checks: [] };
  }
  const da = asDecimal(lake);
  const db = asDecimal(incoming);
  if (da && db) {
    const scale = Math.max(da.scale, db.scale);
    const precision = Math.max(da.integer, db.integer) + scale;
    if (precision <= MAX_PRECISION) return { type: { kind: 'decimal', precision, scale }, checks: [] };
    return undefined;
  }
  if (isScalar(lake, 'FLOAT', 'DOUBLE') && isScalar(incoming, 'FLOAT', 'DOUBLE')) {
    return { type: { kind: 'scalar', name: 'DOUBLE' }, checks: [] };
  }
  // A number and a double: DOUBLE, if the other side's values are ones a double gives back.
  const doubleSide = isScalar(lake, 'FLOAT', 'DOUBLE') ? 'lake' : isScalar(incoming, 'FLOAT', 'DOUBLE') ? 'import' : undefined;
  if (doubleSide) {
    const other = doubleSide === 'lake' ? incoming : lake;
    const otherSide = doubleSide === 'lake' ? 'import' : 'lake';
    const range = integerRange(other);
    if (range) {
      const fits = range[0] >= -BigInt(DOUBLE_EXACT_INTEGER) && range[1] <= BigInt(DOUBLE_EXACT_INTEGER);
      return {
        type: { kind: 'scalar', name: 'DOUBLE' },
        checks: fits ? [] : [{ side: otherSide, path, limit: DOUBLE_EXACT_INTEGER }],
      };
    }
    if (other.kind === 'decimal' && other.precision <= 15) return { type: { kind: 'scalar', name: 'DOUBLE' }, checks: [] };
    return undefined;
  }
  if (isScalar(lake, 'VARCHAR', 'JSON') && isScalar(incoming, 'VARCHAR', 'JSON')) {
    return { type: { kind: 'scalar', name: 'VARCHAR' }, checks: [] };
  }
  const nested = (t: LakeType) => t.kind === 'struct' || t.kind === 'list' || t.kind === 'map' || t.kind === 'array';
  if ((isScalar(lake, 'JSON') && nested(incoming)) || (isScalar(incoming, 'JSON') && nested(lake))) {
    return { type: { kind: 'scalar', name: 'JSON' }, checks: [] };
  }
  if (lake.kind === 'list' && incoming.kind === 'list') {
    const of = exactSupertype(lake.of, incoming.of, [...path, '[]']);
    return of ? { type: { kind: 'list', of: of.type }, checks: of.checks } : undefined;
  }
  if (lake.kind === 'map' && incoming.kind === 'map') {
    const key = exactSupertype(lake.key, incoming.key, [...path, '[key]']);
    const value = exactSupertype(lake.value, incoming.value, [...path, '[value]']);
    // Range checks inside maps are not supported: a widening that needs one is not taken.
    if (!key || !value || key.checks.length > 0 || value.checks.length > 0) return undefined;
    return { type: { kind: 'map', key: key.type, value: value.type }, checks: [] };
  }
  if (lake.kind === 'struct' && incoming.kind === 'struct') {
    const fields: [string, LakeType][] = [];
    const checks: RangeCheck[] = [];
    const incomingByName = new Map(incoming.fields.map(([n, t]) => [n.toLowerCase(), t]));
    for (const [name, type] of lake.fields) {
      const other = incomingByName.get(name.toLowerCase());
      if (!other) {
        fields.push([name, type]);
        continue;
      }
      const merged = exactSupertype(type, other, [...path, name]);
      if (!merged) return undefined;
      fields.push([name, merged.type]);
      checks.push(...merged.checks);
    }
    const known = new Set(lake.fields.map(([n]) => n.toLowerCase()));
    for (const [name, type] of incoming.fields) if (!known.has(name.toLowerCase())) fields.push([name, type]);
    return { type: { kind: 'struct', fields }, checks };
  }
  return undefined;
}

/** A short name for a type, for the column a conflicting field is stored as: n_varchar, ts_timestamptz, p_struct. */
export function typeSlug(type: LakeType): string {
  switch (type.kind) {
    case 'scalar':
      return type.name.toLowerCase().replace(/[^a-z0-9]+/g, '_');
    case 'decimal':
      return 'decimal';
    case 'list':
    case 'array':
      return 'list';
    case 'struct':
      return 'struct';
    case 'map':
      return 'map';
    case 'other':
      return type.text.toLowerCase().replace(/[^a-z0-9]+/g, '_');
  }
}

/** SQL for the largest magnitude of the integers at `path` inside a value (for a RangeCheck over stored rows). */
export function maxMagnitudeSql(column: string, path: string[]): string {
  let depth = 0;
  const inner = (expr: string, steps: string[]): string => {
    if (steps.length === 0) return `abs(${expr})`;
    const [step, ...rest] = steps as [string, ...string[]];
    if (step === '[]') {
      const v = `x${depth++}`;
      return `list_max(list_transform(${expr}, ${v} -> ${inner(v, rest)}))`;
    }
    return inner(`struct_extract(${expr}, '${step.replace(/'/g, "''")}')`, rest);
  };
  return `max(${inner(column, path)})`;
}

export interface LakeColumn {
  name: string;
  type: string;
}

/** One column of an import's files, and the lake column it is read as. */
export interface ColumnMapping {
  /** The column's name in the import's files. */
  column: string;
  /** Its type in the files. */
  type: string;
  lakeColumn: string;
}

export interface Resolution {
  mappings: ColumnMapping[];
  /** Lake columns added, or widened (`previous` their type before). */
  lakeChanges: { name: string; type: string; previous?: string }[];
  notes: { column: string; kind: 'lake-widened' | 'conflict'; detail: string }[];
}

/**
 * How a new import's columns join the lake: each under its own name with the lake's type widened as needed, or, where
 * no type holds both, as a column of its own. `holds` runs a range check on stored data (a widening to DOUBLE).
 */
export async function resolveColumns(
  lake: readonly LakeColumn[],
  written: readonly { column: string; type: string }[],
  holds: (check: RangeCheck, lakeColumn: string, fileColumn: string) => Promise<boolean>,
): Promise<Resolution> {
  const byName = new Map(lake.map((c) => [c.name.toLowerCase(), { name: c.name, type: normalizeTypeText(c.type) }]));
  const resolution: Resolution = { mappings: [], lakeChanges: [], notes: [] };
  const change = (name: string, type: string, previous?: string) => {
    const existing = resolution.lakeChanges.find((c) => c.name === name);
    if (existing) existing.type = type;
    else resolution.lakeChanges.push({ name, type, ...(previous ? { previous } : {}) });
    byName.set(name.toLowerCase(), { name, type });
  };
  const widen = async (target: LakeColumn, column: { column: string; type: string }): Promise<string | undefined> => {
    const merged = exactSupertype(parseType(target.type), parseType(column.type));
    if (!merged) return undefined;
    for (const check of merged.checks) if (!(await holds(check, target.name, column.column))) return undefined;
    return formatType(merged.type);
  };
  for (const raw of written) {
    const column = { column: raw.column, type: normalizeTypeText(raw.type) };
    const existing = byName.get(column.column.toLowerCase());
    if (!existing) {
      change(column.column, column.type);
      resolution.mappings.push({ ...column, lakeColumn: column.column });
      continue;
    }
    const merged = await widen(existing, column);
    if (merged) {
      if (merged !== existing.type) {
        change(existing.name, merged, existing.type);
        resolution.notes.push({
          column: existing.name,
          kind: 'lake-widened',
          detail: `the lake's ${existing.type} widened to ${merged} to hold this file's ${column.type} values too (every stored value stays as it was)`,
        });
      }
      resolution.mappings.push({ ...column, lakeColumn: existing.name });
      continue;
    }
    // No type holds both: this file's field gets a column of its own, or joins the one an earlier conflict made.
    const alias = `${existing.name}_${typeSlug(parseType(column.type))}`;
    const aliased = byName.get(alias.toLowerCase());
    const aliasType = aliased ? await widen(aliased, column) : column.type;
    let lakeColumn = alias;
    if (aliased && !aliasType) {
      let n = 2;
      while (byName.has(`${alias}_${n}`.toLowerCase())) n++;
      lakeColumn = `${alias}_${n}`;
    }
    const type = aliased && aliasType ? aliasType : column.type;
    const before = byName.get(lakeColumn.toLowerCase());
    if (!before || before.type !== type) change(lakeColumn, type, before?.type);
    resolution.mappings.push({ ...column, lakeColumn });
    resolution.notes.push({
      column: lakeColumn,
      kind: 'conflict',
      detail: `the lake holds ${existing.name} as ${existing.type}, which this file's ${column.type} values do not fit: they are stored as ${lakeColumn}, and ${existing.name} keeps its meaning`,
    });
  }
  return resolution;
}

export { parseType, formatType };

/**
 * JSON structures as DuckDB's `json_structure()` describes a value: a type name for a leaf (UBIGINT, BIGINT,
 * DOUBLE, VARCHAR, BOOLEAN, NULL, or JSON where values disagree), an object of structures, or a one-element
 * array. An import types each nested field from the structures of all its values rather than from a sample,
 * because casting JSON to a STRUCT silently drops keys the type lacks and nulls leaves that do not fit.
 *
 * The merge is written here, not left to DuckDB's `json_group_structure()`: that aggregate merges value by
 * value, where merging the few distinct structures does the same work once per structure. The rules follow
 * DuckDB's.
 */
export type Structure = string | Structure[] | { [key: string]: Structure };

function isObject(s: Structure): s is { [key: string]: Structure } {
  return typeof s === 'object' && !Array.isArray(s);
}

const INTEGERS = new Set(['UBIGINT', 'BIGINT', 'HUGEINT']);

function mergeLeaves(a: string, b: string): string {
  if (a === b) return a;
  if (a === 'NULL') return b;
  if (b === 'NULL') return a;
  if (INTEGERS.has(a) && INTEGERS.has(b)) return 'HUGEINT';
  if ((INTEGERS.has(a) || a === 'DOUBLE') && (INTEGERS.has(b) || b === 'DOUBLE')) return 'DOUBLE';
  return 'JSON';
}

/** The structure that describes values of both; keys keep the order they were first seen in. */
export function mergeStructures(a: Structure, b: Structure): Structure {
  if (a === 'NULL') return b;
  if (b === 'NULL') return a;
  if (typeof a === 'string' && typeof b === 'string') return mergeLeaves(a, b);
  if (Array.isArray(a) && Array.isArray(b)) return [mergeStructures(a[0] ?? 'NULL', b[0] ?? 'NULL')];
  if (isObject(a) && isObject(b)) {
    // No prototype: a key named __proto__ is a key like any other.
    const merged: { [key: string]: Structure } = Object.assign(Object.create(null) as object, a);
    for (const [key, value] of Object.entries(b))
      merged[key] = key in merged ? mergeStructures(merged[key] as Structure, value) : value;
    return merged;
  }
  return 'JSON';
}

/**
 * The structure as `json_transform()` takes it to name the lake's type: integers as BIGINT (DuckDB's reader
 * types them so too), and JSON wherever a struct cannot hold the values as they are: no value seen (NULL), an
 * empty object, or keys that are empty or differ only in case (a struct's field names cannot).
 *
 * `longIntegers` says some value has a run of 19 digits, so an integer may not fit 64 signed bits: json_structure
 * calls every non-negative integer UBIGINT and a mix of signs HUGEINT whatever their size, and an integer beyond
 * 64 bits DOUBLE. Such leaves then become UBIGINT, DECIMAL(38,0) (Parquet has no 128-bit integer) and JSON text, so
 * that a cast never turns a big integer into NULL or rounds it.
 */
export function lakeStructure(structure: Structure, options: { longIntegers?: boolean; reasons?: Set<string> } = {}): Structure {
  const long = options.longIntegers === true;
  if (typeof structure === 'string') {
    if (long && (structure === 'UBIGINT' || structure === 'HUGEINT' || structure === 'DOUBLE')) {
      options.reasons?.add(
        'nested numbers that may be integers beyond 64 bits are stored exactly (UBIGINT, DECIMAL(38,0) or JSON text)',
      );
      return structure === 'UBIGINT' ? 'UBIGINT' : structure === 'HUGEINT' ? 'DECIMAL(38,0)' : 'JSON';
    }
    if (structure === 'UBIGINT' || structure === 'HUGEINT') return 'BIGINT';
    return structure === 'NULL' ? 'JSON' : structure;
  }
  if (Array.isArray(structure)) return [lakeStructure(structure[0] ?? 'NULL', options)];
  const keys = Object.keys(structure);
  if (keys.some((k) => k === '') || new Set(keys.map((k) => k.toLowerCase())).size !== keys.length) {
    options.reasons?.add(
      'objects with an empty key or keys that differ only in case are kept as JSON (a struct cannot name them)',
    );
    return 'JSON';
  }
  if (keys.length === 0) return 'JSON';
  return Object.fromEntries(keys.map((k) => [k, lakeStructure(structure[k] as Structure, options)]));
}

import type { Connection } from '../kernel/workspace/db.js';
import type { Result } from '../shared/contract.js';

export type FunctionInfo = Result<'schema.functions'>[number];

/** Overloads shown in a function's completion; the rest are counted. */
const MAX_SIGNATURES = 4;
/** Parameters written out in one signature (read_parquet has thirty named ones). */
const MAX_PARAMETERS = 6;

interface FunctionRow extends Record<string, unknown> {
  name: string;
  type: string;
  description: string | null;
  return_type: string | null;
  parameters: string[] | null;
  parameter_types: (string | null)[] | null;
  varargs: string | null;
  examples: string[] | null;
  internal: boolean;
}

// Operators (`+`, `~~`) and DuckDB's `__internal_…` helpers are functions too, but nothing one types by name;
// pragmas are called with PRAGMA, not in an expression.
const LIST_SQL = `
  SELECT function_name AS name, function_type AS type, description, return_type, parameters, parameter_types, varargs,
         examples, internal
  FROM duckdb_functions()
  WHERE regexp_full_match(function_name, '[a-z][a-z0-9_]*') AND function_type <> 'pragma'
    AND internal = $internal
  ORDER BY function_name, function_type, len(parameters), function_oid`;

function kindOf(type: string): FunctionInfo['kind'] | undefined {
  if (type === 'scalar' || type === 'aggregate' || type === 'table' || type === 'macro') return type;
  // A table macro is called where a table goes, as a table function is.
  if (type === 'table_macro') return 'table';
  return undefined;
}

function signature(row: FunctionRow): string {
  const names = row.parameters ?? [];
  const types = row.parameter_types ?? [];
  const shown = names.slice(0, MAX_PARAMETERS).map((p, i) => (types[i] ? `${p} ${types[i]}` : p));
  if (names.length > MAX_PARAMETERS) shown.push('…');
  else if (row.varargs) shown.push(`${row.varargs}…`);
  return `${row.name}(${shown.join(', ')})${row.return_type ? ` → ${row.return_type}` : ''}`;
}

/** One entry a name and kind: its first overloads' signatures, how many there are, and what DuckDB says of it. */
export function groupFunctions(rows: readonly FunctionRow[]): FunctionInfo[] {
  const out: FunctionInfo[] = [];
  const byKey = new Map<string, { info: FunctionInfo; seen: Set<string> }>();
  for (const row of rows) {
    const kind = kindOf(row.type);
    if (!kind) continue;
    const key = `${row.name}\u0000${kind}`;
    let entry = byKey.get(key);
    if (!entry) {
      entry = { info: { name: row.name, kind, signatures: [], overloads: 0 }, seen: new Set() };
      byKey.set(key, entry);
      out.push(entry.info);
    }
    const { info, seen } = entry;
    const text = signature(row);
    if (seen.has(text)) continue;
    seen.add(text);
    info.overloads++;
    if (info.signatures.length < MAX_SIGNATURES) info.signatures.push(text);
    if (!info.description && row.description) info.description = row.description;
    if (!info.example && row.examples?.[0]) info.example = row.examples[0];
  }
  return out;
}

/**
 * The functions DuckDB offers, from its own `duckdb_functions()`: its built-ins are read once per connection they were
 * asked of (they change only with DuckDB), the user's macros every time (CREATE MACRO adds one).
 */
export class FunctionList {
  private builtins = new WeakMap<Connection, Promise<FunctionInfo[]>>();

  async list(connection: Connection): Promise<FunctionInfo[]> {
    let builtins = this.builtins.get(connection);
    if (!builtins) {
      builtins = connection.all<FunctionRow>(LIST_SQL, { internal: true }).then(groupFunctions);
      this.builtins.set(connection, builtins);
      builtins.catch(() => this.builtins.delete(connection));
    }
    const own = groupFunctions(await connection.all<FunctionRow>(LIST_SQL, { internal: false }));
    return [...(await builtins), ...own];
  }
}

import { createHash } from 'node:crypto';
import type { Connection } from '../workspace/db.js';
import { literal } from '../util/sql.js';

/** A node of DuckDB's serialized parse tree (json_serialize_sql). */
export type AstNode = Record<string, unknown> & { class?: string; type?: string };

export type ParseResult =
  { ok: true; statement: AstNode; fingerprint: string } | { ok: false; error: string; notSelect?: boolean };

/** The parse tree without source positions: two texts that differ only in layout or comments give the same tree. */
function stripLocations(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripLocations);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) if (key !== 'query_location') out[key] = stripLocations(child);
    return out;
  }
  return value;
}

/**
 * Parses one SQL statement with DuckDB's own parser. The fingerprint hashes the parse tree, so it
 * changes when the query changes and not when only whitespace or comments do.
 */
export async function parseStatement(connection: Connection, sql: string): Promise<ParseResult> {
  const row = await connection.one<{ j: string }>(`SELECT json_serialize_sql(${literal(sql)}) AS j`);
  // Positions of synthesized nodes are 2^64-1, which a JS number cannot hold; they carry no meaning here.
  const parsed = JSON.parse((row?.j ?? '{}').replace(/"query_location":\d{16,}/g, '"query_location":0')) as {
    error?: boolean;
    error_type?: string;
    error_message?: string;
    statements?: { node: AstNode }[];
  };
  if (parsed.error && /Only SELECT statements/.test(parsed.error_message ?? '')) {
    return { ok: false, error: 'only a SELECT statement is allowed here', notSelect: true };
  }
  if (parsed.error) {
    // Worded as DuckDB words it when it runs the statement ("Parser Error: syntax error at or near …").
    const kind = parsed.error_type ? `${parsed.error_type[0]?.toUpperCase()}${parsed.error_type.slice(1)} Error: ` : '';
    return { ok: false, error: `${kind}${parsed.error_message ?? 'the SQL does not parse'}` };
  }
  const statements = parsed.statements ?? [];
  if (statements.length !== 1) return { ok: false, error: `expected one SELECT statement, found ${statements.length}` };
  const statement = (statements[0] as { node: AstNode }).node;
  const fingerprint = createHash('sha256')
    .update(JSON.stringify(stripLocations(statement)))
    .digest('hex');
  return { ok: true, statement, fingerprint };
}

/** Turns a (possibly edited) parse tree back into SQL. */
export async function deparse(connection: Connection, statement: AstNode): Promise<string> {
  const json = JSON.stringify({ error: false, statements: [{ node: statement }] });
  const row = await connection.one<{ s: string }>(`SELECT json_deserialize_sql(${literal(json)}::JSON) AS s`);
  return row?.s ?? '';
}

/** The output column name DuckDB gives a select-list expression when it is obvious (an alias or a column). */
export function outputName(expression: AstNode): string | undefined {
  if (typeof expression.alias === 'string' && expression.alias !== '') return expression.alias;
  if (expression.class === 'COLUMN_REF') {
    const names = expression.column_names as string[];
    return names[names.length - 1];
  }
  return undefined;
}

/** The SELECT node whose select list names the output columns (the left side of a UNION). */
export function leadingSelect(node: AstNode): AstNode | undefined {
  if (node.type === 'SELECT_NODE') return node;
  if (node.type === 'SET_OPERATION_NODE') return leadingSelect(node.left as AstNode);
  return undefined;
}

export interface ColumnReferences {
  /**
   * Every name the query refers to as a column, anywhere (subqueries too). In `a.b`, both names, unless `a` is the
   * alias of an expression (`unnest(items) AS item`): then `b` is a field of it, not a column.
   */
  columns: Set<string>;
  /** Names the query defines itself: select-list, subquery and table aliases, CTE names. */
  defined: Set<string>;
}

/** The columns a query may read from its source, and the names it defines; 'all' when it selects `*` anywhere. */
export function referencedColumns(node: unknown): ColumnReferences | 'all' {
  const refs: string[][] = [];
  const expressionAliases = new Set<string>();
  const tableAliases = new Set<string>();
  const defined = new Set<string>();
  let all = false;
  const walk = (value: unknown) => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (!value || typeof value !== 'object') return;
    const n = value as AstNode;
    if (n.class === 'COLUMN_REF') refs.push((n.column_names as string[]) ?? []);
    if (n.class === 'STAR') all = true;
    if (typeof n.alias === 'string' && n.alias !== '') {
      defined.add(n.alias);
      // Expressions carry a class; table references do not.
      (typeof n.class === 'string' ? expressionAliases : tableAliases).add(n.alias);
    }
    if (n.cte_map && typeof n.cte_map === 'object') {
      for (const entry of (n.cte_map as { map?: { key: string }[] }).map ?? []) {
        defined.add(entry.key);
        tableAliases.add(entry.key);
      }
    }
    Object.values(n).forEach(walk);
  };
  walk(node);
  if (all) return 'all';
  const columns = new Set<string>();
  for (const names of refs) {
    const [first, ...rest] = names;
    if (first === undefined) continue;
    columns.add(first);
    if (!(expressionAliases.has(first) && !tableAliases.has(first))) for (const name of rest) columns.add(name);
  }
  return { columns, defined };
}

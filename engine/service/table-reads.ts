import type { Connection } from '../kernel/workspace/db.js';
import { isoTime } from '../kernel/workspace/catalog.js';
import { literal } from '../kernel/util/sql.js';
import { BATCH_TABLES, LAKE_TABLES, type TableChanges } from '../shared/saved-results.js';

type Node = Record<string, unknown>;

/** Names a parse tree reads as tables (FROM, JOIN, subqueries), less the CTEs it defines itself. */
function referencedNames(tree: unknown): Set<string> {
  const names = new Set<string>();
  const ctes = new Set<string>();
  const walk = (value: unknown) => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (!value || typeof value !== 'object') return;
    const node = value as Node;
    if (node.type === 'BASE_TABLE' && typeof node.table_name === 'string') names.add(node.table_name.toLowerCase());
    const map = (node.cte_map as { map?: { key?: unknown }[] } | undefined)?.map;
    if (Array.isArray(map)) for (const entry of map) if (typeof entry.key === 'string') ctes.add(entry.key.toLowerCase());
    Object.values(node).forEach(walk);
  };
  walk(tree);
  for (const cte of ctes) names.delete(cte);
  return names;
}

const NAME = String.raw`(?:"(?:[^"]|"")*"|[^\s."(]+)`;
const VIEW_HEAD = new RegExp(
  String.raw`^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+)?VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?${NAME}(?:\.${NAME}){0,2}\s*(?:\([^)]*\))?\s+AS\s+`,
  'i',
);

/** The query of a view, from the CREATE VIEW statement duckdb_views() keeps (its parser serializes only queries). */
export function viewQuery(definition: string): string | undefined {
  const head = VIEW_HEAD.exec(definition);
  return head ? definition.slice(head[0].length).replace(/;\s*$/, '') : undefined;
}

async function parseTree(connection: Connection, sql: string): Promise<unknown> {
  const row = await connection.one<{ j: string }>(`SELECT json_serialize_sql(${literal(sql)}) AS j`);
  // Positions of synthesized nodes are 2^64-1, which a JS number cannot hold; they carry no meaning here.
  const parsed = JSON.parse((row?.j ?? '{}').replace(/"query_location":\d{16,}/g, '"query_location":0')) as {
    error?: boolean;
    statements?: unknown[];
  };
  return parsed.error ? undefined : parsed.statements;
}

/**
 * The tables and views a statement reads, lower-case and sorted. DuckDB binds the statement and names the tables it
 * scans (the C API's duckdb_get_table_names), reaching through views to the tables under them; the views themselves
 * are found in the statement's parse tree (json_serialize_sql) and in their own definitions, so that a query of
 * `events` reads `events`, `raw_events` and what they scan. Names that are no table or view of the database (a file
 * read by a replacement scan) are left out. Runs on a connection nothing else is using.
 */
export async function tablesRead(connection: Connection, sql: string): Promise<string[]> {
  const found = new Set<string>();
  try {
    for (const name of connection.raw.getTableNames(sql, false)) found.add(name.toLowerCase());
  } catch {
    // A statement DuckDB cannot bind on its own (several statements, a PRAGMA): the parse tree still names its tables.
  }
  // DuckDB's binder does not always reach through a view of views (one joined USING names nothing), so each view's
  // own query is read too.
  const views = new Map(
    (
      await connection.all<{ name: string; sql: string | null }>(
        'SELECT lower(view_name) AS name, sql FROM duckdb_views() WHERE NOT internal',
      )
    ).map((v) => [v.name, v.sql ?? '']),
  );
  const pending = [sql];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const text = pending.pop() as string;
    const tree = await parseTree(connection, text).catch(() => undefined);
    for (const name of referencedNames(tree)) {
      found.add(name);
      const definition = viewQuery(views.get(name) ?? '');
      if (definition !== undefined && !seen.has(name)) {
        seen.add(name);
        pending.push(definition);
      }
    }
  }
  const existing = new Set(
    (
      await connection.all<{ name: string }>(
        'SELECT lower(table_name) AS name FROM duckdb_tables() WHERE NOT internal UNION SELECT lower(view_name) FROM duckdb_views() WHERE NOT internal',
      )
    ).map((r) => r.name),
  );
  return [...found].filter((n) => existing.has(n) && !/^result_[0-9a-f]{12}$/.test(n)).sort();
}

/**
 * When each of `tables` last changed, as the catalog records it: the lake's tables at the newest import, a summary
 * table at the newest partition written for its pipeline, the batch layer's tables at the newest run. Tables Recount
 * does not write (the analyst's own) have no entry: nothing says when they changed.
 */
export async function tableChanges(catalog: Connection, tables: readonly string[]): Promise<TableChanges> {
  const wanted = new Set(tables);
  const out: TableChanges = {};
  const lake = LAKE_TABLES.filter((t) => wanted.has(t));
  if (lake.length > 0) {
    const row = await catalog.one<{ at: string | null }>(`SELECT ${isoTime('max(imported_at)')} AS at FROM imports`);
    if (row?.at) for (const t of lake) out[t] = row.at;
  }
  const batch = BATCH_TABLES.filter((t) => wanted.has(t));
  if (batch.length > 0) {
    const row = await catalog.one<{ at: string | null }>(
      `SELECT ${isoTime('max(coalesce(finished_at, started_at))')} AS at FROM runs`,
    );
    if (row?.at) for (const t of batch) out[t] = row.at;
  }
  const summaries = await catalog.all<{ name: string; at: string }>(
    `SELECT lower(pipeline) AS name, ${isoTime('max(ran_at)')} AS at FROM pipeline_partitions GROUP BY 1`,
  );
  for (const s of summaries) if (wanted.has(s.name)) out[s.name] = s.at;
  return out;
}

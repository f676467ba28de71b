import type { Connection } from '../kernel/workspace/db.js';
import { outputName, parseStatement, type AstNode } from '../kernel/pipeline/ast.js';
import type { PipelineDefinition } from '../kernel/pipeline/definition.js';

/**
 * Whether a pipeline's rows for a partition depend only on the events of that partition's input dates, so that one
 * query over the input dates of many partitions gives each of them exactly the rows a query over its own dates gives.
 * Only a shape that proves it qualifies; anything else is run partition by partition, as it always can be:
 * - one SELECT over `events`, directly or through subqueries that only map rows (only DuckDB's own scalar functions;
 *   no grouping, window, DISTINCT, LIMIT, sample or join), with no common table expressions and no subquery
 *   expressions;
 * - grouped by its partition column (by name, by position or GROUP BY ALL), which is `event_date` itself or its
 *   `date_trunc` to the pipeline's grain (cast to DATE or not), so no group spans two partitions;
 * - no window function, QUALIFY, LIMIT or sample at the top either (each would look across groups).
 */
export async function isPartitionLocal(connection: Connection, pipeline: PipelineDefinition): Promise<boolean> {
  const parsed = await parseStatement(connection, pipeline.sql);
  if (!parsed.ok) return false;
  const top = parsed.statement;
  if (top.type !== 'SELECT_NODE' || !plainModifiers(top, true) || hasCtes(top) || top.qualify || top.sample) return false;
  const rowLevel = await scalarNames(connection);
  const expressions = [top.select_list, top.where_clause, top.group_expressions, top.having];
  if (expressions.some((e) => containsClass(e, ['WINDOW', 'SUBQUERY']))) return false;
  if (!rowMappingSource(top.from_table as AstNode, rowLevel)) return false;
  return groupedByPartition(top, pipeline);
}

// DuckDB's own scalar functions, read once per process: a function below the top that is not one of them (an aggregate,
// a macro, which may wrap one, or anything an extension added since) is taken to look across rows.
let scalars: Promise<Set<string>> | undefined;

function scalarNames(connection: Connection): Promise<Set<string>> {
  scalars ??= connection
    .all<{ name: string }>(
      `SELECT DISTINCT function_name AS name FROM duckdb_functions() WHERE function_type = 'scalar' AND internal
       EXCEPT SELECT function_name FROM duckdb_functions() WHERE function_type <> 'scalar'`,
    )
    // unnest in a select list maps a row to rows of its own; DuckDB lists it as a table function only.
    .then((rows) => new Set([...rows.map((r) => r.name.toLowerCase()), 'unnest', 'unlist']));
  scalars.catch(() => (scalars = undefined));
  return scalars;
}

/** ORDER BY is harmless (at the top it orders the output); LIMIT, and DISTINCT below the top, are not. */
function plainModifiers(node: AstNode, top: boolean): boolean {
  const modifiers = (node.modifiers as AstNode[] | undefined) ?? [];
  return modifiers.every((m) => m.type === 'ORDER_MODIFIER' || (top && m.type === 'DISTINCT_MODIFIER'));
}

function hasCtes(node: AstNode): boolean {
  const map = (node.cte_map as { map?: unknown[] } | undefined)?.map;
  return Array.isArray(map) && map.length > 0;
}

function containsClass(value: unknown, classes: string[]): boolean {
  if (Array.isArray(value)) return value.some((v) => containsClass(v, classes));
  if (!value || typeof value !== 'object') return false;
  const node = value as AstNode;
  if (typeof node.class === 'string' && classes.includes(node.class)) return true;
  return Object.values(node).some((v) => containsClass(v, classes));
}

/** Whether every function called is one of DuckDB's own scalars (operators are functions too). */
function rowLevelOnly(value: unknown, rowLevel: Set<string>): boolean {
  if (Array.isArray(value)) return value.every((v) => rowLevelOnly(v, rowLevel));
  if (!value || typeof value !== 'object') return true;
  const node = value as AstNode;
  if (node.class === 'FUNCTION' && !rowLevel.has(String(node.function_name).toLowerCase())) return false;
  return Object.values(node).every((v) => rowLevelOnly(v, rowLevel));
}

/** `events`, or a subquery over it that maps each row to rows of its own (a filter, a projection, an unnest). */
function rowMappingSource(from: AstNode | undefined, rowLevel: Set<string>): boolean {
  if (!from) return false;
  if (from.type === 'BASE_TABLE') return from.table_name === 'events' && !from.schema_name && !from.sample;
  if (from.type !== 'SUBQUERY' || from.sample) return false;
  const node = (from.subquery as { node?: AstNode } | undefined)?.node;
  if (!node || node.type !== 'SELECT_NODE' || !plainModifiers(node, false) || hasCtes(node)) return false;
  if (node.qualify || node.sample || node.having || (node.group_expressions as unknown[]).length > 0) return false;
  if (node.aggregate_handling !== 'STANDARD_HANDLING') return false;
  const expressions = [node.select_list, node.where_clause];
  if (expressions.some((e) => containsClass(e, ['WINDOW', 'SUBQUERY']) || !rowLevelOnly(e, rowLevel))) return false;
  return rowMappingSource(node.from_table as AstNode, rowLevel);
}

const GRAINS: Record<PipelineDefinition['grain'], string | null> = { day: null, week: 'week', month: 'month' };

/** `event_date`, or `date_trunc('<grain>', event_date)`, either cast to DATE or not. */
function partitionExpression(expression: AstNode, grain: PipelineDefinition['grain']): boolean {
  let e = expression;
  if (e.class === 'CAST' && (e.cast_type as { id?: string } | undefined)?.id === 'DATE' && !e.try_cast) e = e.child as AstNode;
  const isEventDate = (n: AstNode | undefined) =>
    n?.class === 'COLUMN_REF' && (n.column_names as string[]).at(-1) === 'event_date' && (n.column_names as string[]).length <= 2;
  const truncTo = GRAINS[grain];
  if (truncTo === null) return isEventDate(e);
  if (e.class !== 'FUNCTION' || e.function_name !== 'date_trunc' || e.filter || e.distinct) return false;
  const [unit, date] = e.children as AstNode[];
  const unitValue = (unit?.value as { value?: unknown } | undefined)?.value;
  return unit?.class === 'CONSTANT' && String(unitValue).toLowerCase() === truncTo && isEventDate(date);
}

function groupedByPartition(top: AstNode, pipeline: PipelineDefinition): boolean {
  const list = top.select_list as AstNode[];
  const index = list.findIndex((e) => outputName(e) === pipeline.partitionColumn);
  const expression = list[index];
  if (!expression || !partitionExpression(expression, pipeline.grain)) return false;
  const groups = top.group_expressions as AstNode[];
  if (groups.length === 0) return top.aggregate_handling === 'FORCE_AGGREGATES';
  if ((top.group_sets as unknown[]).length > 1) return false;
  const same = (a: AstNode, b: AstNode) => JSON.stringify(withoutPlaces(a)) === JSON.stringify(withoutPlaces(b));
  return groups.some((g) => {
    if (g.class === 'COLUMN_REF') return (g.column_names as string[]).at(-1) === pipeline.partitionColumn;
    const position = (g.value as { value?: unknown } | undefined)?.value;
    if (g.class === 'CONSTANT' && typeof position === 'number') return position === index + 1;
    return same(g, expression);
  });
}

function withoutPlaces(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPlaces);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => k !== 'query_location' && k !== 'alias')
      .map(([k, v]) => [k, withoutPlaces(v)]),
  );
}

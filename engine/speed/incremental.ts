import type { Connection } from '../kernel/workspace/db.js';
import { deparse, outputName, parseStatement, type AstNode } from '../kernel/pipeline/ast.js';
import { ident } from '../kernel/util/sql.js';
import type { PipelineDefinition } from '../kernel/pipeline/definition.js';

/**
 * Compiles a pipeline into an incremental form, so that one definition serves both layers: the batch
 * layer runs the SQL as written over a partition; the live view runs a *delta query* (the same FROM,
 * WHERE and GROUP BY, over only the arriving events) and merges its partial aggregates into state, then
 * a *finalize query* evaluates the original select list over the merged state for the groups that changed.
 * The cost of a batch therefore depends on the batch, not on how many events came before it.
 *
 * Decomposable aggregates only: count(*), count(x), sum(x), min(x), max(x), avg(x), count(DISTINCT x),
 * each optionally with FILTER (WHERE …), inside any expression (failed / nullif(succeeded + failed, 0)).
 * Anything else is reported, and the pipeline can still run in batch with `realtime: false`.
 */

export type AggregateKind = 'count' | 'sum' | 'min' | 'max' | 'avg' | 'count-distinct';

export interface AggregateSpec {
  kind: AggregateKind;
  /** Columns of the delta query that carry this aggregate's partial state (avg needs a sum and a count). */
  columns: string[];
}

export interface IncrementalPipeline {
  name: string;
  /** Delta query over `events`: one row per group, `__k0…` keys then the partial-state columns. */
  deltaSql: string;
  /**
   * The same for a batch of a few thousand rows: distinct counts' lists keep their repeats, which merging drops.
   * A DISTINCT aggregate sets up a hash table of its own, which for a small batch costs more than the rest of the
   * query; for big ones, the other way round.
   */
  smallDeltaSql: string;
  keyColumns: string[];
  aggregates: AggregateSpec[];
  /** Builds the finalize query over a table with the key and merged-state columns. */
  finalizeSql: (stateTable: string) => string;
  /** Output columns of the pipeline, in order; the first is the partition column. */
  outputColumns: string[];
  /** The output columns that are group keys (the partition column first); the rest are metrics. */
  keyOutputs: string[];
  /** Per output column: true when it is a plain count or sum, so differences add up across event sets. */
  additive: Record<string, boolean>;
  /**
   * When every output column is a group key or a merged aggregate as it stands (no expression over them, no
   * HAVING), which one each is: the finalize query would only read them back, so the state gives the rows itself.
   */
  direct?: DirectOutput[];
}

/** An output column read straight from state: a group key, or a merged aggregate, possibly CAST to BIGINT. */
export interface DirectOutput {
  from: 'key' | 'aggregate';
  index: number;
  /** `CAST(aggregate AS BIGINT)` (as pipelines write to keep an integer sum's column a BIGINT). */
  cast?: 'BIGINT';
}

export class NotIncrementalError extends Error {}

const DECOMPOSABLE = new Set(['count_star', 'count', 'sum', 'min', 'max', 'avg']);

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== 'query_location' && k !== 'alias') out[k] = strip(v);
    return out;
  }
  return value;
}

/** Structural identity of an expression: the same computation, whatever its alias or position in the text. */
function shape(node: unknown): string {
  return JSON.stringify(strip(node));
}

function clone<T>(node: T): T {
  return structuredClone(node);
}

function isExpression(value: unknown): value is AstNode {
  return Boolean(value && typeof value === 'object' && !Array.isArray(value) && typeof (value as AstNode).class === 'string');
}

/** Rewrites an expression tree bottom-up where `replace` returns a node; does not enter subqueries. */
function rewrite(node: AstNode, replace: (node: AstNode) => AstNode | undefined): AstNode {
  const replaced = replace(node);
  if (replaced) return replaced;
  const out: AstNode = { ...node };
  for (const [key, value] of Object.entries(node)) {
    if (key === 'subquery') continue;
    if (Array.isArray(value)) out[key] = value.map((v) => (isExpression(v) ? rewrite(v, replace) : v));
    else if (isExpression(value)) out[key] = rewrite(value, replace);
  }
  return out;
}

function visit(node: AstNode, each: (node: AstNode) => void): void {
  each(node);
  for (const [key, value] of Object.entries(node)) {
    if (key === 'subquery') continue;
    if (Array.isArray(value)) for (const v of value) if (isExpression(v)) visit(v, each);
    if (isExpression(value)) visit(value, each);
  }
}

function columnRef(name: string, alias = ''): AstNode {
  return { class: 'COLUMN_REF', type: 'COLUMN_REF', alias, query_location: 0, column_names: [name] };
}

async function parseExpression(connection: Connection, sql: string): Promise<AstNode> {
  const parsed = await parseStatement(connection, `SELECT ${sql}`);
  if (!parsed.ok) throw new Error(`internal: cannot parse ${sql}: ${parsed.error}`);
  return (parsed.statement.select_list as AstNode[])[0] as AstNode;
}

/** A pipeline compiled as far as its text goes: what is left needs `events` to bind (its output column names). */
export interface IncrementalPlan {
  name: string;
  /** Finishes the compile on a connection where `events` has the schema live rows are typed to. */
  bind(connection: Connection): Promise<IncrementalPipeline>;
}

/** The parse tree of `SELECT * FROM __state__`: the same for every pipeline, parsed once. */
let stateFromTable: Promise<AstNode> | undefined;

/**
 * Compiles a pipeline in two steps: this one works from its text alone, so it can run before any event has shown
 * the schema (it is most of the work: DuckDB's parse trees going to and from JSON); `bind` finishes it.
 */
export async function planIncremental(
  connection: Connection,
  pipeline: PipelineDefinition,
  aggregateFunctions: ReadonlySet<string>,
): Promise<IncrementalPlan> {
  const fail = (why: string): never => {
    throw new NotIncrementalError(
      `${pipeline.name} cannot be updated incrementally: ${why}; set "-- realtime: false" to run it in batch only`,
    );
  };
  const parsed = await parseStatement(connection, pipeline.sql);
  if (!parsed.ok) throw new NotIncrementalError(parsed.error);
  const select = parsed.statement;
  if (select.type !== 'SELECT_NODE') fail('a UNION or other set operation');
  if (select.qualify) fail('QUALIFY');
  if ((select.group_sets as unknown[][]).length > 1) fail('GROUPING SETS, ROLLUP or CUBE');
  const items = select.select_list as AstNode[];

  const containsAggregate = (node: AstNode) => {
    let found = false;
    visit(node, (n) => {
      if (n.class === 'FUNCTION' && aggregateFunctions.has(n.function_name as string)) found = true;
      if (n.class === 'WINDOW') fail('a window function');
    });
    return found;
  };

  // Group keys, as select items or expressions: GROUP BY ALL, by position, by alias, or by expression.
  let keys: AstNode[];
  if (select.aggregate_handling === 'FORCE_AGGREGATES') keys = items.filter((i) => !containsAggregate(i));
  else {
    keys = (select.group_expressions as AstNode[]).map((g) => {
      if (g.class === 'CONSTANT')
        return items[Number((g.value as { value: number }).value) - 1] ?? fail(`GROUP BY position ${String(g.value)}`);
      if (g.class === 'COLUMN_REF' && (g.column_names as string[]).length === 1) {
        const byAlias = items.find((i) => outputName(i) === (g.column_names as string[])[0]);
        if (byAlias) return byAlias;
      }
      return g;
    });
  }
  if (keys.length === 0) fail('it has no GROUP BY');
  const keyShapes = keys.map(shape);
  if (!keyShapes.includes(shape(items[0]))) fail(`its first column, ${pipeline.partitionColumn}, is not a group key`);

  // Aggregates: each distinct computation once, wherever it appears.
  const aggregates: { node: AstNode; kind: AggregateKind; columns: string[] }[] = [];
  const aggregateColumns = new Map<string, number>();
  const collect = (node: AstNode) =>
    visit(node, (n) => {
      if (n.class !== 'FUNCTION' || !aggregateFunctions.has(n.function_name as string)) return;
      const name = n.function_name as string;
      if (!DECOMPOSABLE.has(name)) fail(`the aggregate ${name}() cannot be merged from partial results`);
      if (((n.order_bys as { orders: unknown[] }).orders ?? []).length) fail(`ORDER BY inside ${name}()`);
      const s = shape(n);
      if (aggregateColumns.has(s)) return;
      for (const child of (n.children as AstNode[]) ?? []) if (containsAggregate(child)) fail('an aggregate inside an aggregate');
      let kind: AggregateKind = name === 'count_star' ? 'count' : (name as AggregateKind);
      if (n.distinct) {
        if (name === 'count') kind = 'count-distinct';
        else if (name !== 'min' && name !== 'max') fail(`${name}(DISTINCT …)`);
      }
      const base = `__a${aggregates.length}`;
      aggregateColumns.set(s, aggregates.length);
      aggregates.push({ node: n, kind, columns: kind === 'avg' ? [`${base}_sum`, `${base}_count`] : [base] });
    });
  const keyIndex = (n: AstNode) => keyShapes.indexOf(shape(n));
  items.forEach((item) => {
    if (keyIndex(item) < 0) collect(item);
  });
  if (select.having) collect(select.having as AstNode);

  // The delta query: the pipeline's own FROM/WHERE/GROUP BY, selecting keys and partial states.
  // With `distinctLists` off, a distinct count's list keeps repeats (see smallDeltaSql).
  // A distinct count's state is the hashes of its values (their union, not a sum of counts, is what merges), NULLs
  // left out as count(DISTINCT) leaves them (list() keeps them, and hash(NULL) is a number).
  const hashes = await parseExpression(
    connection,
    'list_transform(list_filter(__values__, lambda __v: __v IS NOT NULL), lambda __v: hash(__v))',
  );
  const deltaTree = (distinctLists: boolean): AstNode => {
    const partials: AstNode[] = [];
    for (const a of aggregates) {
      const n = clone(a.node);
      n.distinct = a.kind === 'count-distinct';
      if (a.kind === 'avg') {
        partials.push(
          { ...clone(n), function_name: 'sum', alias: a.columns[0] },
          { ...clone(n), function_name: 'count', alias: a.columns[1] },
        );
      } else if (a.kind === 'count-distinct') {
        const list = { ...n, function_name: 'list', distinct: distinctLists, alias: '' };
        const hashed = rewrite(clone(hashes), (node) =>
          node.class === 'COLUMN_REF' && (node.column_names as string[]).join('.') === '__values__' ? list : undefined,
        );
        partials.push({ ...hashed, alias: a.columns[0] });
      } else partials.push({ ...n, alias: a.columns[0] });
    }
    return {
      ...clone(select),
      select_list: [...keys.map((k, i) => ({ ...clone(k), alias: `__k${i}` })), ...partials],
      group_expressions: keys.map(clone),
      group_sets: [keys.map((_, i) => i)],
      aggregate_handling: 'STANDARD_HANDLING',
      having: null,
      modifiers: [],
    };
  };
  const deltaSql = await deparse(connection, deltaTree(true));
  const smallDeltaSql = await deparse(connection, deltaTree(false));

  // The finalize query: the original select list over merged state, aggregates replaced by their state.
  const replacements = new Map<number, AstNode>();
  for (const [i, a] of aggregates.entries()) {
    if (a.kind === 'avg')
      replacements.set(i, await parseExpression(connection, `CAST(${a.columns[0]} AS DOUBLE) / ${a.columns[1]}`));
    else replacements.set(i, columnRef(a.columns[0] as string));
  }
  const toState = (node: AstNode): AstNode =>
    rewrite(node, (n) => {
      const k = keyIndex(n);
      if (k >= 0) return columnRef(`__k${k}`);
      const a = n.class === 'FUNCTION' ? aggregateColumns.get(shape(n)) : undefined;
      return a === undefined ? undefined : clone(replacements.get(a) as AstNode);
    });
  const stateSelect = items.map(toState);
  const stateWhere = select.having ? toState(select.having as AstNode) : null;
  stateFromTable ??= parseStatement(connection, 'SELECT * FROM __state__').then(
    (parsed) => (parsed as { statement: AstNode }).statement.from_table as AstNode,
    (error: unknown) => {
      stateFromTable = undefined;
      throw error;
    },
  );
  const stateFrom = await stateFromTable;
  const syntax: Syntax = {
    pipeline,
    select,
    items,
    keys,
    aggregates,
    aggregateColumns,
    keyIndex,
    deltaSql,
    smallDeltaSql,
    stateSelect,
  };
  // Output columns are named once the pipeline binds; the template holds placeholders for them (__oN) till then.
  const finalTemplate = await deparse(connection, {
    ...clone(select),
    cte_map: { map: [] },
    select_list: stateSelect.map((node, i) => ({ ...clone(node), alias: `__o${i}` })),
    from_table: clone(stateFrom),
    where_clause: clone(stateWhere),
    group_expressions: [],
    group_sets: [],
    aggregate_handling: 'STANDARD_HANDLING',
    having: null,
    modifiers: [],
  });
  return {
    name: pipeline.name,
    bind: async (bindOn) => {
      const outputColumns = (await bindOn.all<{ column_name: string }>(`DESCRIBE ${pipeline.sql}`)).map((r) => r.column_name);
      const named = finalTemplate.replace(
        /\bAS __o(\d+)\b/g,
        (_, i: string) => `AS ${ident(outputColumns[Number(i)] as string)}`,
      );
      return finishIncremental(syntax, outputColumns, named);
    },
  };
}

/** What planIncremental worked out from a pipeline's text. */
interface Syntax {
  pipeline: PipelineDefinition;
  select: AstNode;
  items: AstNode[];
  keys: AstNode[];
  aggregates: { node: AstNode; kind: AggregateKind; columns: string[] }[];
  aggregateColumns: Map<string, number>;
  keyIndex: (node: AstNode) => number;
  deltaSql: string;
  smallDeltaSql: string;
  /** The select list over merged state (keys and aggregates replaced by state columns). */
  stateSelect: AstNode[];
}

function finishIncremental(syntax: Syntax, outputColumns: string[], finalTemplate: string): IncrementalPipeline {
  const { pipeline, select, items, keys, aggregates, aggregateColumns, keyIndex, deltaSql, smallDeltaSql } = syntax;
  const direct = syntax.stateSelect.map((item): DirectOutput | undefined => {
    const cast = item.class === 'CAST' && !item.try_cast && (item.cast_type as AstNode | undefined)?.id === 'BIGINT';
    const node = cast ? (item.child as AstNode) : item;
    const name = node.class === 'COLUMN_REF' ? ((node as AstNode).column_names as string[]).join('.') : '';
    const key = /^__k(\d+)$/.exec(name);
    if (key) return cast ? undefined : { from: 'key', index: Number(key[1]) };
    const aggregate = aggregates.findIndex((a) => a.kind !== 'avg' && a.columns[0] === name);
    if (aggregate < 0) return undefined;
    return cast ? { from: 'aggregate', index: aggregate, cast: 'BIGINT' } : { from: 'aggregate', index: aggregate };
  });

  const additive: Record<string, boolean> = {};
  items.forEach((item, i) => {
    let node = item;
    while (node.class === 'CAST') node = node.child as AstNode;
    const a = node.class === 'FUNCTION' ? aggregateColumns.get(shape(node)) : undefined;
    additive[outputColumns[i] as string] = a !== undefined && ['count', 'sum'].includes(aggregates[a]?.kind as string);
  });

  const keyOutputs = items
    .map((item, i) => (keyIndex(item) >= 0 ? outputColumns[i] : undefined))
    .filter((n): n is string => n !== undefined);
  return {
    name: pipeline.name,
    keyOutputs,
    deltaSql,
    smallDeltaSql,
    keyColumns: keys.map((_, i) => `__k${i}`),
    aggregates: aggregates.map(({ kind, columns }) => ({ kind, columns })),
    finalizeSql: (stateTable) => finalTemplate.replace(/\b__state__\b/, stateTable),
    outputColumns,
    additive,
    ...(select.having || direct.some((d) => d === undefined) ? {} : { direct: direct as DirectOutput[] }),
  };
}

export async function aggregateFunctionNames(connection: Connection): Promise<Set<string>> {
  const rows = await connection.all<{ name: string }>(
    `SELECT DISTINCT function_name AS name FROM duckdb_functions() WHERE function_type = 'aggregate'`,
  );
  return new Set([...rows.map((r) => r.name), 'count_star']);
}

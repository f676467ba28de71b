import {
  completeFromList,
  ifNotIn,
  type Completion,
  type CompletionContext,
  type CompletionResult,
  type CompletionSource,
} from '@codemirror/autocomplete';
import { schemaCompletionSource, type SQLNamespace } from '@codemirror/lang-sql';
import { shortType } from '../grid/columns';
import { DuckDB, keywordList, typeList } from './duckdb-dialect';

/** A table or view of the workspace, as `schema.tables` describes it. */
export interface SchemaTable {
  name: string;
  kind: 'table' | 'view';
  columns: { name: string; type: string }[];
}

const NOT_IN_TEXT = ['QuotedIdentifier', 'String', 'LineComment', 'BlockComment', '.'];

/** Phrases DuckDB adds to SQL, offered whole. */
const PHRASES = ['GROUP BY ALL', 'ORDER BY ALL', 'UNION ALL BY NAME', 'UNION BY NAME', 'SELECT * EXCLUDE', 'SELECT * REPLACE'];

function columnOption(table: string, column: { name: string; type: string }): Completion {
  return {
    label: column.name,
    type: 'property',
    detail: shortType(column.type),
    info: `${table}.${column.name} · ${column.type}`,
  };
}

/** Tables, and their columns after `table.` or an alias (lang-sql resolves `FROM events e` → `e.`). */
export function schemaNamespace(tables: readonly SchemaTable[]): SQLNamespace {
  const namespace: Record<string, SQLNamespace> = {};
  for (const table of tables) {
    namespace[table.name] = {
      self: {
        label: table.name,
        type: table.kind === 'view' ? 'interface' : 'class',
        detail: table.kind,
        info: `${table.columns.length} columns: ${table.columns.map((c) => c.name).join(', ')}`,
        boost: 2,
      },
      children: table.columns.map((c) => columnOption(table.name, c)),
    };
  }
  return namespace;
}

/**
 * Columns without a table prefix: those of the tables the query names anywhere, so `SELECT ev|` offers
 * `event_date` once `FROM events` is written.
 */
export function columnsInScope(tables: readonly SchemaTable[]): CompletionSource {
  return ifNotIn(NOT_IN_TEXT, (context: CompletionContext): CompletionResult | null => {
    const word = context.matchBefore(/\w+/);
    if (!word && !context.explicit) return null;
    const before = context.state.sliceDoc(Math.max(0, (word?.from ?? context.pos) - 1), word?.from ?? context.pos);
    if (before === '.') return null;
    const text = context.state.doc.toString().toLowerCase();
    const options: Completion[] = [];
    const seen = new Set<string>();
    for (const table of tables) {
      if (!new RegExp(`(^|[^\\w])${table.name.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^\\w]|$)`).test(text))
        continue;
      for (const column of table.columns) {
        if (seen.has(column.name)) continue;
        seen.add(column.name);
        options.push({ ...columnOption(table.name, column), boost: 3 });
      }
    }
    if (!options.length) return null;
    return { from: word?.from ?? context.pos, options, validFor: /^\w*$/ };
  });
}

/** Keywords and types in capitals (functions are DuckDB's own list: function-completion.ts). */
export function languageCompletions(): CompletionSource {
  const options: Completion[] = [
    ...keywordList.map((k) => ({ label: k.toUpperCase(), type: 'keyword', boost: -1 })),
    ...PHRASES.map((p) => ({ label: p, type: 'keyword', boost: -1 })),
    ...typeList.map((t) => ({ label: t.toUpperCase(), type: 'type', boost: -2 })),
  ];
  return ifNotIn(NOT_IN_TEXT, completeFromList(options));
}

/** Every completion source for the workspace's current tables. */
export function schemaSources(tables: readonly SchemaTable[]): CompletionSource[] {
  return [schemaCompletionSource({ dialect: DuckDB, schema: schemaNamespace(tables) }), columnsInScope(tables)];
}

import { describe, expect, it } from 'vitest';
import { EditorState } from '@codemirror/state';
import { CompletionContext, type CompletionResult, type CompletionSource } from '@codemirror/autocomplete';
import { columnsInScope, languageCompletions, schemaSources, type SchemaTable } from './completion';
import { DuckDB, functionList, keywordList, typeList } from './duckdb-dialect';

const tables: SchemaTable[] = [
  {
    name: 'events',
    kind: 'view',
    columns: [
      { name: 'event_date', type: 'DATE' },
      { name: 'event_type', type: 'VARCHAR' },
    ],
  },
  { name: 'daily_visits', kind: 'table', columns: [{ name: 'visits', type: 'BIGINT' }] },
];

/** Completions at the `|` in the text, as the editor would ask for them. */
async function complete(source: CompletionSource, text: string, explicit = false): Promise<CompletionResult | null> {
  const pos = text.indexOf('|');
  const state = EditorState.create({ doc: text.replace('|', ''), extensions: [DuckDB.language] });
  return await source(new CompletionContext(state, pos, explicit));
}

const labels = (r: CompletionResult | null) => (r?.options ?? []).map((o) => o.label).sort();

describe('DuckDB dialect', () => {
  it('knows DuckDB keywords, types and functions', () => {
    for (const k of ['qualify', 'pivot', 'unpivot', 'exclude', 'replace', 'columns', 'asof', 'summarize', 'describe'])
      expect(keywordList).toContain(k);
    for (const t of ['hugeint', 'ubigint', 'decimal', 'timestamptz', 'struct', 'map', 'list', 'union', 'varchar'])
      expect(typeList).toContain(t);
    for (const f of [
      'date_trunc',
      'strftime',
      'list_transform',
      'regexp_matches',
      'approx_count_distinct',
      'read_parquet',
      'range',
    ])
      expect(functionList).toContain(f);
  });
});

describe('completions', () => {
  it('offers the columns of tables the query names, without a prefix', async () => {
    const result = await complete(columnsInScope(tables), 'SELECT ev| FROM events');
    expect(labels(result)).toEqual(['event_date', 'event_type']);
    expect(result?.from).toBe(7);
  });

  it('offers no bare columns before a table is named', async () => {
    expect(await complete(columnsInScope(tables), 'SELECT ev|')).toBeNull();
  });

  it('offers a table’s columns after its name and a dot', async () => {
    const [schema] = schemaSources(tables);
    const result = await complete(schema!, 'SELECT events.| FROM events');
    expect(labels(result)).toEqual(['event_date', 'event_type']);
    expect(result?.options.find((o) => o.label === 'event_date')?.detail).toBe('date');
  });

  it('offers table names', async () => {
    const [schema] = schemaSources(tables);
    expect(labels(await complete(schema!, 'SELECT * FROM d|'))).toEqual(['daily_visits', 'events']);
  });

  it('offers keywords and types in capitals, and no functions (those are DuckDB’s own list)', async () => {
    const result = await complete(languageCompletions(), 'SELECT * FROM t QUAL|');
    const options = result?.options ?? [];
    expect(options.find((o) => o.label === 'QUALIFY')?.type).toBe('keyword');
    expect(options.find((o) => o.label === 'GROUP BY ALL')?.type).toBe('keyword');
    expect(options.find((o) => o.label === 'HUGEINT')?.type).toBe('type');
    expect(options.some((o) => o.type === 'function')).toBe(false);
  });

  it('stays quiet inside strings and comments', async () => {
    expect(await complete(languageCompletions(), "SELECT 'qual|'")).toBeNull();
    expect(await complete(columnsInScope(tables), 'SELECT 1 -- ev| events')).toBeNull();
  });
});

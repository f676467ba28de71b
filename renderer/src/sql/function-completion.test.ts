import { describe, expect, it } from 'vitest';
import { EditorState } from '@codemirror/state';
import { CompletionContext, type Completion, type CompletionResult } from '@codemirror/autocomplete';
import { DuckDB } from './duckdb-dialect';
import { functionCompletions, infoParts, placeAt, type SqlFunction } from './function-completion';

/** A few of DuckDB's own entries, as `schema.functions` serves them. */
const FUNCTIONS: SqlFunction[] = [
  {
    name: 'date_trunc',
    kind: 'scalar',
    signatures: [
      'date_trunc(part VARCHAR, timestamp DATE) → TIMESTAMP',
      'date_trunc(part VARCHAR, timestamp TIMESTAMP) → TIMESTAMP',
    ],
    overloads: 4,
    description: 'Truncate to specified precision',
    example: "date_trunc('hour', TIMESTAMPTZ '1992-09-20 20:38:40')",
  },
  {
    name: 'date_diff',
    kind: 'scalar',
    signatures: ['date_diff(part VARCHAR, startdate DATE, enddate DATE) → BIGINT'],
    overloads: 1,
  },
  { name: 'count', kind: 'aggregate', signatures: ['count() → BIGINT', 'count(arg ANY) → BIGINT'], overloads: 2 },
  { name: 'concat', kind: 'scalar', signatures: ['concat(value ANY, ANY…) → ANY'], overloads: 1 },
  { name: 'generate_series', kind: 'scalar', signatures: ['generate_series(start BIGINT) → BIGINT[]'], overloads: 1 },
  { name: 'generate_series', kind: 'table', signatures: ['generate_series(col0 BIGINT)'], overloads: 1 },
  { name: 'read_parquet', kind: 'table', signatures: ['read_parquet(col0 VARCHAR, can_have_nan BOOLEAN, …)'], overloads: 2 },
  { name: 'order_total', kind: 'macro', signatures: ['order_total(price, qty)'], overloads: 1 },
];

async function complete(text: string, explicit = false): Promise<CompletionResult | null> {
  const pos = text.indexOf('|');
  const state = EditorState.create({ doc: text.replace('|', ''), extensions: [DuckDB.language] });
  return await functionCompletions(FUNCTIONS)(new CompletionContext(state, pos, explicit));
}

/** The options whose label starts with what was typed, as the list shows them: label, detail, boost. */
function shown(result: CompletionResult | null, typed: string) {
  return (result?.options ?? [])
    .filter((o) => o.label.startsWith(typed))
    .map((o: Completion) => ({ label: o.label, detail: o.detail, boost: o.boost }));
}

describe('function completion', () => {
  it('offers DuckDB’s functions with their parameters and kind', async () => {
    expect(shown(await complete('SELECT date_tr|'), 'date_tr')).toEqual([
      { label: 'date_trunc', detail: '(part, timestamp) scalar', boost: 0 },
    ]);
    expect(shown(await complete('SELECT date_|'), 'date_')).toEqual([
      { label: 'date_trunc', detail: '(part, timestamp) scalar', boost: 0 },
      { label: 'date_diff', detail: '(part, startdate, enddate) scalar', boost: 0 },
      // Names the editor knows beyond DuckDB's list keep no signature.
      { label: 'date_add', detail: '()', boost: 0 },
      { label: 'date_part', detail: '()', boost: 0 },
      { label: 'date_sub', detail: '()', boost: 0 },
    ]);
    expect(shown(await complete('SELECT con|'), 'con')).toEqual([
      { label: 'concat', detail: '(value, …) scalar', boost: 0 },
      { label: 'concat_ws', detail: '()', boost: 0 },
      { label: 'contains', detail: '()', boost: 0 },
    ]);
  });

  it('says all it knows of the function beside the list', async () => {
    expect(infoParts(FUNCTIONS[0]!)).toEqual({
      signatures: [
        'date_trunc(part VARCHAR, timestamp DATE) → TIMESTAMP',
        'date_trunc(part VARCHAR, timestamp TIMESTAMP) → TIMESTAMP',
      ],
      more: 'and 2 more',
      description: 'Truncate to specified precision',
      example: "Example: date_trunc('hour', TIMESTAMPTZ '1992-09-20 20:38:40')",
    });
    expect(infoParts(FUNCTIONS[2]!)).toEqual({ signatures: ['count() → BIGINT', 'count(arg ANY) → BIGINT'] });
  });

  it('ranks table functions first where a table goes, and after the others in an expression', async () => {
    expect(shown(await complete('SELECT * FROM gen|'), 'gen')).toEqual([
      { label: 'generate_series', detail: '(col0) table', boost: 0 },
      { label: 'gen_random_uuid', detail: '()', boost: -3 },
      { label: 'generate_subscripts', detail: '()', boost: -3 },
    ]);
    expect(shown(await complete('SELECT gen|'), 'gen')).toEqual([
      { label: 'generate_series', detail: '(start) scalar', boost: 0 },
      { label: 'gen_random_uuid', detail: '()', boost: 0 },
      { label: 'generate_subscripts', detail: '()', boost: 0 },
    ]);
    expect(shown(await complete('SELECT * FROM events JOIN read_|'), 'read_p')).toEqual([
      { label: 'read_parquet', detail: '(col0, can_have_nan, …) table', boost: 0 },
    ]);
    expect(shown(await complete('SELECT read_|'), 'read_p')).toEqual([
      { label: 'read_parquet', detail: '(col0, can_have_nan, …) table', boost: -3 },
    ]);
    expect(shown(await complete('SELECT * FROM t WHERE co|'), 'cou')).toEqual([
      { label: 'count', detail: '(arg) aggregate', boost: 0 },
      { label: 'count_if', detail: '()', boost: 0 },
      { label: 'count_star', detail: '()', boost: 0 },
    ]);
    expect(shown(await complete('SELECT * FROM t WHERE ord|'), 'ord')).toEqual([
      { label: 'order_total', detail: '(price, qty) macro', boost: 0 },
    ]);
  });

  it('inserts the call with the cursor between its parentheses', async () => {
    const text = 'SELECT date_tr';
    const state = EditorState.create({ doc: text, extensions: [DuckDB.language] });
    const result = await functionCompletions(FUNCTIONS)(new CompletionContext(state, text.length, false));
    const trunc = result?.options.find((o) => o.label === 'date_trunc');
    expect(typeof trunc?.apply).toBe('function');
  });

  it('tells a table’s place from an expression’s', () => {
    expect(placeAt('SELECT * FROM ')).toBe('table');
    expect(placeAt('SELECT * FROM events e JOIN ')).toBe('table');
    expect(placeAt('SELECT * FROM events, ')).toBe('table');
    expect(placeAt("SELECT * FROM read_csv('x.csv', ")).toBe('expression');
    expect(placeAt('SELECT * FROM events WHERE ')).toBe('expression');
    expect(placeAt('SELECT * FROM (SELECT ')).toBe('expression');
    expect(placeAt('SELECT 1 FROM t; SELECT ')).toBe('expression');
    expect(placeAt("SELECT 'from ' || ")).toBe('expression');
    expect(placeAt('SELECT -- from\n')).toBe('expression');
    expect(placeAt('')).toBe('expression');
  });

  it('stays quiet inside strings and comments', async () => {
    expect(await complete("SELECT 'date_tr|'")).toBeNull();
    expect(await complete('SELECT 1 -- date_tr|')).toBeNull();
  });
});

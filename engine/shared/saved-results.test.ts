import { describe, expect, it } from 'vitest';
import { compareReads, describeChange, mergeChanges, staleTables } from './saved-results.js';
import { NotebookFormatError, parseNotebook, serializeNotebook } from './notebook-format.js';

describe('when a saved result is stale', () => {
  const ranAt = '2026-12-07T10:00:00.000Z';

  it('names the tables it read that changed after it ran, or at that very instant', () => {
    const changes = {
      events: '2026-12-07T10:00:00.001Z',
      raw_events: '2026-12-07T10:00:00.000Z',
      daily_orders: '2026-12-07T09:59:59.999Z',
    };
    expect(staleTables(['daily_orders', 'events', 'raw_events', 'scratch'], ranAt, changes)).toEqual(['events', 'raw_events']);
    expect(staleTables(['daily_orders', 'scratch'], ranAt, changes)).toEqual([]);
    expect(staleTables([], ranAt, changes)).toEqual([]);
  });

  it('keeps the latest change of each table', () => {
    const merged = mergeChanges(
      { events: '2026-12-07T11:00:00.000Z', orders: '2026-12-07T08:00:00.000Z' },
      ['events', 'orders', 'new'],
      ranAt,
    );
    expect(merged).toEqual({ events: '2026-12-07T11:00:00.000Z', orders: ranAt, new: ranAt });
  });

  it("says the lake's tables as one, and the batch layer's only when nothing else changed", () => {
    expect(describeChange(['duplicate_arrivals', 'events', 'raw_events'])).toBe('the lake');
    expect(describeChange(['daily_orders', 'events', 'runs'])).toBe('the lake and daily_orders');
    expect(describeChange(['a', 'b', 'events'])).toBe('the lake, a and b');
    expect(describeChange(['a', 'b', 'c', 'events'])).toBe('the lake, a and 2 more');
    expect(describeChange(['runs', 'pipeline_partitions'])).toBe('the pipeline runs');
    expect(describeChange([])).toBe('');
  });

  it("has a compare cell read its pipeline's summary table and the lake", () => {
    expect(compareReads('Daily_Orders')).toEqual([
      'daily_orders',
      'duplicate_arrivals',
      'events',
      'import_columns',
      'imports',
      'lake_columns',
      'lake_files',
      'lake_removals',
      'raw_events',
      'rejects',
    ]);
  });
});

describe("a notebook's settings", () => {
  it('are written under the title, as a comment Markdown viewers hide, and read back', () => {
    const notebook = {
      title: 'Orders',
      cells: [{ kind: 'sql' as const, id: 'a', sql: 'SELECT 1' }],
      settings: { runOnOpen: true },
    };
    const text = serializeNotebook(notebook);
    expect(text).toBe('# Orders\n\n<!-- recount {"runOnOpen":true} -->\n\n```sql {"id":"a"}\nSELECT 1\n```\n');
    expect(parseNotebook(text)).toEqual(notebook);
  });

  it('are left out when they are the defaults, so existing files do not change', () => {
    const text = serializeNotebook({ title: 'Orders', cells: [], settings: { runOnOpen: false } });
    expect(text).toBe('# Orders\n');
    expect(parseNotebook(text)).toEqual({ title: 'Orders', cells: [] });
  });

  it('that do not parse are an error naming the line', () => {
    const bad = (text: string) => {
      try {
        parseNotebook(text);
      } catch (error) {
        return error instanceof NotebookFormatError ? [error.line, error.message] : String(error);
      }
      return 'parsed';
    };
    expect(bad('# T\n\n<!-- recount {"runOnOpen":tru} -->\n')).toEqual([
      3,
      expect.stringMatching(/^line 3: the notebook's settings are not valid JSON/),
    ]);
    expect(bad('# T\n<!-- recount {"runOnOpen":"yes"} -->\n')).toEqual([
      2,
      'line 2: notebook settings: runOnOpen Invalid input: expected boolean, received string',
    ]);
    expect(bad('# T\n<!-- recount {"autorun":true} -->\n')).toEqual([2, expect.stringMatching(/^line 2: notebook settings: /)]);
  });
});

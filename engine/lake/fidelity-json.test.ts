import { describe, expect, it } from 'vitest';
import { AT as at, lakeTest } from '../testing/lake.js';

/**
 * Import fidelity, JSON: layouts told apart by structure, lines that are broken alone, keys a record holds twice.
 * Each test is a defect found by importing real files nobody here wrote; the expected values are the source text
 * itself, or worked out by hand.
 */
const lake = lakeTest();
const { importContent, query } = lake;

describe('JSON layouts decided by structure', () => {
  const pretty = [
    '{',
    '  "type": "track",',
    '  "event": "Order Completed",',
    '  "timestamp": "2026-10-01T10:00:00Z",',
    '  "context": {',
    '    "library": {',
    '      "name":',
    '        "Segment.io"',
    '    },',
    '    "active":',
    '      true',
    '  },',
    '  "total":',
    '    27.5',
    '}',
    '{ "type": "track", "event": "Order Completed",',
    '  "timestamp": "2026-10-02T10:00:00Z", "total": 3 }',
  ].join('\n');

  it('reads pretty-printed JSON whose inner lines parse alone, with --format auto and --format json', async () => {
    for (const format of ['auto', 'json'] as const) {
      // Two files of different bytes: the same content again would be skipped as imported.
      const content = format === 'auto' ? `${pretty}\n` : `${pretty}\n\n`;
      const result = await importContent(`segment-${format}.json`, content, { format, map: { event_type: 'event' } });
      expect(result).toMatchObject({ status: 'imported', format: 'json', rows: 2, rejected: 0 });
      expect(
        await query(
          `SELECT event_type, context.library.name AS lib, total FROM raw_events WHERE _import_id = ${result.importId} ORDER BY _source_line`,
        ),
      ).toEqual([
        { event_type: 'Order Completed', lib: 'Segment.io', total: 27.5 },
        { event_type: 'Order Completed', lib: null, total: 3 },
      ]);
    }
  });

  it('reads several objects on one line as concatenated JSON', async () => {
    const lines = [
      `{"event_type":"a","id":"1",${at}}{"event_type":"b","id":"2",${at}} {"event_type":"c","id":"3",${at}}`,
      `{"event_type":"d","id":"4",${at}}`,
    ];
    const result = await importContent('concat.ndjson', `${lines.join('\n')}\n`);
    expect(result).toMatchObject({ status: 'imported', rows: 4, rejected: 0 });
    expect(await query(`SELECT event_type FROM events ORDER BY event_id`)).toEqual(
      ['a', 'b', 'c', 'd'].map((event_type) => ({ event_type })),
    );
  });

  it('rejects a line cut short after a colon, a bracket or a comma alone: the next line still lands', async () => {
    const cuts = [
      `{"event_type":"a","id":"c1",${at},"q":`,
      `{"event_type":"a","id":"c2",${at},"q":[`,
      `{"event_type":"a","id":"c3","l":[1,`,
    ];
    const lines = cuts.flatMap((cut, i) => [cut, `{"event_type":"a","id":"ok${i}",${at}}`]);
    const result = await importContent('cut.ndjson', `${lines.join('\n')}\n`);
    expect(result).toMatchObject({ status: 'imported', rows: 3, rejected: 3 });
    expect(await query(`SELECT event_id, _source_line::INTEGER AS line FROM events ORDER BY line`)).toEqual([
      { event_id: 'ok0', line: 2 },
      { event_id: 'ok1', line: 4 },
      { event_id: 'ok2', line: 6 },
    ]);
    expect(await query(`SELECT line::INTEGER AS line, reason, raw FROM rejects ORDER BY line`)).toEqual(
      cuts.map((raw, i) => ({ line: 2 * i + 1, reason: 'not a valid JSON object', raw })),
    );
  });
});

describe('keys a record holds twice', () => {
  it('keeps the first value, as DuckDB reads it, and says how many records had the key twice', async () => {
    const lines = [`{"event_type":"a","id":"1",${at},"k":1,"k":2}`, `{"event_type":"a","id":"2",${at},"k":3}`];
    const result = await importContent('twice.ndjson', `${lines.join('\n')}\n`);
    expect(result).toMatchObject({ rows: 2, rejected: 0 });
    expect(await query(`SELECT k::INTEGER AS k FROM events ORDER BY event_id`)).toEqual([{ k: 1 }, { k: 3 }]);
    expect(result.notes).toEqual([
      {
        column: 'k',
        kind: 'duplicate-keys',
        detail: '1 record has the key "k" more than once: the first value is kept, as DuckDB\'s JSON functions read it',
      },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { DRILL_SQL_IDS, drillSql } from './drill-sql';

const drill = { partition: '2026-12-07', metric: 'orders', key: '', value: 3 };

describe('a drill-down as SQL', () => {
  it("reads the lake's events for a reason about the lake", () => {
    expect(drillSql({ ...drill, reason: 'not_seen_live' }, ['a', 'b'], '/ws/events.log')).toBe(
      [
        '-- Not seen live · 2026-12-07 · orders +3',
        'SELECT * FROM events',
        "WHERE event_id IN (\n  'a', 'b'\n)",
        'ORDER BY occurred_at, event_id',
      ].join('\n'),
    );
  });

  it("reads the log's own lines for a reason about the log, every arrival of a duplicate together", () => {
    const sql = drillSql(
      { ...drill, reason: 'duplicate_arrivals', key: 'product P1' },
      ['a', "o'b", 'c', 'd', 'e'],
      "/ws/it's.log",
    );
    expect(sql).toBe(
      [
        '-- Duplicates · 2026-12-07 · orders (product P1) +3',
        "SELECT * FROM read_json('/ws/it''s.log', format = 'newline_delimited', ignore_errors = true)",
        "WHERE event_id IN (\n  'a', 'o''b',\n  'c', 'd',\n  'e'\n)",
        'ORDER BY event_id',
      ].join('\n'),
    );
  });

  it('lists the ids alone when the log is a stream, and says how many it left out past the limit', () => {
    const ids = Array.from({ length: DRILL_SQL_IDS + 5 }, (_, i) => `e${i}`);
    const sql = drillSql({ ...drill, reason: 'not_in_lake' }, ids, 'amqp://host/vhost');
    const lines = sql.split('\n');
    expect(lines[1]).toBe(`-- the first ${DRILL_SQL_IDS} of its ${DRILL_SQL_IDS + 5} events`);
    expect(lines[2]).toMatch(/^SELECT unnest\(\['e0', 'e1', .*'e999'\]\) AS event_id$/);
  });
});

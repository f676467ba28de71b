import { describe, expect, it } from 'vitest';
import { demoLogLines } from './demo.js';

const dayOf = (line: string) => (JSON.parse(line) as { occurred_at: string }).occurred_at.slice(0, 10);

describe("the demo log's events of today so far", () => {
  it('are there whatever the time of day, from just after midnight on, with a retried line and a late event', () => {
    for (const time of ['00:00:30', '00:05:00', '00:41:00', '03:00:00', '23:59:00']) {
      const now = Date.parse(`2026-12-08T${time}Z`);
      const lines = demoLogLines(now);
      expect(lines.length, time).toBeGreaterThan(10);
      const days = lines.map(dayOf);
      // Every session starts before now; the last line is from the day before yesterday (late), the one before it a retry of line 6.
      expect(
        days.slice(0, -1).every((d) => d === '2026-12-08'),
        time,
      ).toBe(true);
      expect(days.at(-1), time).toBe('2026-12-06');
      expect(lines.at(-2), time).toBe(lines[5]);
      // Nothing from after now: the log holds today so far.
      expect(
        lines.every((l) => Date.parse((JSON.parse(l) as { occurred_at: string }).occurred_at) <= now),
        time,
      ).toBe(true);
    }
  });
});

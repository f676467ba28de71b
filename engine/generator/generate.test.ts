import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/fixtures.js';
import { writeEvents } from './generate.js';
import { EVENT_TYPES, FUNNEL } from './model.js';

let dir: { dir: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(() => dir.cleanup());

const sha = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
const OPTIONS = { days: 5, eventsPerDay: 400, seed: 9, duplicates: 0.05, late: 0.05, malformed: 0.02 };

describe('the event generator', () => {
  it('is deterministic: the same seed writes the same bytes, another seed different ones', async () => {
    const a = join(dir.dir, 'a.ndjson');
    const b = join(dir.dir, 'b.ndjson');
    const c = join(dir.dir, 'c.ndjson');
    await writeEvents(a, OPTIONS, 'ndjson');
    await writeEvents(b, OPTIONS, 'ndjson');
    await writeEvents(c, { ...OPTIONS, seed: 10 }, 'ndjson');
    expect(await sha(a)).toBe(await sha(b));
    expect(await sha(a)).not.toBe(await sha(c));
  });

  it('writes exactly days × events-per-day events, each once, plus the duplicates and broken lines it reports', async () => {
    const path = join(dir.dir, 'e.ndjson');
    const truth = await writeEvents(path, OPTIONS, 'ndjson');
    const lines = (await readFile(path, 'utf8')).split('\n').slice(0, -1);
    expect(truth.events).toHaveLength(OPTIONS.days * OPTIONS.eventsPerDay);
    expect(new Set(truth.events.map((e) => e.event_id)).size).toBe(truth.events.length);
    expect(lines).toHaveLength(truth.lines);
    expect(truth.lines).toBe(truth.events.length + truth.duplicates.length + truth.malformed.length);
    for (const { event_id, line } of truth.duplicates) {
      const original = lines.findIndex((l) => l.includes(`"event_id":"${event_id}"`));
      expect(original + 1).toBeLessThan(line);
      expect(lines[line - 1]).toBe(lines[original]);
    }
    expect(new Set(truth.events.map((e) => e.event_type))).toEqual(new Set(EVENT_TYPES));
  });

  it('delivers late events after events of later dates, and everything else in time order', async () => {
    const path = join(dir.dir, 'e.ndjson');
    const truth = await writeEvents(path, { ...OPTIONS, malformed: 0, duplicates: 0 }, 'ndjson');
    const late = new Set(truth.late);
    expect(late.size).toBeGreaterThan(0);
    const order = (await readFile(path, 'utf8'))
      .split('\n')
      .slice(0, -1)
      .map((l) => JSON.parse(l) as { event_id: string; occurred_at: string });
    const lastDay = order
      .map((e) => e.occurred_at.slice(0, 10))
      .sort()
      .at(-1) as string;
    let latestDay = '';
    let onTimeOutOfOrder = 0;
    let lateChecked = 0;
    for (const e of order) {
      const day = e.occurred_at.slice(0, 10);
      // A late event of the last day has no later-dated events to arrive after.
      if (late.has(e.event_id) && day < lastDay) {
        expect(day < latestDay, `${e.event_id} (${day}) arrived before any later date`).toBe(true);
        lateChecked++;
      } else if (day < latestDay) onTimeOutOfOrder++;
      if (day > latestDay) latestDay = day;
    }
    expect(lateChecked).toBeGreaterThan(50);
    // On-time events arrive within two seconds of their time, so only midnight can reorder them.
    expect(onTimeOutOfOrder).toBeLessThan(5);
  });

  it('follows the funnel: every payment belongs to a checked-out order, every success carries its items', async () => {
    const truth = await writeEvents(join(dir.dir, 'e.ndjson'), { ...OPTIONS, days: 20 }, 'ndjson');
    const checkouts = new Map(truth.events.filter((e) => e.event_type === 'CheckOutCart').map((e) => [e.order_id, e]));
    for (const e of truth.events.filter((e) => e.event_type.startsWith('Payment'))) {
      const checkout = checkouts.get(e.order_id);
      if (!checkout) continue; // the checkout fell on the truncated end of a day's quota
      expect(e.amount_cents).toBe(checkout.amount_cents);
      if (e.event_type === 'PaymentSucceeded') {
        expect(e.items).toEqual(checkout.items);
        expect(e.amount_cents).toBe((e.items ?? []).reduce((s, i) => s + i.quantity * i.price_cents, 0));
      }
    }
    const visits = truth.events.filter((e) => e.event_type === 'UserVisitedWebsite').length;
    const carted = new Set(truth.events.filter((e) => e.event_type === 'ItemAddedToCart').map((e) => e.session_id)).size;
    expect(carted / visits).toBeCloseTo(FUNNEL.addToCart, 1);
  });

  it('reproduces the sample files that ship in sample-data/, byte for byte', async () => {
    const shipped = fileURLToPath(new URL('../../sample-data/shop-events.ndjson', import.meta.url));
    const regenerated = join(dir.dir, 'shop-events.ndjson');
    await writeEvents(
      regenerated,
      { start: '2026-10-01', duplicates: 0.02, late: 0.02, days: 21, eventsPerDay: 400, seed: 2026, malformed: 0.003 },
      'ndjson',
    );
    expect(await sha(regenerated)).toBe(await sha(shipped));
  });
});

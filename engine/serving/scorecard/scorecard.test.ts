import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrivals } from '../../generator/generate.js';
import { toNdjson } from '../../generator/formats.js';
import type { GeneratedEvent } from '../../generator/model.js';
import { testWorkspace, type TestWorkspace } from '../../testing/fixtures.js';
import { importFile } from '../../lake/import.js';
import { lakeEvents } from '../event-sets.js';
import { DEFAULT_SCORECARD } from './definition.js';
import { computeScorecard, type Scorecard } from './compute.js';
import { scorecardWithLog } from './served.js';

/*
 * The scorecard against the generator's truth. Asia/Kolkata has one offset all year (+05:30), so the truth's local
 * days, weeks and months are worked out here by plain arithmetic, independently of DuckDB's zone handling. Two
 * files overlap (the lake's and a later log's), with duplicates and late events; "now" is a Wednesday, so the week
 * started in October's last days' neighbour week and the month started three days before.
 */
const ZONE = 'Asia/Kolkata';
const OFFSET = 330 * 60_000;
const DAY = 86_400_000;
const AT = new Date('2026-11-04T06:45:00.000Z'); // 12:15 in Kolkata, Wednesday 4 November

const localDayStart = (ms: number) => Math.floor((ms + OFFSET) / DAY) * DAY - OFFSET;
function weekStart(ms: number): number {
  const day = localDayStart(ms);
  const weekday = (new Date(day + OFFSET).getUTCDay() + 6) % 7; // Monday 0
  return day - weekday * DAY;
}
function monthStart(ms: number, back = 0): number {
  const local = new Date(ms + OFFSET);
  return Date.UTC(local.getUTCFullYear(), local.getUTCMonth() - back, 1) - OFFSET;
}

interface Window {
  from: number;
  to: number;
  toIncluded: boolean;
}
function windowsOf(period: 'today' | 'week' | 'month'): Record<'value' | 'previous_to_date' | 'previous', Window> {
  const now = AT.getTime();
  const from = period === 'today' ? localDayStart(now) : period === 'week' ? weekStart(now) : monthStart(now);
  const previousFrom = period === 'today' ? from - DAY : period === 'week' ? from - 7 * DAY : monthStart(now, 1);
  // The same point of the previous period: the same local time a day, a week or a month before (4 Nov → 4 Oct).
  const elapsed = now - from;
  return {
    value: { from, to: now, toIncluded: true },
    previous_to_date: { from: previousFrom, to: previousFrom + elapsed, toIncluded: true },
    previous: { from: previousFrom, to: from, toIncluded: false },
  };
}
const inWindow = (w: Window, ms: number) => ms >= w.from && (w.toIncluded ? ms <= w.to : ms < w.to);
const money = (cents: bigint) => `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;

// Counts are BIGINT, which the engine sends as exact decimal strings (as every result it sends).
const truthMetrics: Record<string, (events: GeneratedEvent[]) => string | number | null> = {
  visitors: (es) => String(new Set(es.filter((e) => e.event_type === 'UserVisitedWebsite').map((e) => e.user_id)).size),
  orders: (es) => String(new Set(es.filter((e) => e.event_type === 'PaymentSucceeded').map((e) => e.order_id)).size),
  revenue: (es) =>
    money(es.filter((e) => e.event_type === 'PaymentSucceeded').reduce((s, e) => s + BigInt(e.amount_cents ?? 0), 0n)),
  payment_failure_rate: (es) => {
    const failed = es.filter((e) => e.event_type === 'PaymentFailed').length;
    const settled = failed + es.filter((e) => e.event_type === 'PaymentSucceeded').length;
    return settled === 0 ? null : failed / settled;
  },
};

function productRevenue(events: GeneratedEvent[]): Map<string, bigint> {
  const byProduct = new Map<string, bigint>();
  for (const e of events.filter((x) => x.event_type === 'PaymentSucceeded')) {
    for (const item of e.items ?? []) {
      byProduct.set(item.product_id, (byProduct.get(item.product_id) ?? 0n) + BigInt(item.quantity * item.price_cents));
    }
  }
  return byProduct;
}
const rankOf = (values: Map<string, bigint>, key: string) =>
  1 + [...values.values()].filter((v) => v > (values.get(key) as bigint)).length;

describe('the scorecard', () => {
  let t: TestWorkspace;
  let distinct: GeneratedEvent[];
  let card: Scorecard;

  beforeAll(async () => {
    t = await testWorkspace({ timezone: ZONE });
    const records = [
      ...arrivals({ days: 42, eventsPerDay: 250, seed: 24, duplicates: 0.03, late: 0.02, malformed: 0, start: '2026-09-27' }),
    ];
    // The lake holds what arrived before 1 November; the log what arrived from the evening before (an overlap).
    const cut = Date.parse('2026-11-01T00:00:00Z');
    const lake = records.filter((r) => r.arrivalMs < cut);
    const log = records.filter((r) => r.arrivalMs >= cut - 6 * 3_600_000);
    expect(lake.length + log.length).toBeGreaterThan(records.length); // they overlap
    await writeFile(join(t.root, 'lake.ndjson'), `${lake.map((r) => toNdjson(r.event)).join('\n')}\n`);
    await writeFile(join(t.root, 'log.ndjson'), `${log.map((r) => toNdjson(r.event)).join('\n')}\n`);
    await importFile(t.workspace, join(t.root, 'lake.ndjson'));
    await importFile(t.workspace, join(t.root, 'log.ndjson'));
    const seen = new Map<string, GeneratedEvent>();
    for (const r of records) if (!seen.has(r.event.event_id)) seen.set(r.event.event_id, r.event);
    distinct = [...seen.values()];
    const connection = await t.workspace.connect();
    try {
      card = await computeScorecard(connection, DEFAULT_SCORECARD, lakeEvents(t.workspace.catalogName), {
        at: AT,
        timezone: ZONE,
      });
    } finally {
      connection.close();
    }
  });
  afterAll(() => t?.cleanup());

  it('gives the same numbers from the lake and a live log beside it as after the log was recounted into the lake', async () => {
    const live = await testWorkspace({ timezone: ZONE });
    try {
      await importFile(live.workspace, join(t.root, 'lake.ndjson'));
      const served = await scorecardWithLog(live.workspace, join(t.root, 'log.ndjson'), AT);
      expect(served).toEqual(card);
    } finally {
      await live.cleanup();
    }
  });

  it('puts today, this week (from Monday) and this month at their local starts in the workspace zone', () => {
    for (const period of ['today', 'week', 'month'] as const) {
      const w = windowsOf(period);
      expect(card.periods[period]).toEqual({
        from: new Date(w.value.from).toISOString(),
        to: AT.toISOString(),
        previous_from: new Date(w.previous.from).toISOString(),
        previous_to_date: new Date(w.previous_to_date.to).toISOString(),
        previous_to: new Date(w.previous.to).toISOString(),
      });
    }
    expect(card.periods.week.from).toBe('2026-11-01T18:30:00.000Z'); // Monday 2 November, 00:00 in Kolkata
  });

  it('gives each metric over each period, the previous period to the same point and the whole previous period', () => {
    for (const metric of card.metrics) {
      const truth = truthMetrics[metric.name] as (es: GeneratedEvent[]) => string | number | null;
      for (const period of ['today', 'week', 'month'] as const) {
        const w = windowsOf(period);
        const over = (win: Window) => truth(distinct.filter((e) => inWindow(win, e.occurred_at_ms)));
        const [value, previousToDate, previous] = [over(w.value), over(w.previous_to_date), over(w.previous)];
        expect({ metric: metric.name, period, ...metric[period] }).toMatchObject({
          metric: metric.name,
          period,
          value,
          previous_to_date: previousToDate,
          previous,
        });
        if (metric.name === 'visitors' || metric.name === 'orders') {
          const [v, p] = [Number(value), Number(previousToDate)];
          expect(metric[period].change).toBe(String(v - p));
          expect(metric[period].change_pct).toBe(p === 0 ? null : ((v - p) / p) * 100);
        }
      }
    }
    expect(card.metrics.map((m) => m.name)).toEqual(['visitors', 'orders', 'revenue', 'payment_failure_rate']);
    expect(Number(card.metrics[0]?.month.previous_to_date)).toBeGreaterThan(0); // October's first days hold visits
  });

  it('ranks products by revenue this week, with each one’s rank last week to the same point', () => {
    const w = windowsOf('week');
    const now = productRevenue(distinct.filter((e) => inWindow(w.value, e.occurred_at_ms)));
    const then = productRevenue(distinct.filter((e) => inWindow(w.previous_to_date, e.occurred_at_ms)));
    const expected = [...now.keys()]
      .map((key) => ({
        key,
        value: money(now.get(key) as bigint),
        rank: rankOf(now, key),
        previous_rank: then.has(key) ? rankOf(then, key) : null,
      }))
      .sort((a, b) => a.rank - b.rank || (a.key < b.key ? -1 : 1))
      .slice(0, 5);
    expect(card.leaderboards).toEqual([
      { name: 'top_products', label: 'Products by revenue', format: 'money', period: 'week', rows: expected },
    ]);
  });
});

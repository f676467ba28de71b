import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeEvents, type Truth } from '../generator/generate.js';
import type { GeneratedEvent } from '../generator/model.js';
import { localDate } from '../generator/expected.js';
import { testWorkspace, type TestWorkspace } from '../testing/fixtures.js';
import { importFile } from '../lake/import.js';
import { runPipelines } from '../batch/runner.js';
import { reconcile, type Reconciliation } from './reconcile.js';
import { recount } from './recount.js';

const visitsBy = (events: GeneratedEvent[]) => {
  const counts = new Map<string, number>();
  for (const e of events.filter((x) => x.event_type === 'UserVisitedWebsite')) {
    const d = localDate(e.occurred_at_ms, 'UTC');
    counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  return counts;
};

/** Distinct visitors per day of a set of events, worked out from the generator's events. */
const visitorsBy = (events: GeneratedEvent[]) => {
  const users = new Map<string, Set<string>>();
  for (const e of events.filter((x) => x.event_type === 'UserVisitedWebsite')) {
    const d = localDate(e.occurred_at_ms, 'UTC');
    users.set(d, (users.get(d) ?? new Set()).add(e.user_id));
  }
  return new Map([...users].map(([d, u]) => [d, u.size]));
};

function row(result: Reconciliation, partition: string, metric: string) {
  return result.rows.find((r) => r.partition === partition && r.metric === metric);
}

describe('reconciliation', () => {
  let t: TestWorkspace;
  let lakeTruth: Truth;
  let logTruth: Truth;
  let log: string;
  let logLines: string[];
  let overlap: string[];

  beforeEach(async () => {
    t = await testWorkspace();
    // The lake: five days, run by the batch layer (watermark 2026-10-05).
    const lakeFile = join(t.root, 'lake.ndjson');
    lakeTruth = await writeEvents(
      lakeFile,
      { days: 5, eventsPerDay: 150, seed: 31, duplicates: 0, late: 0, malformed: 0, start: '2026-10-01' },
      'ndjson',
    );
    await importFile(t.workspace, lakeFile);
    await runPipelines(t.workspace);
    // The log: three later days with retries and late events, a broken line, and 40 lines the lake also has.
    const logSource = join(t.root, 'log-source.ndjson');
    logTruth = await writeEvents(
      logSource,
      { days: 3, eventsPerDay: 150, seed: 32, duplicates: 0.1, late: 0.2, malformed: 0, start: '2026-10-04' },
      'ndjson',
    );
    logLines = (await readFile(logSource, 'utf8')).split('\n').filter(Boolean);
    overlap = (await readFile(lakeFile, 'utf8')).split('\n').filter(Boolean).slice(100, 140);
    log = join(t.root, 'events.log');
    await writeFile(log, [...logLines.slice(0, 200), ...overlap, '{"broken', ...logLines.slice(200)].join('\n') + '\n');
  });
  afterEach(() => t.cleanup());

  it('breaks realtime − batch into reasons that add up exactly for counts and sums, each the pipeline over its events', async () => {
    const result = await reconcile(t.workspace, 'daily_visits', log, { ids: true });
    expect(result.watermark).toBe('2026-10-05');
    expect(result.rejectedLines).toEqual([{ line: 201 + overlap.length, reason: 'not a valid JSON object' }]);

    const lakeIds = new Set(lakeTruth.events.map((e) => e.event_id));
    const overlapEvents = overlap.map(
      (l) => lakeTruth.events.find((e) => e.event_id === (JSON.parse(l) as { event_id: string }).event_id) as GeneratedEvent,
    );
    const liveIds = new Set([...logTruth.events, ...overlapEvents].map((e) => e.event_id));
    const duplicates = logTruth.duplicates.map((d) => logTruth.events.find((e) => e.event_id === d.event_id) as GeneratedEvent);
    const notInLake = logTruth.events.filter((e) => !lakeIds.has(e.event_id));
    const notSeenLive = lakeTruth.events.filter((e) => !liveIds.has(e.event_id));
    const [dup, missing, unseen] = [visitsBy(duplicates), visitsBy(notInLake), visitsBy(notSeenLive)];
    const batchVisits = visitsBy(lakeTruth.events);
    const naiveVisits = visitsBy([...logTruth.events, ...duplicates, ...overlapEvents]);

    for (const d of ['2026-10-01', '2026-10-03', '2026-10-05', '2026-10-06']) {
      const visits = row(result, d, 'visits');
      const late = d <= '2026-10-05';
      expect(visits, d).toEqual({
        partition: d,
        metric: 'visits',
        batch: batchVisits.get(d) ?? null,
        realtime_naive: naiveVisits.get(d) ?? null,
        realtime_exact: visitsBy([...logTruth.events, ...overlapEvents]).get(d) ?? null,
        served: (batchVisits.get(d) ?? 0) + (missing.get(d) ?? 0),
        reasons: {
          duplicate_arrivals: dup.get(d) ?? 0,
          not_in_lake: late ? 0 : (missing.get(d) ?? 0),
          late: late ? (missing.get(d) ?? 0) : 0,
          not_seen_live: 0 - (unseen.get(d) ?? 0),
          not_yet_in_batch: 0,
          rejected: 0,
        },
        residual: 0,
        additive: true,
      });
    }
    // Distinct visitors do not add up across event sets: each reason is the metric with its events minus without
    // them, from batch's events (the lake's) one reason at a time to realtime's arrivals, so a duplicate arrival of a
    // visitor already counted explains nothing and the reasons add up to the difference.
    const seenLive = lakeTruth.events.filter((e) => liveIds.has(e.event_id));
    const lateEvents = notInLake.filter((e) => localDate(e.occurred_at_ms, 'UTC') <= '2026-10-05');
    const newEvents = notInLake.filter((e) => localDate(e.occurred_at_ms, 'UTC') > '2026-10-05');
    const chain = [lakeTruth.events, seenLive, [...seenLive, ...lateEvents], [...seenLive, ...notInLake]].map(visitorsBy);
    const arrivals = visitorsBy([...seenLive, ...notInLake, ...duplicates]);
    expect(newEvents.length).toBeGreaterThan(0);
    const at = (m: Map<string, number>, d: string) => m.get(d) ?? 0;
    let duplicateVisitorsSeen = 0;
    for (const d of ['2026-10-01', '2026-10-04', '2026-10-05', '2026-10-06']) {
      const visitors = row(result, d, 'visitors');
      const [batchSet, lakeSeen, withLate, withNew] = chain as [
        Map<string, number>,
        Map<string, number>,
        Map<string, number>,
        Map<string, number>,
      ];
      expect(visitors, d).toMatchObject({
        batch: batchSet.get(d) ?? null,
        realtime_naive: arrivals.get(d) ?? null,
        reasons: {
          not_yet_in_batch: 0,
          not_seen_live: at(lakeSeen, d) - at(batchSet, d),
          late: at(withLate, d) - at(lakeSeen, d),
          not_in_lake: at(withNew, d) - at(withLate, d),
          duplicate_arrivals: at(arrivals, d) - at(withNew, d),
          rejected: 0,
        },
        residual: 0,
        additive: false,
      });
      duplicateVisitorsSeen += dup.get(d) ?? 0;
    }
    // The log's duplicates are of visits too, and not one of them adds a visitor.
    expect(duplicateVisitorsSeen).toBeGreaterThan(0);
    expect(result.rows.filter((r) => r.metric === 'visitors').every((r) => r.reasons.duplicate_arrivals === 0)).toBe(true);
    expect(result.rows.every((r) => r.residual === 0)).toBe(true);
    expect(result.events?.['2026-10-06']?.not_in_lake?.sort()).toEqual(
      notInLake
        .filter((e) => localDate(e.occurred_at_ms, 'UTC') === '2026-10-06')
        .map((e) => e.event_id)
        .sort(),
    );
  });

  it('counts imported but not yet run events as not_yet_in_batch, and exact money sums add up', async () => {
    await importFile(t.workspace, log, { holdIncompleteTail: true });
    const result = await reconcile(t.workspace, 'daily_orders', log);
    const revenue = result.rows.filter((r) => r.metric === 'revenue');
    expect(revenue.length).toBeGreaterThan(0);
    expect(revenue.every((r) => r.residual === 0)).toBe(true);
    expect(revenue.some((r) => r.reasons.not_yet_in_batch !== 0)).toBe(true);
    expect(revenue.every((r) => r.reasons.not_in_lake === 0 && r.reasons.late === 0)).toBe(true);
  });

  it('recount imports the log and runs the batch, and the differences from events not in the lake are gone', async () => {
    const before = await reconcile(t.workspace, 'daily_payments', log);
    expect(before.rows.some((r) => r.reasons.not_in_lake !== 0 || r.reasons.late !== 0)).toBe(true);
    const result = await recount(t.workspace, log);
    expect(result.import.status).toBe('imported');
    expect(result.run.status).toBe('succeeded');
    const after = await reconcile(t.workspace, 'daily_payments', log);
    for (const r of after.rows) {
      // Nothing is left that the lake lacks: those reasons explain nothing, of any metric, and the reasons left (what
      // the log never carried, its duplicates) explain the whole difference.
      expect([r.reasons.not_in_lake, r.reasons.late, r.reasons.not_yet_in_batch], `${r.partition} ${r.metric}`).toEqual([
        0, 0, 0,
      ]);
      expect(r.residual, `${r.partition} ${r.metric}`).toBe(0);
      expect(r.served).toEqual(r.batch);
    }
    // A recount with nothing new imports nothing and runs nothing.
    await appendFile(log, '');
    const again = await recount(t.workspace, log);
    expect([again.import.status, again.run.status]).toEqual(['skipped', 'nothing-to-do']);
    // It still says how far the lake holds the log: every line of it.
    expect(again.throughLine).toBe(logLines.length + overlap.length + 1);
  });

  it('compares as of a recount while a writer goes on appending', async () => {
    const total = logLines.length + overlap.length + 1;
    const result = await recount(t.workspace, log);
    expect(result.throughLine).toBe(total);
    // The writer goes on: events for the newest day and a later one, not in the lake.
    const more = await writeEvents(
      join(t.root, 'more.ndjson'),
      { days: 2, eventsPerDay: 40, seed: 33, duplicates: 0, late: 0, malformed: 0, start: '2026-10-06' },
      'ndjson',
    );
    await appendFile(log, await readFile(join(t.root, 'more.ndjson'), 'utf8'));
    const now = await reconcile(t.workspace, 'daily_visits', log);
    const newVisits = visitsBy(more.events);
    // Not in the lake: late for a partition the batch covers (2026-10-06), not_in_lake after the watermark.
    for (const [day, n] of newVisits) {
      const reasons = row(now, day, 'visits')?.reasons;
      expect(Number(reasons?.not_in_lake) + Number(reasons?.late), day).toBe(n);
    }
    const asOfRecount = await reconcile(t.workspace, 'daily_visits', log, { throughLine: result.throughLine });
    for (const r of asOfRecount.rows.filter((x) => x.metric === 'visits')) {
      expect([r.reasons.not_in_lake, r.reasons.late, r.reasons.not_yet_in_batch], r.partition).toEqual([0, 0, 0]);
      expect(r.residual).toBe(0);
    }
    // Through a line, realtime counts exactly the visits of the lines up to it.
    const seen = new Set<string>();
    const upTo = [...logLines.slice(0, 200), ...overlap, ...logLines.slice(200)]
      .map((l) => JSON.parse(l) as { event_id: string })
      .filter((e) => !seen.has(e.event_id) && seen.add(e.event_id));
    const byId = new Map([...logTruth.events, ...lakeTruth.events].map((e) => [e.event_id, e]));
    const expected = visitsBy(upTo.map((e) => byId.get(e.event_id) as GeneratedEvent));
    for (const [day, n] of expected) expect(row(asOfRecount, day, 'visits')?.realtime_exact, day).toBe(n);
  });
});

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeEvents, type Truth } from '../generator/generate.js';
import { EXPECTED } from '../generator/expected.js';
import { testWorkspace, type TestWorkspace } from '../testing/fixtures.js';
import { normalizeRows } from '../testing/rows.js';
import { LiveSession } from '../speed/session.js';
import { lastClosedPartition, recount, releaseCovered, todayIn } from './recount.js';
import { importFile } from '../lake/import.js';
import { runPipelines } from '../batch/runner.js';
import { servedView } from './served.js';

describe('the newest closed partition', () => {
  // Worked out on a calendar: 2026-11-25 is a Wednesday, 2026-11-23 a Monday, 2026-11-22 a Sunday.
  it.each([
    ['2026-11-25', 'day', '2026-11-24'],
    ['2026-11-01', 'day', '2026-10-31'],
    ['2026-11-25', 'week', '2026-11-16'],
    ['2026-11-23', 'week', '2026-11-16'],
    ['2026-11-22', 'week', '2026-11-09'],
    ['2026-11-25', 'month', '2026-10-01'],
    ['2026-11-01', 'month', '2026-10-01'],
    ['2026-01-15', 'month', '2025-12-01'],
  ] as const)('on %s at grain %s is %s', (today, grain, expected) => {
    expect(lastClosedPartition(today, grain)).toBe(expected);
  });

  it("knows today's date in the workspace's time zone", () => {
    const instant = Date.parse('2026-11-25T20:00:00Z');
    expect(todayIn('UTC', instant)).toBe('2026-11-25');
    expect(todayIn('Asia/Kolkata', instant)).toBe('2026-11-26');
    expect(todayIn('America/New_York', Date.parse('2026-11-25T03:00:00Z'))).toBe('2026-11-24');
  });
});

describe('releasing live state the batch layer covers', () => {
  let t: TestWorkspace;
  let truth: Truth;
  let log: string;
  beforeEach(async () => {
    t = await testWorkspace();
    log = join(t.root, 'events.log');
    // Three days, 2026-10-07 to 10-09, with retries; "today" is the last of them.
    truth = await writeEvents(
      log,
      { days: 3, eventsPerDay: 120, seed: 8, duplicates: 0.1, late: 0, malformed: 0, start: '2026-10-07' },
      'ndjson',
    );
  });
  afterEach(() => t.cleanup());

  it("lets go of closed partitions only: today's stay live, and the served view still equals a recount of everything", async () => {
    const session = await LiveSession.open(t.workspace, { log, start: 'beginning', modes: ['naive', 'exact'] });
    try {
      await session.pollOnce();
      const result = await recount(t.workspace, log, { view: session.view, today: '2026-10-09' });
      expect(result.run.status).toBe('succeeded');
      const events = truth.events;
      const day = (e: (typeof events)[number]) => new Date(e.occurred_at_ms).toISOString().slice(0, 10);
      const todays = events.filter((e) => day(e) >= '2026-10-09');
      // daily pipelines keep only 2026-10-09 (and any spill-over after it); the weekly one keeps its open week.
      for (const pipeline of ['daily_visits', 'daily_orders']) {
        const rows = normalizeRows(pipeline, session.view.rows(pipeline, 'exact'));
        expect(rows, pipeline).toEqual(EXPECTED[pipeline]?.(todays, 'UTC'));
      }
      // 2026-10-05 is the Monday of the week holding all three days: still open on 10-09, so kept whole.
      expect(normalizeRows('weekly_visitors', session.view.rows('weekly_visitors', 'exact'))).toEqual(
        EXPECTED.weekly_visitors?.(events, 'UTC'),
      );
      // Exact events are released only up to what every realtime pipeline lets go (the open week holds them all).
      expect(result.released?.events).toBe(0);
      expect(result.released?.groups).toBeGreaterThan(0);
      for (const pipeline of ['daily_visits', 'weekly_visitors', 'daily_orders', 'daily_funnel']) {
        const served = await servedView(t.workspace, session.view, pipeline);
        expect(
          normalizeRows(
            pipeline,
            served.partitions.flatMap((p) => p.rows),
          ),
          pipeline,
        ).toEqual(EXPECTED[pipeline]?.(events, 'UTC'));
      }
    } finally {
      await session.close({ checkpoint: false });
    }
  });

  it('keeps everything the batch layer has not run, however old', async () => {
    const session = await LiveSession.open(t.workspace, { log, start: 'beginning', modes: ['exact'] });
    try {
      await session.pollOnce();
      const before = session.view.rows('daily_visits', 'exact');
      expect(await importFile(t.workspace, log)).toMatchObject({ status: 'imported' });
      expect(await releaseCovered(t.workspace, session.view, '2026-10-23')).toEqual({ groups: 0, events: 0 });
      expect(session.view.rows('daily_visits', 'exact')).toEqual(before);
      // Run only the first day: only its partitions can go.
      await runPipelines(t.workspace, { from: '2026-10-07', to: '2026-10-07' });
      await releaseCovered(t.workspace, session.view, '2026-10-23');
      expect(session.view.rows('daily_visits', 'exact').map((r) => String(r.event_date))).toEqual(
        before.slice(1).map((r) => String(r.event_date)),
      );
    } finally {
      await session.close({ checkpoint: false });
    }
  });

  it('releases exact events once every realtime pipeline has closed and covered their dates', async () => {
    const session = await LiveSession.open(t.workspace, { log, start: 'beginning', modes: ['exact'] });
    try {
      await session.pollOnce();
      // Two weeks later every partition is closed and covered.
      const result = await recount(t.workspace, log, { view: session.view, today: '2026-10-23' });
      const lines = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
      expect(result.released?.events).toBe(new Set(lines.map((l) => (JSON.parse(l) as { event_id: string }).event_id)).size);
      expect(session.view.rows('daily_visits', 'exact')).toEqual([]);
      // A late event for a released partition: the served view recounts that partition with it.
      const late = {
        event_id: 'late-1',
        event_type: 'UserVisitedWebsite',
        occurred_at: '2026-10-08T12:00:00Z',
        user_id: 'u-late',
        session_id: 's-late',
        country: 'DE',
        device: 'web',
      };
      await writeFile(log, `${JSON.stringify(late)}\n`, { flag: 'a' });
      await session.pollOnce();
      const served = normalizeRows(
        'daily_visits',
        (await servedView(t.workspace, session.view, 'daily_visits')).partitions.flatMap((p) => p.rows),
      );
      const all = [
        ...truth.events,
        {
          ...truth.events[0]!,
          event_id: 'late-1',
          event_type: 'UserVisitedWebsite' as const,
          occurred_at_ms: Date.parse(late.occurred_at),
          user_id: 'u-late',
        },
      ];
      expect(served).toEqual(EXPECTED.daily_visits?.(all, 'UTC'));
    } finally {
      await session.close({ checkpoint: false });
    }
  });
});

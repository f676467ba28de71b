import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { writeEvents, type Truth } from '../generator/generate.js';
import { EXPECTED } from '../generator/expected.js';
import type { GeneratedEvent } from '../generator/model.js';
import { Connection } from '../kernel/workspace/db.js';
import { testWorkspace, type TestWorkspace } from '../testing/fixtures.js';
import { normalizeRows } from '../testing/rows.js';
import { LiveSession, type SessionTick } from './session.js';

/** Every way the engine reaches DuckDB goes through these methods of its Connection. */
const QUERY_METHODS = ['run', 'read', 'chunks', 'doubleColumns', 'appendDoubles', 'transaction'] as const;

function countQueries(): { count: () => number; restore: () => void } {
  const spies = QUERY_METHODS.map((m) => vi.spyOn(Connection.prototype, m));
  return {
    count: () => spies.reduce((n, s) => n + s.mock.calls.length, 0),
    restore: () => spies.forEach((s) => s.mockRestore()),
  };
}

describe('a live session following a log, paced', () => {
  let t: TestWorkspace;
  let truth: Truth;
  let lines: string[];
  let log: string;
  let session: LiveSession | undefined;
  const controller = { current: new AbortController() };
  beforeEach(async () => {
    t = await testWorkspace();
    const source = join(t.root, 'source.ndjson');
    truth = await writeEvents(source, { days: 1, eventsPerDay: 60, seed: 8, duplicates: 0.1, late: 0, malformed: 0 }, 'ndjson');
    lines = (await readFile(source, 'utf8')).split('\n').filter(Boolean);
    log = join(t.root, 'events.log');
    await writeFile(log, '');
    controller.current = new AbortController();
  });
  afterEach(async () => {
    controller.current.abort();
    await session?.close({ checkpoint: false });
    session = undefined;
    await t.cleanup();
  });

  /** Follows from the log's end as it is now (the first read finds the end: a line appended after it is read). */
  const follow = async (s: LiveSession, ticks: SessionTick[]) => {
    expect(await s.pollOnce()).toEqual([]);
    return { following: s.follow(controller.current.signal, (tick) => ticks.push(tick)) };
  };
  /** Until the tailer has read through line `line` (read, which is not applied). */
  const read = (s: LiveSession, line: number) => vi.waitFor(() => expect(s.tailer.status.line).toBe(line), { timeout: 10_000 });

  it('applies no batch and runs no DuckDB query while nothing arrives, however often it polls', async () => {
    session = await LiveSession.open(t.workspace, { log, start: 'end', pollIntervalMs: 5 });
    const polls = vi.spyOn(session.tailer, 'poll');
    const ingest = vi.spyOn(session.view, 'ingest');
    const queries = countQueries();
    try {
      const ticks: SessionTick[] = [];
      const { following } = await follow(session, ticks);
      await vi.waitFor(() => expect(polls.mock.calls.length).toBeGreaterThanOrEqual(20), { timeout: 10_000 });
      expect(queries.count()).toBe(0);
      expect(ingest).not.toHaveBeenCalled();
      expect(ticks).toEqual([]);
      controller.current.abort();
      await following;
      expect(queries.count()).toBe(0);
    } finally {
      queries.restore();
    }
  });

  it('applies a lone line at once, then holds lines read until enough are pending: a burst is one batch', async () => {
    // A budget this small makes the interval the longest wait, an hour: only the pending count applies lines.
    session = await LiveSession.open(t.workspace, {
      log,
      start: 'end',
      pacing: { lines: 10, budget: 1e-9, maxWaitMs: 3_600_000 },
    });
    const ingest = vi.spyOn(session.view, 'ingest');
    const ticks: SessionTick[] = [];
    const { following } = await follow(session, ticks);
    await appendFile(log, `${lines[0]}\n`);
    await vi.waitFor(() => expect(ticks).toHaveLength(1), { timeout: 10_000 });
    // Three appends of three lines, each read before the next is written, and none applied.
    for (let i = 0; i < 3; i++) {
      await appendFile(log, `${lines.slice(1 + 3 * i, 4 + 3 * i).join('\n')}\n`);
      await read(session, 4 + 3 * i);
    }
    expect(ticks).toHaveLength(1);
    expect(session.view.counters.lines).toBe(1);
    // The tenth pending line makes the batch due.
    await appendFile(log, `${lines[10]}\n`);
    await vi.waitFor(() => expect(ticks).toHaveLength(2), { timeout: 10_000 });
    expect(ticks.map((tick) => tick.lines)).toEqual([1, 10]);
    expect(Array.from(ticks[1]?.lineNumbers ?? [])).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(ingest).toHaveBeenCalledTimes(2);
    controller.current.abort();
    await following;
    // The batches held together count as the lines one by one would.
    const byId = new Map(truth.events.map((e) => [e.event_id, e]));
    const arrived = lines.slice(0, 11).map((l) => byId.get((JSON.parse(l) as { event_id: string }).event_id) as GeneratedEvent);
    const unique = [...new Map(arrived.map((e) => [e.event_id, e])).values()];
    for (const p of ['daily_visits', 'daily_orders']) {
      expect(normalizeRows(p, session.view.rows(p, 'exact')), `${p} exact`).toEqual(EXPECTED[p]?.(unique, 'UTC'));
      expect(normalizeRows(p, session.view.rows(p, 'naive')), `${p} naive`).toEqual(EXPECTED[p]?.(arrived, 'UTC'));
    }
  });

  it('applies the lines it holds when following stops, before it returns', async () => {
    session = await LiveSession.open(t.workspace, {
      log,
      start: 'end',
      pacing: { lines: 1_000, budget: 1e-9, maxWaitMs: 3_600_000 },
    });
    const ticks: SessionTick[] = [];
    const { following } = await follow(session, ticks);
    await appendFile(log, `${lines[0]}\n`);
    await vi.waitFor(() => expect(ticks).toHaveLength(1), { timeout: 10_000 });
    await appendFile(log, `${lines.slice(1, 4).join('\n')}\n`);
    await read(session, 4);
    expect(session.view.counters.lines).toBe(1);
    controller.current.abort();
    await following;
    expect(ticks.map((tick) => tick.lines)).toEqual([1, 3]);
    expect(session.view.counters.lines).toBe(4);
  });

  it('applies lines held once the interval since the last batch is up', async () => {
    // Applying takes some ms; over a budget of 100% that is the interval, at most 50 ms.
    session = await LiveSession.open(t.workspace, { log, start: 'end', pacing: { lines: 1_000, budget: 1, maxWaitMs: 50 } });
    const ticks: SessionTick[] = [];
    const { following } = await follow(session, ticks);
    await appendFile(log, `${lines.slice(0, 2).join('\n')}\n`);
    await vi.waitFor(() => expect(ticks).toHaveLength(1), { timeout: 10_000 });
    await appendFile(log, `${lines.slice(2, 5).join('\n')}\n`);
    await vi.waitFor(() => expect(ticks).toHaveLength(2), { timeout: 10_000 });
    expect(ticks.map((tick) => tick.lines)).toEqual([2, 3]);
    controller.current.abort();
    await following;
  });
});

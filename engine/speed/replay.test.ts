import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeEvents, type Truth } from '../generator/generate.js';
import { EXPECTED } from '../generator/expected.js';
import type { GeneratedEvent } from '../generator/model.js';
import { testWorkspace, type TestWorkspace } from '../testing/fixtures.js';
import { normalizeRows } from '../testing/rows.js';
import { LiveView, type LiveIngest } from './live-view.js';
import { feedView, replayLog, type ReplayOptions } from './replay.js';
import { Tailer, type TailReject } from './tailer.js';

const REALTIME = ['daily_visits', 'weekly_visitors', 'daily_orders', 'daily_product_sales', 'daily_payments', 'daily_funnel'];

/** The generator's events behind log lines, in arrival order (duplicates included), and the first arrival of each. */
function eventsOf(truth: Truth, lines: string[]): { naive: GeneratedEvent[]; exact: GeneratedEvent[] } {
  const byId = new Map(truth.events.map((e) => [e.event_id, e]));
  const naive = lines.map((l) => byId.get((JSON.parse(l) as { event_id: string }).event_id) as GeneratedEvent);
  return { naive, exact: [...new Map(naive.map((e) => [e.event_id, e])).values()] };
}

function expectRows(view: LiveView, events: { naive: GeneratedEvent[]; exact: GeneratedEvent[] }): void {
  for (const pipeline of REALTIME) {
    for (const mode of ['naive', 'exact'] as const) {
      expect(normalizeRows(pipeline, view.rows(pipeline, mode)), `${pipeline} ${mode}`).toEqual(
        EXPECTED[pipeline]?.(events[mode], 'UTC'),
      );
    }
  }
}

/** Replays a log into a fresh view; what it counted, how it read the log and every outcome it reported. */
async function replayed(t: TestWorkspace, log: string, options: ReplayOptions = {}) {
  const view = await LiveView.create(t.workspace, { source: log });
  const applied: LiveIngest[] = [];
  const tailerRejects: TailReject[] = [];
  const read = await replayLog(
    view,
    { path: log, maxLineBytes: 4096 },
    { ...options, applied: (ingest) => applied.push(ingest), rejected: (r) => tailerRejects.push(...r) },
  );
  return { view, read, applied, tailerRejects };
}

describe('replaying a log', () => {
  let t: TestWorkspace;
  let log: string;
  let truth: Truth;
  let lines: string[];
  beforeEach(async () => {
    t = await testWorkspace();
    log = join(t.root, 'events.log');
    truth = await writeEvents(
      log,
      { days: 3, eventsPerDay: 150, seed: 41, duplicates: 0.1, late: 0.1, malformed: 0, start: '2026-10-03' },
      'ndjson',
    );
    lines = (await readFile(log, 'utf8')).split('\n').filter((l) => l !== '');
  });
  afterEach(() => t.cleanup());

  it('reads a log whose lines are its bytes whole, in one batch, and counts what the generator wrote', async () => {
    const { view, read, applied } = await replayed(t, log);
    try {
      expect(read).toBe('whole');
      expect(applied.map((a) => a.lines)).toEqual([lines.length]);
      expect(view.counters).toEqual({
        lines: lines.length,
        events: lines.length,
        newEvents: new Set(lines.map((l) => (JSON.parse(l) as { event_id: string }).event_id)).size,
        rejects: 0,
      });
      expectRows(view, eventsOf(truth, lines));
    } finally {
      await view.close();
    }
  });

  it('equals the batch layer read whole, over random streams with duplicates and late events', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 0, max: 0.3, noNaN: true }),
        fc.double({ min: 0, max: 0.3, noNaN: true }),
        async (seed, duplicates, late) => {
          const file = join(t.root, `random-${run++}.log`);
          const generated = await writeEvents(
            file,
            { days: 3, eventsPerDay: 100, seed, duplicates, late, malformed: 0, start: '2026-10-03' },
            'ndjson',
          );
          const written = (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
          const { view, read } = await replayed(t, file);
          try {
            expect(read).toBe('whole');
            expectRows(view, eventsOf(generated, written));
          } finally {
            await view.close();
          }
        },
      ),
      { numRuns: 8 },
    );
  });

  it('reads in batches, to the same numbers, a log with CRLF endings, a blank line or a line over the limit', async () => {
    const long = JSON.stringify({ event_id: 'long', event_type: 'UserVisitedWebsite', pad: 'x'.repeat(5000) });
    const head = lines.slice(0, 10);
    const tail = lines.slice(10).join('\n');
    const variants = {
      crlf: { text: `${head.join('\r\n')}\r\n${tail}\n`, rejected: [] as number[] },
      blank: { text: `${head.join('\n')}\n\n${tail}\n`, rejected: [] as number[] },
      long: { text: `${head.join('\n')}\n${long}\n${tail}\n`, rejected: [11] },
    };
    for (const [name, variant] of Object.entries(variants)) {
      const file = join(t.root, `${name}.log`);
      await writeFile(file, variant.text);
      const { view, read, tailerRejects } = await replayed(t, file);
      try {
        expect(read, name).toBe('batches');
        expect(
          tailerRejects.map((r) => r.line),
          name,
        ).toEqual(variant.rejected);
        expectRows(view, eventsOf(truth, lines));
      } finally {
        await view.close();
      }
    }
  });

  it('keeps only the lines through throughLine, though DuckDB reads the whole file', async () => {
    const through = Math.floor(lines.length * 0.6);
    const { view, read, applied } = await replayed(t, log, { throughLine: through });
    try {
      expect(read).toBe('whole');
      expect(applied.map((a) => a.lines)).toEqual([through]);
      expectRows(view, eventsOf(truth, lines.slice(0, through)));
    } finally {
      await view.close();
    }
  });

  it('drops lines appended after the ones it was told to keep, and keeps nothing when the count does not fit the file', async () => {
    const view = await LiveView.create(t.workspace, { source: log });
    try {
      // More lines than the file holds: the rows cannot be those lines, so none is kept.
      expect(await view.ingestLog(log, { begin: async () => true, lines: async () => lines.length + 5 })).toBeUndefined();
      expect(
        await view.ingestLog(log, { begin: async () => true, lines: () => Promise.reject(new Error('framing says no')) }),
      ).toBeUndefined();
      expect(view.counters.lines).toBe(0);
      // A writer appended 40 lines after the framing counted the others: the read goes on to them; they are dropped.
      const kept = lines.length - 40;
      const ingest = await view.ingestLog(log, { begin: async () => true, lines: async () => kept });
      expect(ingest?.lines).toBe(kept);
      expectRows(view, eventsOf(truth, lines.slice(0, kept)));
      // The view goes on from there: the next lines arrive in a batch, and every line is counted once.
      const rest = lines.slice(kept);
      await view.ingest({
        data: Buffer.from(rest.map((l) => `${l}\n`).join('')),
        lineNumbers: rest.map((_, i) => kept + i + 1),
        count: rest.length,
      });
      expectRows(view, eventsOf(truth, lines));
    } finally {
      await view.close();
    }
  });

  it('fixes no schema from a log whose first lines may not be read whole, so that its first batch does', async () => {
    const empty = join(t.root, 'empty.log');
    await writeFile(empty, '');
    const view = await LiveView.create(t.workspace, { source: empty });
    try {
      expect(await view.ingestLog(empty, { begin: async () => false, lines: async () => 0 })).toBeUndefined();
      expect(view.ready).toBe(false);
      expect(await replayLog(view, { path: empty, maxLineBytes: 4096 })).toBe('batches');
      expect(view.ready).toBe(false);
      // Blank lines only: DuckDB would sample them as one JSON column; nothing is read, nothing fixed.
      await writeFile(empty, '\n\n\n');
      expect(await replayLog(view, { path: empty, maxLineBytes: 4096 })).toBe('batches');
      expect(view.ready).toBe(false);
    } finally {
      await view.close();
    }
  });

  it('says why lines read whole are not events, with their line and raw text', async () => {
    const bad = join(t.root, 'bad.log');
    const broken = '{"event_id": "b1", "event_type": "UserVisi';
    const typeless = '{"event_id":"b2","occurred_at":"2026-10-03T10:00:00Z","user_id":"U1"}';
    await writeFile(bad, `${lines.slice(0, 5).join('\n')}\n${broken}\n${typeless}\n${lines.slice(5).join('\n')}\n`);
    const { view, read, applied } = await replayed(t, bad);
    try {
      expect(read).toBe('whole');
      expect(applied[0]?.rejects).toEqual([
        { line: 6, reason: 'not a valid JSON object', raw: broken },
        { line: 7, reason: expect.stringMatching(/^missing event type/), raw: typeless },
      ]);
      expect(view.counters.rejects).toBe(2);
      expectRows(view, eventsOf(truth, lines));
    } finally {
      await view.close();
    }
  });

  it('gives lines without an id, read whole, the identity of their whole record', async () => {
    const anonymous = join(t.root, 'anonymous.log');
    const stripped = lines.map((l) => {
      const { event_id: _id, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify(rest);
    });
    await writeFile(anonymous, `${stripped.join('\n')}\n`);
    const { view, read } = await replayed(t, anonymous);
    try {
      expect(read).toBe('whole');
      // The generator's duplicates repeat a whole record: without ids they are still one event each.
      expect(view.counters.newEvents).toBe(new Set(stripped).size);
      expectRows(view, eventsOf(truth, lines));
    } finally {
      await view.close();
    }
  });

  it('gives the same rows read whole as in batches, and as the tailer and feedView give them', async () => {
    await appendFile(log, `${lines.slice(0, 30).join('\n')}\n`);
    const all = (await readFile(log, 'utf8')).split('\n').filter((l) => l !== '');
    const whole = await replayed(t, log);
    const batched = await LiveView.create(t.workspace, { source: log });
    const tailer = new Tailer({ path: log, start: 'beginning', maxLineBytes: 4096, maxBatchBytes: 8192, watch: false });
    try {
      await feedView(tailer, batched);
      expect(whole.read).toBe('whole');
      for (const pipeline of REALTIME) {
        for (const mode of ['naive', 'exact'] as const) {
          expect(whole.view.rows(pipeline, mode), `${pipeline} ${mode}`).toEqual(batched.rows(pipeline, mode));
        }
      }
      expectRows(whole.view, eventsOf(truth, all));
      expect(whole.view.counters).toEqual(batched.counters);
    } finally {
      await tailer.close();
      await whole.view.close();
      await batched.close();
    }
  });
});

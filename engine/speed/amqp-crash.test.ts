import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeEvents, type Truth } from '../generator/generate.js';
import { EXPECTED } from '../generator/expected.js';
import type { GeneratedEvent } from '../generator/model.js';
import { testWorkspace, type TestWorkspace } from '../testing/fixtures.js';
import { REPO_ROOT } from '../testing/cli.js';
import { normalizeRows } from '../testing/rows.js';
import { declareStream, publishLines, startBroker, type TestBroker } from '../testing/rabbitmq.js';
import { StreamSession } from './stream-session.js';

const CHILD = fileURLToPath(new URL('../testing/stream-child.ts', import.meta.url));
const PIPELINES = ['daily_visits', 'daily_orders', 'daily_payments', 'daily_funnel'];
const KILLS = 20;

interface ChildLine {
  ready?: boolean;
  resumedAfter?: number | null;
  warnings?: string[];
  first?: number;
  last?: number;
  lines?: number;
  gap?: unknown;
  done?: boolean;
}

/**
 * Runs the child until it prints `done` or, with `kill`, SIGKILLs it `afterMs` after it is ready (starting, restoring
 * its checkpoint, catching up) or after its first batch (tailing, with messages arriving). Returns what it printed.
 */
function runChild(
  args: string[],
  kill?: { afterMs: number; from: 'ready' | 'first batch' },
): Promise<{ lines: ChildLine[]; killed: boolean; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: ChildLine[] = [];
    let buffer = '';
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (data: Buffer) => {
      buffer += data.toString();
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffer.slice(0, nl)) as ChildLine;
        buffer = buffer.slice(nl + 1);
        lines.push(line);
        const from =
          kill?.from === 'ready'
            ? line.ready
            : line.first !== undefined && lines.filter((l) => l.first !== undefined).length === 1;
        if (kill && from)
          setTimeout(() => {
            killed = child.kill('SIGKILL');
          }, kill.afterMs);
        // A child that never applies a batch is killed all the same (the run then counts as one without batches).
        if (kill && line.ready) setTimeout(() => (killed = child.kill('SIGKILL') || killed), 30_000).unref();
      }
    });
    child.on('error', reject);
    child.on('close', () => resolve({ lines, killed, stderr }));
  });
}

describe('following a stream, killed with SIGKILL at random moments under load', () => {
  let broker: TestBroker;
  let t: TestWorkspace;
  let truth: Truth;
  let lines: string[];
  beforeAll(async () => {
    [broker, t] = await Promise.all([startBroker({ name: 'amqp-crash' }), testWorkspace()]);
    const source = join(t.root, 'source.ndjson');
    truth = await writeEvents(
      source,
      { days: 6, eventsPerDay: 1500, seed: 33, duplicates: 0.05, late: 0.02, malformed: 0 },
      'ndjson',
    );
    lines = (await readFile(source, 'utf8')).split('\n').filter(Boolean);
    // The parent's workspace stays closed while children use it.
    await t.workspace.close();
  }, 180_000);
  afterAll(async () => {
    await broker?.cleanup();
    await t?.cleanup();
  }, 120_000);

  it(`resumes each time at the offset after its checkpoint, and ends with exact counts (${KILLS} kills)`, async () => {
    const stream = 'crash-events';
    await declareStream(broker.url, stream);
    const slice = Math.ceil(lines.length / KILLS);
    let published = 0;
    const runs: { resumedAfter: number | null; first?: number; ticks: number; killed: boolean }[] = [];
    for (let run = 0; run < KILLS; run++) {
      // Load: this run's share of the messages is published while the child starts, catches up and tails.
      const share = lines.slice(published, published + slice);
      published += share.length;
      const publishing = (async () => {
        for (let i = 0; i < share.length; i += 25) {
          await publishLines(broker.url, stream, share.slice(i, i + 25));
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();
      const interval = run % 3 === 0 ? 0 : Math.floor(Math.random() * 300);
      const kill = { afterMs: Math.random() * 1500, from: run % 4 === 1 ? ('ready' as const) : ('first batch' as const) };
      const { lines: said, killed, stderr } = await runChild([t.dir, broker.url, stream, String(interval)], kill);
      await publishing;
      const ready = said.find((l) => l.ready);
      expect(ready, `run ${run} never got ready: ${stderr}`).toBeDefined();
      expect(killed, `run ${run} ended by itself: ${stderr}`).toBe(true);
      const ticks = said.filter((l) => l.first !== undefined);
      const resumedAfter = ready?.resumedAfter ?? null;
      runs.push({ resumedAfter, ...(ticks[0] ? { first: ticks[0].first as number } : {}), ticks: ticks.length, killed });
      // Offsets of a one-segment stream are 0, 1, 2…: the next offset after the checkpoint is one more.
      if (ticks[0]) expect(ticks[0].first, `run ${run}`).toBe(resumedAfter === null ? 0 : resumedAfter + 1);
      for (const tick of ticks) expect(tick.gap).toBeNull();
      // A checkpoint never goes back.
      const before = runs.at(-2)?.resumedAfter ?? null;
      if (before !== null) expect(resumedAfter).toBeGreaterThanOrEqual(before);
    }
    // Most kills came while the child was applying batches, not before its first.
    expect(runs.filter((r) => r.ticks > 0).length).toBeGreaterThanOrEqual((KILLS * 3) / 4);

    const last = lines.length - 1;
    const final = await runChild([t.dir, broker.url, stream, '1000', String(last)]);
    expect(final.lines.at(-1), final.stderr).toMatchObject({ done: true, offset: last });
    const finalReady = final.lines.find((l) => l.ready);
    const finalTicks = final.lines.filter((l) => l.first !== undefined);
    if (finalTicks[0]) expect(finalTicks[0].first).toBe((finalReady?.resumedAfter ?? -1) + 1);

    // The checkpoint holds every message once: a session opened on it reads nothing new and shows the truth.
    const workspace = await t.reopen();
    const session = await StreamSession.open(workspace, { url: broker.url, stream, start: 'end' });
    try {
      expect(session.offset).toBe(last);
      expect(await session.pollOnce({ waitMs: 1000 })).toEqual([]);
      const byId = new Map(truth.events.map((e) => [e.event_id, e]));
      const arrived = lines.map((l) => byId.get((JSON.parse(l) as { event_id: string }).event_id) as GeneratedEvent);
      for (const p of PIPELINES) {
        expect(normalizeRows(p, session.view.rows(p, 'exact')), `${p} exact`).toEqual(EXPECTED[p]?.(truth.events, 'UTC'));
        expect(normalizeRows(p, session.view.rows(p, 'naive')), `${p} naive`).toEqual(EXPECTED[p]?.(arrived, 'UTC'));
      }
      expect(session.view.counters).toMatchObject({ events: lines.length, newEvents: truth.events.length });
    } finally {
      await session.close();
    }
  }, 600_000);
});

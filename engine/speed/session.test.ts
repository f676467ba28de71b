import { appendFile, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeEvents, type Truth } from '../generator/generate.js';
import { EXPECTED } from '../generator/expected.js';
import type { GeneratedEvent } from '../generator/model.js';
import { testWorkspace, type TestWorkspace } from '../testing/fixtures.js';
import { normalizeRows } from '../testing/rows.js';
import { LiveSession } from './session.js';
import { simulate } from '../generator/simulator.js';

const PIPELINES = ['daily_visits', 'daily_orders', 'daily_payments', 'daily_funnel'];

/** The one live checkpoint under a workspace's state folder. */
async function findCheckpoint(stateDir: string): Promise<string> {
  const found = (await readdir(stateDir, { recursive: true })).filter((p) => p.endsWith('checkpoint.json'));
  expect(found).toHaveLength(1);
  return join(stateDir, found[0] as string);
}

describe('a live session', () => {
  let t: TestWorkspace;
  let truth: Truth;
  let lines: string[];
  let log: string;
  beforeEach(async () => {
    t = await testWorkspace();
    const source = join(t.root, 'source.ndjson');
    truth = await writeEvents(
      source,
      { days: 3, eventsPerDay: 200, seed: 12, duplicates: 0.1, late: 0.05, malformed: 0 },
      'ndjson',
    );
    lines = (await readFile(source, 'utf8')).split('\n').filter(Boolean);
    log = join(t.root, 'events.log');
    await writeFile(log, '');
  });
  afterEach(() => t.cleanup());

  const expectState = (session: LiveSession, upTo: number) => {
    const byId = new Map(truth.events.map((e) => [e.event_id, e]));
    const arrived = lines.slice(0, upTo).map((l) => byId.get((JSON.parse(l) as { event_id: string }).event_id) as GeneratedEvent);
    const unique = [...new Map(arrived.map((e) => [e.event_id, e])).values()];
    for (const p of PIPELINES) {
      expect(normalizeRows(p, session.view.rows(p, 'exact')), `${p} exact`).toEqual(EXPECTED[p]?.(unique, 'UTC'));
      expect(normalizeRows(p, session.view.rows(p, 'naive')), `${p} naive`).toEqual(EXPECTED[p]?.(arrived, 'UTC'));
    }
  };

  it('resumes after a restart where it stopped: no event lost, none counted twice, in either mode', async () => {
    await appendFile(log, `${lines.slice(0, 300).join('\n')}\n`);
    let session = await LiveSession.open(t.workspace, { log, start: 'beginning' });
    await session.pollOnce();
    await session.close();
    await appendFile(log, `${lines.slice(300).join('\n')}\n`);
    session = await LiveSession.open(t.workspace, { log, start: 'beginning' });
    try {
      await session.pollOnce();
      expectState(session, lines.length);
    } finally {
      await session.close();
    }
    // A restart with nothing new changes nothing.
    session = await LiveSession.open(t.workspace, { log, start: 'end' });
    try {
      expect((await session.pollOnce()).reduce((n, tick) => n + tick.lines, 0)).toBe(0);
      expectState(session, lines.length);
    } finally {
      await session.close();
    }
  });

  it('after a crash between applying lines and checkpointing them, re-reads them onto the checkpointed state exactly once', async () => {
    await appendFile(log, `${lines.slice(0, 250).join('\n')}\n`);
    const crashed = await LiveSession.open(t.workspace, { log, start: 'beginning' });
    await crashed.pollOnce();
    await crashed.checkpoint();
    await appendFile(log, `${lines.slice(250, 400).join('\n')}\n`);
    await crashed.pollOnce();
    expectState(crashed, 400);
    await crashed.close({ checkpoint: false }); // the process dies: lines 251–400 were applied but not checkpointed
    await appendFile(log, `${lines.slice(400).join('\n')}\n`);
    const resumed = await LiveSession.open(t.workspace, { log, start: 'end' });
    try {
      await resumed.pollOnce();
      expectState(resumed, lines.length);
    } finally {
      await resumed.close();
    }
  });

  it('resumes from the checkpoint before a damaged one, counting every line once, and says so', async () => {
    await appendFile(log, `${lines.slice(0, 200).join('\n')}\n`);
    const first = await LiveSession.open(t.workspace, { log, start: 'beginning' });
    await first.pollOnce();
    await first.checkpoint();
    await appendFile(log, `${lines.slice(200, 350).join('\n')}\n`);
    await first.pollOnce();
    await first.close();
    // The newest checkpoint is cut in half, as a disk or a hand can do.
    const checkpoints = await findCheckpoint(t.workspace.paths.state);
    const text = await readFile(checkpoints, 'utf8');
    await writeFile(checkpoints, text.slice(0, Math.floor(text.length / 2)));
    await appendFile(log, `${lines.slice(350).join('\n')}\n`);
    const resumed = await LiveSession.open(t.workspace, { log, start: 'end' });
    try {
      expect(resumed.warnings).toEqual([expect.stringMatching(/resumed from the checkpoint before it/)]);
      await resumed.pollOnce();
      expectState(resumed, lines.length);
    } finally {
      await resumed.close();
    }
  });

  it('starts at the end of an existing log unless asked to start from the beginning, and --from-start forgets the checkpoint', async () => {
    await appendFile(log, `${lines.slice(0, 100).join('\n')}\n`);
    const atEnd = await LiveSession.open(t.workspace, { log, start: 'end' });
    await atEnd.pollOnce();
    expect(atEnd.view.counters.lines).toBe(0);
    await appendFile(log, `${lines.slice(100, 150).join('\n')}\n`);
    await atEnd.pollOnce();
    expect(atEnd.view.counters.lines).toBe(50);
    await atEnd.close();
    const replay = await LiveSession.open(t.workspace, { log, start: 'beginning', restart: true });
    try {
      await replay.pollOnce();
      expectState(replay, 150);
    } finally {
      await replay.close();
    }
  });

  it('catches up on a log that is there already by reading it whole, reports that as one tick, then tails it', async () => {
    await appendFile(log, `${lines.slice(0, 320).join('\n')}\n`);
    const session = await LiveSession.open(t.workspace, { log, start: 'beginning' });
    try {
      const first = await session.pollOnce();
      // The first tick is the catch-up, made as the session opened; the tailer's first poll after it finds nothing new
      // (read in batches, the 320 lines would be that poll's one tick).
      expect(first.map((tick) => tick.lines)).toEqual([320, 0]);
      expect(Array.from(first[0]?.lineNumbers ?? [])).toEqual(Array.from({ length: 320 }, (_, i) => i + 1));
      expectState(session, 320);
      await appendFile(log, `${lines.slice(320).join('\n')}\n`);
      const next = await session.pollOnce();
      expect(next.reduce((n, tick) => n + tick.lines, 0)).toBe(lines.length - 320);
      expectState(session, lines.length);
    } finally {
      await session.close();
    }
    // Its checkpoint holds: a restart reads nothing again.
    const restarted = await LiveSession.open(t.workspace, { log, start: 'beginning' });
    try {
      expect((await restarted.pollOnce()).reduce((n, tick) => n + tick.lines, 0)).toBe(0);
      expectState(restarted, lines.length);
    } finally {
      await restarted.close();
    }
  });

  it('follows demo traffic from the simulator', async () => {
    const session = await LiveSession.open(t.workspace, { log, start: 'beginning', pollIntervalMs: 20, modes: ['exact'] });
    const controller = new AbortController();
    let events = 0;
    const following = session.follow(controller.signal, (tick) => (events += tick.events));
    let clock = 0;
    const totals = await simulate({
      out: log,
      rate: 400,
      seconds: 2,
      seed: 5,
      duplicates: 0.05,
      tickMs: 1,
      now: () => (clock += 20),
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort();
    await following;
    await session.close();
    expect(totals.lines).toBeGreaterThan(100);
    expect(events).toBe(totals.lines);
    expect(session.view.counters.newEvents).toBe(totals.events);
  });
});

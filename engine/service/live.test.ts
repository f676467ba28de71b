import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { testWorkspace, type TestWorkspace } from '../testing/fixtures.js';
import type { EngineEvent } from '../shared/contract.js';
import { LiveService, type LiveState } from './live.js';

async function logLines(log: string): Promise<number> {
  return (await readFile(log, 'utf8')).split('\n').filter(Boolean).length;
}

async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('the live service', () => {
  let ws: TestWorkspace | undefined;
  let live: LiveService | undefined;
  afterEach(async () => {
    await live?.stop();
    await ws?.cleanup();
  });

  it('answers a stop of demo traffic once the simulator wrote its last line, then counts exactly the log', async () => {
    ws = await testWorkspace();
    const log = join(ws.root, 'events.log');
    await writeFile(log, '');
    const states: LiveState[] = [];
    live = new LiveService(ws.workspace, log, (e: EngineEvent) => {
      if (e.type === 'live.state') states.push(e.state);
    });
    await live.start();
    expect((await live.simulate(true, 400)).simulating).toBe(true);
    await until('the simulator wrote', async () => (await logLines(log)) > 20);
    const stopped = await live.simulate(false);
    expect(stopped.simulating).toBe(false);
    const atStop = await readFile(log, 'utf8');
    expect(atStop.endsWith('\n')).toBe(true);
    // Several of the simulator's 50 ms ticks later, not a byte more.
    await new Promise((r) => setTimeout(r, 300));
    expect(await readFile(log, 'utf8')).toBe(atStop);
    const written = atStop.split('\n').filter(Boolean).length;
    await until('the live view read the log', () => live!.state().counters.lines === written);
    // Each state is numbered after the one before it, so the app can keep the newest whatever arrives last.
    const seqs = [...states.map((s) => s.seq), stopped.seq];
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(states.every((s, i) => i === 0 || s.seq > (states[i - 1] as LiveState).seq)).toBe(true);
    expect(live.state().seq).toBeGreaterThan(Math.max(...seqs));
  });
});

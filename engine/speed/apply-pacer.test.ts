import { describe, expect, it } from 'vitest';
import { ApplyPacer } from './apply-pacer.js';

/** A pacer on a clock the test moves; `apply` takes `took` ms of it. */
function paced(options: { lines?: number; budget?: number; maxWaitMs?: number } = {}) {
  let clock = 1_000;
  const pacer = new ApplyPacer({ ...options, now: () => clock });
  return {
    pacer,
    advance: (ms: number) => (clock += ms),
    apply: (lines: number, took: number) =>
      pacer.apply(lines, async () => {
        clock += took;
      }),
  };
}

describe('the apply pacer', () => {
  it('applies nothing when nothing is pending, and has nothing to wait for', () => {
    const { pacer } = paced();
    expect(pacer.due(0)).toBe(false);
    expect(pacer.waitMs(0)).toBeUndefined();
    expect(pacer.readsOnChange(0)).toBe(true);
  });

  it('applies a lone line at once after a quiet spell, then holds lines for the applying time over the budget', async () => {
    const t = paced({ budget: 0.01, maxWaitMs: 60_000 });
    expect(t.pacer.due(1)).toBe(true);
    await t.apply(1, 20);
    // 20 ms of applying at 1% of a core: the next batch begins 2,000 ms after this one began (20 ms ago).
    expect(t.pacer.intervalMs).toBe(2_000);
    expect(t.pacer.waitMs(5)).toBe(1_980);
    t.advance(1_979);
    expect(t.pacer.due(5)).toBe(false);
    t.advance(1);
    expect(t.pacer.due(5)).toBe(true);
  });

  it('applies at once when `lines` are pending, however soon after the last batch', async () => {
    const t = paced({ lines: 100 });
    await t.apply(3, 30);
    expect(t.pacer.due(99)).toBe(false);
    expect(t.pacer.due(100)).toBe(true);
    expect(t.pacer.waitMs(100)).toBe(0);
  });

  it('holds lines no longer than maxWaitMs, however long applying takes', async () => {
    const t = paced({ budget: 0.01, maxWaitMs: 500 });
    await t.apply(1, 400);
    expect(t.pacer.intervalMs).toBe(500);
    expect(t.pacer.waitMs(1)).toBe(100);
  });

  it('follows what applying takes as a moving average: one slow batch does not set the pace', async () => {
    const t = paced({ budget: 0.1, maxWaitMs: 60_000 });
    await t.apply(1, 10);
    expect(t.pacer.intervalMs).toBe(100);
    t.advance(100);
    await t.apply(1, 110);
    // 10 + 0.3 × (110 − 10) = 40 ms, over 10%.
    expect(t.pacer.intervalMs).toBeCloseTo(400, 9);
  });

  it('reads on every change while the rate may bring `lines` before they are due, else only when they are due', async () => {
    const t = paced({ lines: 500, budget: 0.01, maxWaitMs: 2_000 });
    await t.apply(1, 20);
    // The rate is not known after one batch.
    expect(t.pacer.readsOnChange(10)).toBe(true);
    t.advance(1_980);
    // 50 lines in the 2,000 ms between the batches' starts: 450 more would take 18 s, past the 2 s interval.
    await t.apply(50, 20);
    expect(t.pacer.readsOnChange(50)).toBe(false);
    t.advance(1_980);
    // 5,000 lines in 2 s: the 400 still missing come in 160 ms, before the interval is up.
    await t.apply(5_000, 20);
    expect(t.pacer.readsOnChange(100)).toBe(true);
  });

  it('holds the end of a flood no longer than `lines` lines took to arrive at its rate', async () => {
    const t = paced({ lines: 500, budget: 0.01, maxWaitMs: 4_000 });
    await t.apply(1, 80);
    t.advance(20);
    // 1,000 lines in the 100 ms since the last batch began: 500 take 50 ms, far less than 80 ms over 1% (8 s).
    await t.apply(1_000, 80);
    expect(t.pacer.intervalMs).toBe(50);
    t.advance(1_000);
    // A trickle again: 3 lines in the 1,080 ms since; 500 would take 180 s, so applying's cost sets the pace, at most 4 s.
    await t.apply(3, 80);
    expect(t.pacer.intervalMs).toBe(4_000);
  });

  it('refuses a budget outside (0, 1]', () => {
    expect(() => new ApplyPacer({ budget: 0 })).toThrow(/budget/);
    expect(() => new ApplyPacer({ budget: 1.5 })).toThrow(/budget/);
  });
});

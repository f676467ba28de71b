import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import { tempDir } from '../testing/fixtures.js';
import { Tailer } from './tailer.js';
import { Wake } from './tail-wake.js';

describe('the tailer’s wake-up', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const settled = async (promise: Promise<void>) => {
    let done = false;
    void promise.then(() => (done = true));
    await vi.advanceTimersByTimeAsync(0);
    return done;
  };

  it('waits for a change or the poll interval, or a shorter time when asked', async () => {
    const wake = new Wake(1_000);
    const changed = wake.wait(false);
    expect(await settled(changed)).toBe(false);
    wake.wakeUp();
    expect(await settled(changed)).toBe(true);
    const polled = wake.wait(false);
    await vi.advanceTimersByTimeAsync(999);
    expect(await settled(polled)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(polled)).toBe(true);
    const sooner = wake.wait(false, 10);
    await vi.advanceTimersByTimeAsync(10);
    expect(await settled(sooner)).toBe(true);
  });

  it('sleeps through changes, which end the next wait at once; a close interrupts the sleep', async () => {
    const wake = new Wake(1_000);
    const sleeping = wake.sleep(false, 5_000);
    wake.wakeUp();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(await settled(sleeping)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(sleeping)).toBe(true);
    expect(await settled(wake.wait(false))).toBe(true);
    const interrupted = wake.sleep(false, 60_000);
    wake.interrupt();
    expect(await settled(interrupted)).toBe(true);
    expect(await settled(wake.sleep(true, 60_000))).toBe(true);
  });
});

describe('a tailer closing', () => {
  it('ends its sleeps and waits, and any later one at once', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const tailer = new Tailer({
        path: join(dir, 'events.log'),
        start: 'beginning',
        maxLineBytes: 1024,
        pollIntervalMs: 3_600_000,
      });
      const watcher = tailer.watch();
      const ended: string[] = [];
      const sleeping = tailer.sleep(3_600_000).then(() => ended.push('sleep'));
      const waiting = tailer.wait().then(() => ended.push('wait'));
      await tailer.close();
      await Promise.all([sleeping, waiting]);
      expect(ended.sort()).toEqual(['sleep', 'wait']);
      expect(tailer.isClosed).toBe(true);
      await tailer.sleep(3_600_000);
      await tailer.wait(3_600_000);
      watcher.close();
    } finally {
      await cleanup();
    }
  });
});

import { watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Wakes a waiting tailer: fs.watch on the file's directory wakes it at once, and the poll interval covers the events
 * fs.watch misses (network and synced folders may send none).
 */
export class Wake {
  private readonly waiters = new Set<() => void>();
  private readonly sleepers = new Set<() => void>();
  private dirty = false;

  constructor(private readonly pollIntervalMs: number) {}

  /** Watches the folder `path` is in; undefined where it cannot be watched, and polling alone serves. */
  watch(path: string): FSWatcher | undefined {
    try {
      // The directory, not the file: a watch on the file goes stale at the first rotation.
      const watcher = watch(dirname(path), { persistent: false }, () => this.wakeUp());
      watcher.on('error', () => watcher.close());
      return watcher;
    } catch {
      return undefined;
    }
  }

  /** Coalesces watch events: a burst wakes the iterator once, and an event during a read makes the next wait return at once. */
  wakeUp(): void {
    if (this.waiters.size === 0) this.dirty = true;
    for (const wake of [...this.waiters]) wake();
  }

  /** Ends every wait and sleep: the tailer is closing. */
  interrupt(): void {
    for (const wake of [...this.waiters, ...this.sleepers]) wake();
  }

  /**
   * `ms`, whatever changes meanwhile (a change seen still ends the next `wait` at once), unless interrupted; at once
   * when `closed`.
   */
  sleep(closed: boolean, ms: number): Promise<void> {
    if (closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.sleepers.add(done);
    });
  }

  /** Until something may have changed, or the poll interval (or `ms`, if sooner) passed; at once when `closed`. */
  wait(closed: boolean, ms = this.pollIntervalMs): Promise<void> {
    if (this.dirty || closed) {
      this.dirty = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, Math.min(ms, this.pollIntervalMs)));
      this.waiters.add(done);
    });
  }
}

import { watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Wakes a waiting tailer: fs.watch on the file's directory wakes it at once, and the poll interval covers the events
 * fs.watch misses (network and synced folders may send none).
 */
export class Wake {
  private readonly waiters = new Set<() => void>();
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

  /** Until something may have changed, or the poll interval passed; at once when `closed`. */
  wait(closed: boolean): Promise<void> {
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
      const timer = setTimeout(done, this.pollIntervalMs);
      this.waiters.add(done);
    });
  }
}

import type { Client } from '../api';
import { Throttle } from './throttle';
import type { LiveMode, LiveRow } from './live-table';

/** At most about three renders a second: the numbers stay readable and the page idle between ticks. */
const RENDER_INTERVAL_MS = 300;

/**
 * The live rows of one pipeline in the chosen modes: read once, then kept current from the engine's
 * `live.update` events (each carries all current rows of a pipeline in one mode), rendered throttled.
 */
export class LiveFeed {
  rows = $state.raw<Partial<Record<LiveMode, LiveRow[]>>>({});
  columns = $state.raw<string[]>([]);
  loading = $state(false);
  loaded = $state(false);
  error = $state<unknown>();
  updatedAt = $state<number>();
  private pending: Partial<Record<LiveMode, LiveRow[]>> = {};
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, nothing renders from it
  private updatedWhileReading = new Set<LiveMode>();
  private throttle = new Throttle(() => this.flush(), RENDER_INTERVAL_MS);
  private off: (() => void) | undefined;
  private following = '';
  private generation = 0;

  constructor(private readonly client: Client) {}

  /** Follows a pipeline in some modes (switching from what it followed before) and reads its rows now. */
  async follow(pipeline: string, modes: LiveMode[]): Promise<void> {
    const key = JSON.stringify([pipeline, modes]);
    if (key !== this.following) {
      this.stop();
      this.following = key;
      this.rows = {};
      this.columns = [];
      this.loaded = false;
      if (!pipeline) return;
      this.off = this.client.on('live.update', (e) => {
        if (e.pipeline !== pipeline || !modes.includes(e.mode)) return;
        this.pending[e.mode] = e.rows;
        this.updatedWhileReading.add(e.mode);
        this.throttle.schedule();
      });
    }
    if (!pipeline) return;
    const generation = ++this.generation;
    this.updatedWhileReading.clear();
    this.loading = true;
    this.error = undefined;
    try {
      const answers = await Promise.all(modes.map((mode) => this.client.call('live.rows', { pipeline, mode })));
      if (generation !== this.generation) return;
      const rows: Partial<Record<LiveMode, LiveRow[]>> = { ...this.rows };
      modes.forEach((mode, i) => {
        // An update that came while the rows were read is newer than them.
        if (!this.updatedWhileReading.has(mode)) rows[mode] = answers[i]!.rows;
      });
      this.rows = rows;
      const columns = answers.find((a) => a.columns.length)?.columns;
      if (columns) this.columns = columns;
      this.loaded = true;
      this.updatedAt = Date.now();
    } catch (error) {
      if (generation === this.generation) this.error = error;
      throw error;
    } finally {
      if (generation === this.generation) this.loading = false;
    }
  }

  private flush(): void {
    if (Object.keys(this.pending).length === 0) return;
    this.rows = { ...this.rows, ...this.pending };
    this.pending = {};
    this.updatedAt = Date.now();
    if (this.columns.length === 0) {
      const first = Object.values(this.rows).find((r) => r && r.length)?.[0];
      if (first) this.columns = Object.keys(first);
    }
  }

  stop(): void {
    this.off?.();
    this.off = undefined;
    this.following = '';
    this.generation++;
    this.throttle.cancel();
    this.pending = {};
    this.updatedWhileReading.clear();
    this.loading = false;
  }
}

import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { Random } from './random.js';
import { SessionModel, type GeneratedEvent } from './model.js';
import { toNdjson } from './formats.js';
import { throwIfAborted } from '../kernel/util/errors.js';
import { DAY_MS } from '../shared/calendar.js';

export interface SimulateOptions {
  /** The log to append to; or, with `sink`, none. */
  out?: string;
  /** Where lines go instead of a log (a broker's stream): each call's lines in order, done when it resolves. */
  sink?: (lines: string[]) => Promise<void>;
  /** Events per second, on average. */
  rate: number;
  /** Stop after this many seconds; run until aborted when absent. */
  seconds?: number;
  duplicates?: number;
  late?: number;
  seed?: number;
  /** Shrinks the minutes between a session's steps, so a demo's funnels complete in seconds (default 0.05). */
  timeScale?: number;
  signal?: AbortSignal;
  /** Called after each write, with totals so far. */
  onWrite?: (totals: SimulateTotals) => void;
  /** The clock (tests inject one). */
  now?: () => number;
  /** How often due events are written (default: about five events a write, every 50 to 200 ms). */
  tickMs?: number;
}

export interface SimulateTotals {
  lines: number;
  events: number;
  duplicates: number;
  late: number;
}

/**
 * Appends realistic shop events to a log in real time, as services would: sessions from the generator's
 * model, with event times of now, some events delivered twice (a retry) and some delivered days late.
 */
export async function simulate(options: SimulateOptions): Promise<SimulateTotals> {
  const now = options.now ?? Date.now;
  const random = new Random(options.seed ?? Date.now() % 2 ** 31);
  const model = new SessionModel(random, { users: 2000 });
  const scale = options.timeScale ?? 0.05;
  // A write wakes every follower of the log: a trickle is written a few events at a time, not one by one.
  const tick = options.tickMs ?? Math.min(200, Math.max(50, Math.round(5000 / options.rate)));
  const totals: SimulateTotals = { lines: 0, events: 0, duplicates: 0, late: 0 };
  // Events scheduled for the future: the rest of each session, and delayed duplicates.
  const queue: { at: number; line: string; duplicate: boolean; late: boolean }[] = [];
  const started = now();
  const end = options.seconds === undefined ? Infinity : started + options.seconds * 1000;
  let emitted = 0;

  let write = options.sink;
  let file: FileHandle | undefined;
  if (!write) {
    if (options.out === undefined) throw new Error('simulate needs a log to write to (out) or a sink');
    await mkdir(dirname(options.out), { recursive: true });
    const handle = await open(options.out, 'a');
    file = handle;
    write = async (lines) => void (await handle.write(`${lines.join('\n')}\n`));
  }
  try {
    for (;;) {
      throwIfAborted(options.signal);
      const t = now();
      if (t >= end) break;
      // Start sessions until the scheduled events keep up with the target rate.
      const target = ((t - started) / 1000 + tick / 1000) * options.rate;
      while (emitted + queue.length < target) {
        const late = random.chance(options.late ?? 0);
        const base = late ? t - random.int(DAY_MS, 3 * DAY_MS) : t;
        const session: GeneratedEvent[] = model.session(base);
        for (const event of session) {
          const offset = (event.occurred_at_ms - base) * scale;
          const shifted = { ...event, occurred_at_ms: late ? event.occurred_at_ms : Math.round(base + offset) };
          const at = late ? t : t + offset;
          const line = toNdjson(shifted);
          queue.push({ at, line, duplicate: false, late });
          if (random.chance(options.duplicates ?? 0)) queue.push({ at: at + random.int(200, 5000), line, duplicate: true, late });
        }
      }
      queue.sort((a, b) => a.at - b.at);
      let due = 0;
      while (due < queue.length && (queue[due] as { at: number }).at <= t) due++;
      if (due > 0) {
        const written = queue.splice(0, due);
        await write(written.map((q) => q.line));
        emitted += written.length;
        for (const q of written) {
          totals.lines++;
          if (q.duplicate) totals.duplicates++;
          else totals.events++;
          if (q.late && !q.duplicate) totals.late++;
        }
        options.onWrite?.({ ...totals });
      }
      await new Promise((resolve) => setTimeout(resolve, tick));
    }
  } finally {
    await file?.close();
  }
  return totals;
}

// The cost of following a log, in one run: the share of a core `recount tail` takes at a trickle of demo traffic (25
// events/s, measured in a child process of its own), and the latency from append to live view at 10,000 events/s;
// each beside the bare Node loop of bare-tail.ts doing the same.
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { z } from 'zod';
import { initWorkspace, openWorkspace } from '../engine/service/init.js';
import { LiveSession } from '../engine/speed/session.js';
import { simulate } from '../engine/generator/simulator.js';
import { appendAtRate } from './append-writer.js';
import { bareTail } from './bare-tail.js';
import { BENCH_DIR, dataset } from './data.js';
import type { Report } from './report.js';

const TRICKLE = 25;
const WARMUP_S = 10;
const WINDOW_S = 30;
const RATE = 10_000;
const LATENCY_S = 8;

const ChildResult = z.object({ share: z.number(), lines: z.number(), batches: z.number(), seconds: z.number() });
type ChildResult = z.infer<typeof ChildResult>;

/** A child following `log` (ours or the bare loop), its CPU share over the window. */
async function cpuShare(kind: 'ours' | 'bare', log: string, workspace: string): Promise<ChildResult> {
  const child = fileURLToPath(new URL('./tail-child.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', child, kind, log, workspace, String(WARMUP_S), String(WINDOW_S)],
    // As bin/recount.js runs the engine.
    { env: { ...process.env, UV_THREADPOOL_SIZE: '16' }, timeout: (WARMUP_S + WINDOW_S + 60) * 1000 },
  );
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return ChildResult.parse(JSON.parse(last));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/**
 * Appends `lines` to `log` at RATE lines/s from a worker thread while `follow` follows it; each line's time from its
 * append to `follow` reporting it (by line number: `follow` calls back with the lines it made visible).
 */
async function latencies(
  log: string,
  lines: string[],
  follow: (visible: (lineNumbers: Iterable<number>) => void, done: Promise<void>) => Promise<void>,
): Promise<{ sorted: number[]; written: number; seconds: number }> {
  await writeFile(log, '');
  const appendedAt = new Float64Array(new SharedArrayBuffer(lines.length * 8));
  const measured: number[] = [];
  let finish = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  const following = follow((lineNumbers) => {
    const now = performance.timeOrigin + performance.now();
    for (const line of lineNumbers) measured.push(now - (appendedAt[line - 1] as number));
    if (measured.length >= lines.length) finish();
  }, done);
  const written = await appendAtRate(log, lines, RATE, appendedAt.buffer as SharedArrayBuffer);
  const deadline = setTimeout(finish, 10_000);
  await following;
  clearTimeout(deadline);
  return { sorted: measured.sort((a, b) => a - b), written: written.done, seconds: written.seconds };
}

export async function benchTail(report: Report): Promise<void> {
  const dir = join(BENCH_DIR, 'tail-ws');
  await rm(dir, { recursive: true, force: true });
  await initWorkspace(dir);
  const logs = join(BENCH_DIR, 'tail-logs');
  await rm(logs, { recursive: true, force: true });
  await mkdir(logs, { recursive: true });
  try {
    // CPU at a trickle: the simulator writes demo traffic; ours and the bare loop follow their own copies of it, side by
    // side, each in its own process, each measuring itself.
    const ours = join(logs, 'trickle.log');
    const bare = join(logs, 'trickle-bare.log');
    await writeFile(ours, '');
    await writeFile(bare, '');
    const controller = new AbortController();
    const seconds = WARMUP_S + WINDOW_S + 20;
    const traffic = Promise.all(
      [ours, bare].map((out) =>
        simulate({ out, rate: TRICKLE, seconds, seed: 3, duplicates: 0.03, late: 0.02, signal: controller.signal }).catch(
          () => undefined,
        ),
      ),
    );
    const [mine, baseline] = await Promise.all([cpuShare('ours', ours, dir), cpuShare('bare', bare, dir)]);
    controller.abort();
    await traffic;
    const percent = (share: number) => Math.round(share * 1000) / 10;
    report.add({
      section: 'tail',
      name: `CPU of recount tail following ${TRICKLE} events/s (both modes; process CPU time / wall time over ${WINDOW_S} s)`,
      value: percent(mine.share),
      unit: '% of a core',
      baseline: {
        name: 'bare Node loop: fs.watch + read + JSON.parse per line',
        value: percent(baseline.share),
        unit: '% of a core',
      },
      target: '≤ 2% of a core',
      met: mine.share <= 0.02,
      detail: {
        'lines applied': mine.lines,
        'batches applied': mine.batches,
        'bare loop reads': baseline.batches,
        'bare loop lines': baseline.lines,
      },
    });

    // Latency at a flood: a worker appends RATE lines/s; ours (a session as `recount tail` opens it, default settings),
    // then the bare loop, each over the same lines.
    const data = await dataset('tail', { days: 2, eventsPerDay: 45_000, seed: 4, duplicates: 0.02, late: 0.01, malformed: 0 });
    const lines = (await readFile(data.path, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .slice(0, RATE * LATENCY_S);
    const workspace = await openWorkspace(dir);
    let session: LiveSession | undefined;
    let flood: Awaited<ReturnType<typeof latencies>>;
    try {
      session = await LiveSession.open(workspace, { log: join(logs, 'flood.log'), start: 'beginning', restart: true });
      const following = session;
      flood = await latencies(join(logs, 'flood.log'), lines, async (visible, done) => {
        const stop = new AbortController();
        void done.then(() => stop.abort());
        await following.follow(stop.signal, (tick) => visible(tick.lineNumbers));
      });
    } finally {
      await session?.close({ checkpoint: false });
      await workspace.close();
    }
    const bareFlood = await latencies(join(logs, 'flood-bare.log'), lines, async (visible, done) => {
      let seen = 0;
      const stop = await bareTail(join(logs, 'flood-bare.log'), (n) => {
        visible(Array.from({ length: n }, (_, i) => seen + i + 1));
        seen += n;
      });
      await done;
      await stop();
    });
    const p99 = percentile(flood.sorted, 99);
    report.add({
      section: 'tail',
      name: `latency from append to live view at ${RATE.toLocaleString('en-US')} events/s, default settings (${flood.written.toLocaleString('en-US')} lines over ${flood.seconds.toFixed(1)} s, both modes)`,
      value: Math.round(p99),
      unit: 'ms (p99)',
      baseline: {
        name: 'bare Node loop: fs.watch + read + JSON.parse per line',
        value: Math.round(percentile(bareFlood.sorted, 99)),
        unit: 'ms (p99)',
      },
      target: 'p99 < 250 ms',
      met: p99 < 250 && flood.sorted.length === flood.written,
      detail: {
        'p50 ms': Math.round(percentile(flood.sorted, 50)),
        'max ms': Math.round(flood.sorted.at(-1) ?? 0),
        measured: flood.sorted.length,
        'bare loop p50 ms': Math.round(percentile(bareFlood.sorted, 50)),
      },
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(logs, { recursive: true, force: true });
  }
}

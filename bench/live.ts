import { createReadStream } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { initWorkspace } from '../pipelines/engine/init.js';
import { Workspace } from '../pipelines/workspace/workspace.js';
import { LiveView } from '../pipelines/stream/live-view.js';
import { LiveSession } from '../pipelines/stream/session.js';
import { replayLog } from '../pipelines/stream/feed.js';
import { BENCH_DIR, dataset } from './data.js';
import { IMPORT_DATASET } from './import.js';
import { median, type Report } from './report.js';

/** The baseline: the simplest Node loop over the same file, reading lines and JSON.parse-ing each. */
async function bareLoop(file: string): Promise<{ ms: number; lines: number }> {
  const started = performance.now();
  let lines = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    JSON.parse(line);
    lines++;
  }
  return { ms: performance.now() - started, lines };
}

/**
 * The whole file into a fresh live view (exact mode), as a replay (`compare`) reads a log: replayLog, which frames it
 * with the tailer and then has DuckDB read it whole, or in batches where it must; then what the view's state costs in
 * memory (DuckDB's figure is the whole instance's: one view at a time).
 */
async function throughput(workspace: Workspace, file: string) {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const view = await LiveView.create(workspace, { source: file, modes: ['exact'] });
  const started = performance.now();
  let lines = 0;
  await replayLog(view, { path: file, maxLineBytes: 1 << 20 }, { applied: (ingest) => (lines += ingest.lines) });
  const ms = performance.now() - started;
  gc?.();
  const memory = await view.memory();
  const heap = process.memoryUsage().heapUsed - heapBefore;
  const result = { ms, lines, pipelines: view.pipelines.length, timings: { ...view.timings }, memory, heap };
  await view.close();
  return result;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export async function benchLive(report: Report): Promise<void> {
  const data = await dataset('import', IMPORT_DATASET);
  const dir = join(BENCH_DIR, 'live-ws');
  await rm(dir, { recursive: true, force: true });
  await initWorkspace(dir);
  const workspace = await Workspace.open(dir);
  try {
    // Throughput: the whole file through the tailer and the live view, exact mode, every realtime pipeline; three
    // rounds, each the bare loop and then ours, and the median of each (this machine's speed drifts from minute to minute).
    const rounds: { bare: { ms: number; lines: number }; ours: Awaited<ReturnType<typeof throughput>> }[] = [];
    // Each from a collected heap (throughput measures the heap its state takes; the bare loop gets the same start).
    const gc = (globalThis as { gc?: () => void }).gc;
    for (let round = 0; round < 3; round++) {
      gc?.();
      const bare = await bareLoop(data.path);
      rounds.push({ bare, ours: await throughput(workspace, data.path) });
    }
    const bareMs = median(rounds.map((r) => r.bare.ms));
    const oursMs = median(rounds.map((r) => r.ours.ms));
    const last = rounds[2] as (typeof rounds)[number];
    const { lines, pipelines, timings, memory, heap } = last.ours;
    const events = memory.exactEvents;
    const ratio = lines / oursMs / (last.bare.lines / bareMs);
    report.add({
      section: 'live',
      name: `live-view ingest, exact mode, ${pipelines} realtime pipelines (${lines.toLocaleString('en-US')} lines)`,
      value: Math.round((lines / oursMs) * 1000),
      unit: 'events/s',
      baseline: {
        name: 'bare Node loop: readline + JSON.parse per line',
        value: Math.round((last.bare.lines / bareMs) * 1000),
        unit: 'lines/s',
      },
      ratio,
      target: '≥ 1.0× the bare loop',
      met: ratio >= 1,
      detail: {
        'ours s (3 rounds)': rounds.map((r) => (r.ours.ms / 1000).toFixed(2)).join(' / '),
        'bare loop s (3 rounds)': rounds.map((r) => (r.bare.ms / 1000).toFixed(2)).join(' / '),
        ...Object.fromEntries(Object.entries(timings).map(([k, v]) => [`${k} ms`, Math.round(v)])),
      },
    });
    report.add({
      section: 'live',
      name: 'memory of live state per million events (exact mode)',
      value: Math.round(
        (((memory.duckdbBytes + memory.identityIndexBytes + memory.distinctValuesBytes + heap) / events) * 1e6) / 2 ** 20,
      ),
      unit: 'MiB',
      detail: {
        events,
        'DuckDB (events, batch tables) MiB': Math.round(memory.duckdbBytes / 2 ** 20),
        'identity index MiB': Math.round(memory.identityIndexBytes / 2 ** 20),
        'distinct values (hash tables) MiB': Math.round(memory.distinctValuesBytes / 2 ** 20),
        'JS heap (merged state) MiB': Math.round(heap / 2 ** 20),
        groups: memory.groups,
        'distinct values held': memory.distinctValues,
      },
    });

    // Latency: a writer thread appends 10,000 events per second; each line's time from append to applied.
    const all = (await readFile(data.path, 'utf8')).split('\n');
    const rate = 10_000;
    const source = all.slice(0, rate * 8);
    const log = join(dir, 'latency.log');
    await writeFile(log, '');
    const session = await LiveSession.open(workspace, {
      log,
      start: 'beginning',
      modes: ['naive', 'exact'],
      pollIntervalMs: 10,
      checkpointIntervalMs: 60_000,
    });
    const times = new SharedArrayBuffer(source.length * 8);
    const appendedAt = new Float64Array(times);
    const latencies: number[] = [];
    const controller = new AbortController();
    const following = session.follow(controller.signal, (tick) => {
      const now = performance.timeOrigin + performance.now();
      for (const line of tick.lineNumbers) latencies.push(now - (appendedAt[line - 1] as number));
      if (latencies.length >= source.length) controller.abort();
    });
    const writer = new Worker(new URL('./live-writer.js', import.meta.url), { workerData: { log, lines: source, rate, times } });
    const written = await new Promise<{ done: number; seconds: number }>((resolve) => writer.once('message', resolve));
    const deadline = setTimeout(() => controller.abort(), 10_000);
    await following;
    clearTimeout(deadline);
    await session.close({ checkpoint: false });
    const sorted = latencies.sort((a, b) => a - b);
    report.add({
      section: 'live',
      name: `latency from append to live view at ${rate.toLocaleString('en-US')} events/s (${written.done.toLocaleString('en-US')} lines over ${written.seconds.toFixed(1)} s, both modes)`,
      value: Math.round(percentile(sorted, 99)),
      unit: 'ms (p99)',
      target: 'p99 < 250 ms',
      met: percentile(sorted, 99) < 250,
      detail: {
        'p50 ms': Math.round(percentile(sorted, 50)),
        'p99 ms': Math.round(percentile(sorted, 99)),
        'max ms': Math.round(sorted.at(-1) ?? 0),
        measured: sorted.length,
      },
    });
  } finally {
    await workspace.close();
    await rm(dir, { recursive: true, force: true });
  }
}

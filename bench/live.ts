import { createReadStream } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { initWorkspace } from '../pipelines/engine/init.js';
import { Workspace } from '../pipelines/workspace/workspace.js';
import { LiveView } from '../pipelines/stream/live-view.js';
import { LiveSession } from '../pipelines/stream/session.js';
import { Tailer } from '../pipelines/stream/tailer.js';
import { BENCH_DIR, dataset } from './data.js';
import { IMPORT_DATASET } from './import.js';
import type { Report } from './report.js';

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
    // Throughput: the whole file through the tailer and the live view, exact mode, every realtime pipeline.
    const bare = await bareLoop(data.path);
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const view = await LiveView.create(workspace, { source: data.path, modes: ['exact'] });
    const tailer = new Tailer({
      path: data.path,
      start: 'beginning',
      maxLineBytes: 1 << 20,
      maxBatchBytes: 64 << 20,
      watch: false,
      reuseBuffers: true,
    });
    const started = performance.now();
    let lines = 0;
    for (let batches = await tailer.poll({ maxBatches: 1 }); batches.length > 0; batches = await tailer.poll({ maxBatches: 1 })) {
      for (const batch of batches) {
        if (batch.count) await view.ingest(batch);
        lines += batch.count;
      }
    }
    const ms = performance.now() - started;
    await tailer.close();
    gc?.();
    const memory = await view.memory();
    const heap = process.memoryUsage().heapUsed - heapBefore;
    const events = memory.exactEvents;
    const ratio = lines / ms / (bare.lines / bare.ms);
    report.add({
      section: 'live',
      name: `live-view ingest, exact mode, ${view.pipelines.length} realtime pipelines (${lines.toLocaleString('en-US')} lines)`,
      value: Math.round((lines / ms) * 1000),
      unit: 'events/s',
      baseline: {
        name: 'bare Node loop: readline + JSON.parse per line',
        value: Math.round((bare.lines / bare.ms) * 1000),
        unit: 'lines/s',
      },
      ratio,
      target: '≥ 1.0× the bare loop',
      met: ratio >= 1,
      detail: Object.fromEntries(Object.entries(view.timings).map(([k, v]) => [`${k} ms`, Math.round(v)])),
    });
    report.add({
      section: 'live',
      name: 'memory of live state per million events (exact mode)',
      value: Math.round((((memory.duckdbBytes + memory.identityIndexBytes + heap) / events) * 1e6) / 2 ** 20),
      unit: 'MiB',
      detail: {
        events,
        'DuckDB (events, batch tables) MiB': Math.round(memory.duckdbBytes / 2 ** 20),
        'identity index MiB': Math.round(memory.identityIndexBytes / 2 ** 20),
        'JS heap (merged state, distinct sets) MiB': Math.round(heap / 2 ** 20),
        groups: memory.groups,
        'distinct values held': memory.distinctValues,
      },
    });
    await view.close();

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

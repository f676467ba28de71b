import { createReadStream } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { initWorkspace, openWorkspace } from '../engine/service/init.js';
import type { Workspace } from '../engine/kernel/workspace/workspace.js';
import { LiveView, type LiveIngest } from '../engine/speed/live-view.js';
import { LiveSession } from '../engine/speed/session.js';
import { Tailer } from '../engine/speed/tailer.js';
import { feedView, replayLog, REPLAY_BATCH_BYTES, type ReplayRead } from '../engine/speed/replay.js';
import { appendAtRate } from './append-writer.js';
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
 * The whole file into a fresh live view (exact mode), as a replay (`compare`) reads a log: `whole` is replayLog, which
 * has DuckDB read a log whole while the tailer frames it, `batches` the path of a log it cannot read so (feedView:
 * batches through the tailer and batch files); then what the view's state costs in memory (DuckDB's figure is the whole
 * instance's: one view at a time).
 */
async function throughput(workspace: Workspace, file: string, read: ReplayRead) {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const view = await LiveView.create(workspace, { source: file, modes: ['exact'] });
  const started = performance.now();
  let lines = 0;
  const applied = (ingest: LiveIngest) => (lines += ingest.lines);
  let how: ReplayRead = 'batches';
  if (read === 'whole') {
    how = await replayLog(view, { path: file, maxLineBytes: 1 << 20 }, { applied });
  } else {
    const tailer = new Tailer({
      path: file,
      start: 'beginning',
      maxLineBytes: 1 << 20,
      maxBatchBytes: REPLAY_BATCH_BYTES,
      watch: false,
      reuseBuffers: true,
    });
    await feedView(tailer, view, { applied });
    await tailer.close();
  }
  const ms = performance.now() - started;
  gc?.();
  const memory = await view.memory();
  const heap = process.memoryUsage().heapUsed - heapBefore;
  const result = { ms, lines, how, pipelines: view.pipelines.length, timings: { ...view.timings }, memory, heap };
  await view.close();
  return result;
}

type Measured = Awaited<ReturnType<typeof throughput>>;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export async function benchLive(report: Report): Promise<void> {
  const data = await dataset('import', IMPORT_DATASET);
  const dir = join(BENCH_DIR, 'live-ws');
  await rm(dir, { recursive: true, force: true });
  await initWorkspace(dir);
  const workspace = await openWorkspace(dir);
  try {
    // Throughput: the whole file into the live view, exact mode, every realtime pipeline, read whole and in batches;
    // three rounds, each the bare loop and then ours, and the median of each (this machine's speed drifts from minute
    // to minute). Each from a collected heap (throughput measures the heap its state takes; the bare loop gets the same).
    const rounds: { bare: { ms: number; lines: number }; whole: Measured; batches: Measured }[] = [];
    const gc = (globalThis as { gc?: () => void }).gc;
    for (let round = 0; round < 3; round++) {
      gc?.();
      const bare = await bareLoop(data.path);
      const whole = await throughput(workspace, data.path, 'whole');
      rounds.push({ bare, whole, batches: await throughput(workspace, data.path, 'batches') });
    }
    const bareMs = median(rounds.map((r) => r.bare.ms));
    const last = rounds[2] as (typeof rounds)[number];
    const bareRate = last.bare.lines / bareMs;
    for (const read of ['whole', 'batches'] as const) {
      const oursMs = median(rounds.map((r) => r[read].ms));
      const { lines, pipelines, timings, how } = last[read];
      const ratio = lines / oursMs / bareRate;
      report.add({
        section: 'live',
        name:
          read === 'whole'
            ? `live-view ingest, exact mode, ${pipelines} realtime pipelines (${lines.toLocaleString('en-US')} lines, a replay: read whole)`
            : `the same in batches (a log DuckDB may not read whole: CRLF, blank or rejected lines)`,
        value: Math.round((lines / oursMs) * 1000),
        unit: 'events/s',
        baseline: {
          name: 'bare Node loop: readline + JSON.parse per line',
          value: Math.round(bareRate * 1000),
          unit: 'lines/s',
        },
        ratio,
        ...(read === 'whole' ? { target: '≥ 1.0× the bare loop', met: ratio >= 1 } : {}),
        detail: {
          read: how,
          'ours s (3 rounds)': rounds.map((r) => (r[read].ms / 1000).toFixed(2)).join(' / '),
          'bare loop s (3 rounds)': rounds.map((r) => (r.bare.ms / 1000).toFixed(2)).join(' / '),
          ...Object.fromEntries(Object.entries(timings).map(([k, v]) => [`${k} ms`, Math.round(v)])),
        },
      });
    }
    const { memory, heap } = last.whole;
    const events = memory.exactEvents;
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
    const written = await appendAtRate(log, source, rate, times);
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

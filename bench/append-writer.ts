// The writer thread of the latency benches: appends lines to a log at a fixed rate and records, per line, when its
// append began (performance.timeOrigin + now, comparable across threads). Plain JavaScript run with `eval`: on Node 20
// a worker thread does not get the tsx loader, so a .ts worker file cannot be loaded.
import { Worker } from 'node:worker_threads';

const WRITER = `
const { appendFileSync } = require('node:fs');
const { workerData, parentPort } = require('node:worker_threads');
const { log, lines, rate, times } = workerData;
const appendedAt = new Float64Array(times);
const clock = () => performance.timeOrigin + performance.now();
const start = clock();
let written = 0;
const timer = setInterval(() => {
  const due = Math.min(lines.length, Math.floor(((clock() - start) / 1000) * rate));
  if (due > written) {
    // Stamped before the append: a reader may see the lines before an append returns.
    const at = clock();
    for (let i = written; i < due; i++) appendedAt[i] = at;
    appendFileSync(log, lines.slice(written, due).join('\\n') + '\\n');
    written = due;
  }
  if (written >= lines.length) {
    clearInterval(timer);
    parentPort.postMessage({ done: written, seconds: (clock() - start) / 1000 });
  }
}, 5);
`;

/** Starts appending `lines` to `log` at `rate` lines/s; resolves with how many it wrote, over how long. */
export function appendAtRate(
  log: string,
  lines: string[],
  rate: number,
  times: SharedArrayBuffer,
): Promise<{ done: number; seconds: number }> {
  const writer = new Worker(WRITER, { eval: true, workerData: { log, lines, rate, times } });
  return new Promise((resolve, reject) => {
    writer.once('message', resolve);
    writer.once('error', reject);
  });
}

// Worker thread for the latency bench: appends lines to the log at a fixed rate and records, per line,
// when its append completed (performance.timeOrigin + now, comparable across threads).
import { appendFileSync } from 'node:fs';
import { workerData, parentPort } from 'node:worker_threads';

const { log, lines, rate, times } = workerData as { log: string; lines: string[]; rate: number; times: SharedArrayBuffer };
const appendedAt = new Float64Array(times);
const clock = () => performance.timeOrigin + performance.now();
const start = clock();
let written = 0;
const timer = setInterval(() => {
  const due = Math.min(lines.length, Math.floor(((clock() - start) / 1000) * rate));
  if (due > written) {
    appendFileSync(log, `${lines.slice(written, due).join('\n')}\n`);
    const at = clock();
    for (let i = written; i < due; i++) appendedAt[i] = at;
    written = due;
  }
  if (written >= lines.length) {
    clearInterval(timer);
    parentPort?.postMessage({ done: written, seconds: (clock() - start) / 1000 });
  }
}, 5);

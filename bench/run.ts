// `npm run bench`: measures Recount against baselines run in the same process and writes the figures
// to .bench/results.json and .bench/results.md, and the README's table of current figures (readme-table.ts).
// Sections: --only lake,batch,live,stream,tail,app (default: all); --no-readme leaves the README as it is.
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchImport } from './import.js';
import { benchBatch } from './batch.js';
import { benchLive } from './live.js';
import { benchUi } from './ui.js';
import { benchStream } from './stream.js';
import { benchTail } from './tail.js';
import { BENCH_DIR } from './data.js';
import { Report } from './report.js';
import { writeReadmeTable } from './readme-table.js';

const sections: Record<string, (report: Report) => Promise<void>> = {
  lake: benchImport,
  batch: benchBatch,
  live: benchLive,
  stream: benchStream,
  tail: benchTail,
  app: benchUi,
};

const onlyArg = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const selected = onlyArg ? onlyArg.split(',') : Object.keys(sections);
const report = new Report();
for (const name of selected) {
  const run = sections[name];
  if (!run) throw new Error(`unknown bench section ${name}; have ${Object.keys(sections).join(', ')}`);
  process.stdout.write(`${name}\n`);
  await run(report);
}
const environment = {
  node: process.version,
  cpus: `${availableParallelism()} × ${cpus()[0]?.model ?? 'cpu'}`,
  memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
};
await report.write(join(BENCH_DIR, 'results.json'), join(BENCH_DIR, 'results.md'), environment);
process.stdout.write(`\nFigures written to ${join(BENCH_DIR, 'results.md')} and results.json\n`);
if (!process.argv.includes('--no-readme')) {
  const readme = fileURLToPath(new URL('../README.md', import.meta.url));
  await writeReadmeTable(readme, report.figures, `${report.startedAt.slice(0, 16).replace('T', ' ')} UTC`);
  process.stdout.write(`and the table in ${readme}\n`);
}

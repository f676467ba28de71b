// `npm run bench`: measures Recount against baselines run in the same process and writes the figures
// to .bench/results.json and .bench/results.md, and the README's table of current figures (readme-table.ts).
// Sections: --only lake,batch,live,stream,tail,app (default: all); --no-readme leaves the README as it is.
// --scale (or --only=scale) runs the scale section, opt-in since it takes the better part of an hour;
// --scale-events=N sizes its large lake (default 10,000,000; the small one is a tenth).
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
import { benchScale, SCALE_EVENTS } from './scale.js';
import { writeScaleTable, type ScaleRun } from './scale-table.js';

const option = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const scaleEventsArg = option('scale-events');
const scaleEvents = scaleEventsArg === undefined ? SCALE_EVENTS : Number(scaleEventsArg.replace(/_/g, ''));
if (!Number.isInteger(scaleEvents) || scaleEvents < 3650) {
  throw new Error(`--scale-events must be a whole number of events, at least 3650; got ${scaleEventsArg}`);
}
let scaleRun: ScaleRun | undefined;

const sections: Record<string, (report: Report) => Promise<void>> = {
  lake: benchImport,
  batch: benchBatch,
  live: benchLive,
  stream: benchStream,
  tail: benchTail,
  app: benchUi,
  scale: async (report) => {
    scaleRun = await benchScale(report, scaleEvents);
  },
};

const onlyArg = option('only');
const scale = process.argv.includes('--scale') ? ['scale'] : [];
const selected = onlyArg
  ? [...new Set([...onlyArg.split(','), ...scale])]
  : scale.length > 0
    ? scale
    : Object.keys(sections).filter((s) => s !== 'scale');
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
// A scale run by itself keeps its figures apart, so that it does not replace the last full run's.
const results = selected.length === 1 && selected[0] === 'scale' ? 'scale-results' : 'results';
await report.write(join(BENCH_DIR, `${results}.json`), join(BENCH_DIR, `${results}.md`), environment);
process.stdout.write(`\nFigures written to ${join(BENCH_DIR, `${results}.md`)} and ${results}.json\n`);
if (!process.argv.includes('--no-readme')) {
  const readme = fileURLToPath(new URL('../README.md', import.meta.url));
  const measured = `${report.startedAt.slice(0, 16).replace('T', ' ')} UTC`;
  const main = report.figures.filter((f) => f.section !== 'scale');
  if (main.length > 0) await writeReadmeTable(readme, main, measured);
  if (scaleRun) await writeScaleTable(readme, scaleRun, measured);
  process.stdout.write(`and the ${scaleRun && main.length > 0 ? 'tables' : 'table'} in ${readme}\n`);
}

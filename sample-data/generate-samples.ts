// Regenerates the small sample files that ship with Recount (`npm run sample-data`). Deterministic:
// the same seeds always produce byte-identical files.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { writeEvents } from '../engine/generator/generate.js';

const here = fileURLToPath(new URL('.', import.meta.url)).replace(/dist\/sample-data\/$/, 'sample-data/');
const base = { start: '2026-10-01', duplicates: 0.02, late: 0.02 };
await writeEvents(
  join(here, 'shop-events.ndjson'),
  { ...base, days: 21, eventsPerDay: 400, seed: 2026, malformed: 0.003 },
  'ndjson',
  { truth: false },
);
await writeEvents(
  join(here, 'shop-events-late-october.csv'),
  { ...base, start: '2026-10-22', days: 7, eventsPerDay: 300, seed: 2027, malformed: 0.003 },
  'csv',
  { truth: false },
);
await writeEvents(
  join(here, 'shop-events-november.parquet'),
  { ...base, start: '2026-10-29', days: 7, eventsPerDay: 300, seed: 2028, malformed: 0 },
  'parquet',
  { truth: false },
);
process.stdout.write(`sample files written to ${here}\n`);

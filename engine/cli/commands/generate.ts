import type { Command } from 'commander';
import { DEFAULT_START, writeEvents, writeTruth, type GeneratedFormat } from '../../generator/generate.js';
import { UserError } from '../../kernel/util/errors.js';
import { humanCount, runCommand } from '../common.js';

interface GenerateOptions {
  out: string;
  days: string;
  eventsPerDay: string;
  seed: string;
  duplicates: string;
  late: string;
  malformed: string;
  format?: GeneratedFormat;
  start: string;
  truth?: string;
  json?: boolean;
}

function number(name: string, value: string, { integer = false, min = 0, max = Number.POSITIVE_INFINITY } = {}): number {
  const n = Number(value);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new UserError(`--${name} must be ${integer ? 'an integer' : 'a number'} between ${min} and ${max}, got "${value}"`);
  }
  return n;
}

function formatFromPath(path: string): GeneratedFormat {
  const p = path.toLowerCase().replace(/\.gz$/, '');
  if (p.endsWith('.csv')) return 'csv';
  if (p.endsWith('.parquet')) return 'parquet';
  return 'ndjson';
}

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description(
      'write realistic e-commerce events (seeded, deterministic), with duplicates, late and malformed lines on request',
    )
    .requiredOption('--out <path>', 'file to write (.ndjson, .csv, .parquet; .gz compresses text)')
    .option('--days <n>', 'number of days', '7')
    .option('--events-per-day <n>', 'events per day', '1000')
    .option('--seed <n>', 'random seed', '1')
    .option('--duplicates <fraction>', 'fraction of events delivered twice', '0')
    .option('--late <fraction>', 'fraction of events arriving one to three days late', '0')
    .option('--malformed <fraction>', 'fraction of lines broken on purpose', '0')
    .option('--format <format>', 'ndjson | csv | parquet (default: from the extension)')
    .option('--start <date>', 'first day (UTC), YYYY-MM-DD', DEFAULT_START)
    .option('--truth <path>', 'also write what was generated, as JSON, for tests')
    .option('--json', 'print a JSON summary')
    .action((options: GenerateOptions) =>
      runCommand(async () => {
        const format = options.format ?? formatFromPath(options.out);
        if (!['ndjson', 'csv', 'parquet'].includes(format)) throw new UserError('--format must be ndjson, csv or parquet');
        if (!/^\d{4}-\d{2}-\d{2}$/.test(options.start)) throw new UserError('--start must be YYYY-MM-DD');
        const generateOptions = {
          days: number('days', options.days, { integer: true, min: 1, max: 3650 }),
          eventsPerDay: number('events-per-day', options.eventsPerDay, { integer: true, min: 1 }),
          seed: number('seed', options.seed, { integer: true }),
          duplicates: number('duplicates', options.duplicates, { max: 1 }),
          late: number('late', options.late, { max: 1 }),
          malformed: number('malformed', options.malformed, { max: 1 }),
          start: options.start,
        };
        const truth = await writeEvents(options.out, generateOptions, format, { truth: Boolean(options.truth) });
        if (options.truth) await writeTruth(options.truth, truth);
        const summary = {
          out: options.out,
          format,
          lines: truth.lines,
          days: generateOptions.days,
          events_per_day: generateOptions.eventsPerDay,
        };
        if (options.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
        else process.stdout.write(`Wrote ${humanCount(truth.lines)} lines (${format}) to ${options.out}\n`);
      }),
    );
}

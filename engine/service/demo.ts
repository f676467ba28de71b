import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeEvents, type GenerateOptions } from '../generator/generate.js';
import { toNdjson } from '../generator/formats.js';
import { Random } from '../generator/random.js';
import { SessionModel, type GeneratedEvent } from '../generator/model.js';
import { SETTINGS_FILE } from '../kernel/workspace/workspace.js';
import { exists } from '../kernel/util/fsx.js';
import { importFile } from '../lake/import.js';
import { runPipelines } from '../batch/runner.js';
import { serializeNotebook, type Notebook } from '../shared/notebook-format.js';
import { DAY_MS, addDays, msDate, startOfDayMs } from '../shared/calendar.js';
import { initWorkspace, openWorkspace } from './init.js';

export const DEMO_LOG = join('logs', 'events.log');
export const DEMO_NOTEBOOK = 'Shop overview';
const BUILDING_MARKER = '.demo-building';

export function demoNotebook(): Notebook {
  return {
    title: 'Shop overview',
    cells: [
      {
        kind: 'markdown',
        id: 'intro',
        text: [
          "Four weeks of shop events sit in the lake, recounted by the batch layer; today's events arrive live in `logs/events.log`, written by the simulator.",
          '',
          'Run a cell with **Shift+Enter**. Edit the SQL, change the chart, or add cells with the buttons between them. The notebook is a plain Markdown file in `notebooks/`.',
        ].join('\n'),
      },
      { kind: 'scorecard', id: 'scorecard' },
      {
        kind: 'sql',
        id: 'daily-visits',
        title: 'Visits and visitors per day',
        sql: 'SELECT event_date, visits, visitors\nFROM daily_visits\nORDER BY event_date',
      },
      {
        kind: 'chart',
        id: 'daily-visits-chart',
        chart: { source: 'daily-visits', type: 'line', x: 'event_date', y: ['visits', 'visitors'], title: 'Visits per day' },
      },
      {
        kind: 'sql',
        id: 'revenue',
        title: 'Orders and revenue per day',
        sql: 'SELECT event_date, orders, revenue\nFROM daily_orders\nORDER BY event_date',
      },
      {
        kind: 'chart',
        id: 'revenue-chart',
        chart: { source: 'revenue', type: 'bar', x: 'event_date', y: ['revenue'], title: 'Revenue per day' },
      },
      {
        kind: 'sql',
        id: 'top-products',
        title: 'Which product sells most',
        sql: 'SELECT product_id, sum(units) AS units, sum(revenue) AS revenue\nFROM daily_product_sales\nGROUP BY product_id\nORDER BY revenue DESC\nLIMIT 10',
      },
      {
        kind: 'markdown',
        id: 'batch-note',
        text: '## The batch layer\n\nEvery partition of a pipeline, fresh or stale and why. Run the stale ones, backfill a range, or recompute everything.',
      },
      { kind: 'pipeline', id: 'daily-visits-pipeline', pipeline: 'daily_visits' },
      {
        kind: 'markdown',
        id: 'live-note',
        text: '## Live\n\nThe same pipeline, maintained from the event log as it grows: **naive** counts every line (duplicates too), **exact** counts each event once.',
      },
      { kind: 'live', id: 'daily-visits-live', pipeline: 'daily_visits', modes: ['naive', 'exact'] },
      {
        kind: 'markdown',
        id: 'compare-note',
        text: '## Batch, live and served, reconciled\n\nWhere realtime and batch disagree, and why. **Recount** imports the log and runs the batch; the differences it explains disappear.',
      },
      { kind: 'compare', id: 'daily-orders-compare', pipeline: 'daily_orders', metric: 'orders' },
    ],
  };
}

/** The demo's history: four weeks of generated shop traffic ending yesterday (UTC). */
export function demoHistory(now: number): GenerateOptions {
  const start = addDays(msDate(now), -28);
  return { days: 28, eventsPerDay: 1500, seed: 2026, duplicates: 0.02, late: 0.01, malformed: 0.002, start };
}

/**
 * Sessions of the last generated day run past midnight; the demo's lake ends with yesterday, so the
 * live view alone holds today. Lines that are not JSON (the generator's broken ones) are kept.
 */
async function keepBefore(path: string, endMs: number): Promise<void> {
  const text = await readFile(path, 'utf8');
  const end = new Date(endMs).toISOString();
  const kept = text.split('\n').filter((line) => {
    try {
      const at = (JSON.parse(line) as { occurred_at?: unknown }).occurred_at;
      return typeof at !== 'string' || at < end;
    } catch {
      return true;
    }
  });
  await writeFile(path, kept.join('\n'));
}

/** Today so far: what the demo log holds before the app starts (a retried line and a late event included). */
export function demoLogLines(now: number): string[] {
  const today = startOfDayMs(now);
  const model = new SessionModel(new Random(7), { users: 400 });
  const lines: string[] = [];
  // Sessions a minute apart from 1 am. In the first hour of a day there is no 1 am yet: sessions from midnight on, closer
  // together, so that a demo started just after midnight still has today's events.
  const early = now - today < 3_600_000;
  const first = early ? Math.floor((now - today) / 4) : 3_600_000;
  const step = early ? Math.max(1_000, Math.floor((now - today - first) / 320)) : 60_000;
  for (let t = today + first; lines.length < 300 && t < now; t += step)
    // Today so far: a session that began a minute ago has no events from the next minutes yet.
    for (const e of model.session(t)) if (e.occurred_at_ms <= now) lines.push(toNdjson(e));
  if (lines.length > 10) lines.push(lines[5] as string, toNdjson(model.session(today - DAY_MS - 3_600_000)[0] as GeneratedEvent));
  return lines;
}

/**
 * The embedded default: a workspace made from the sample-data generator, four weeks of history up to
 * yesterday (imported and recounted), a log holding some of today's events (with a retry and a late
 * event) for the live view, and the demo notebook. Made once; later starts reuse it.
 */
export async function ensureDemoWorkspace(
  dir: string,
  now = Date.now(),
): Promise<{ dir: string; log: string; created: boolean }> {
  const log = join(dir, DEMO_LOG);
  // A build that was cut off (killed, crashed) left its marker: that folder is ours to start again.
  const building = join(dir, BUILDING_MARKER);
  if (await exists(building)) await rm(dir, { recursive: true, force: true });
  else if (await exists(join(dir, SETTINGS_FILE))) return { dir, log, created: false };
  await mkdir(dir, { recursive: true });
  await writeFile(building, 'the demo workspace is being built; if this file stays, the next start builds it again\n');
  await initWorkspace(dir, { timezone: 'UTC' });
  const workspace = await openWorkspace(dir);
  try {
    // Written after opening: opening a workspace clears its scratch folder.
    const history = join(workspace.paths.tmp, 'demo-history.ndjson');
    await writeEvents(history, demoHistory(now), 'ndjson', { truth: false });
    await keepBefore(history, startOfDayMs(now));
    const imported = await importFile(workspace, history);
    if (imported.status !== 'imported') throw new Error(`the demo history did not import: ${imported.error ?? imported.status}`);
    await rm(history, { force: true });
    await runPipelines(workspace, { command: 'demo setup' });
  } finally {
    await workspace.close();
  }
  const lines = demoLogLines(now);
  await mkdir(join(dir, 'logs'), { recursive: true });
  await writeFile(log, lines.length ? `${lines.join('\n')}\n` : '');
  await writeFile(join(dir, 'notebooks', `${DEMO_NOTEBOOK}.md`), serializeNotebook(demoNotebook()));
  await rm(building);
  return { dir, log, created: true };
}

import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeEvents, type Truth } from '../generator/generate.js';
import { EXPECTED, READ_BACK, eventDates, weekStart } from '../generator/expected.js';
import { testWorkspace, type TestWorkspace } from '../testing/fixtures.js';
import { importFile } from '../lake/import.js';
import { runPipelines } from './runner.js';
import { workspaceStatus } from './status.js';
import { runHistory } from './history.js';

const DEFAULTS = Object.keys(EXPECTED);
const BASE = { days: 9, eventsPerDay: 250, seed: 21, duplicates: 0.05, late: 0.05, malformed: 0.01, start: '2026-10-05' };

async function tableRows(t: TestWorkspace, pipeline: string): Promise<Record<string, unknown>[]> {
  return t.workspace.catalog.all(READ_BACK[pipeline] as string);
}

async function checksums(t: TestWorkspace): Promise<Record<string, unknown>[]> {
  return t.workspace.catalog.all(
    `SELECT pipeline, strftime(partition, '%Y-%m-%d') AS p, rows::DOUBLE AS rows, checksum FROM pipeline_partitions ORDER BY 1, 2`,
  );
}

describe.each(['UTC', 'Asia/Kolkata'])('the default pipelines in %s', (timezone) => {
  let t: TestWorkspace;
  let truth: Truth;
  beforeEach(async () => {
    t = await testWorkspace({ timezone });
    const file = join(t.root, 'events.ndjson');
    truth = await writeEvents(file, BASE, 'ndjson');
    expect((await importFile(t.workspace, file)).status).toBe('imported');
  });
  afterEach(() => t.cleanup());

  it('compute exactly what the generator generated, partition by partition', async () => {
    const result = await runPipelines(t.workspace);
    expect(result.status).toBe('succeeded');
    expect(result.problems).toEqual([]);
    const dates = eventDates(truth.events, timezone);
    expect(result.partitions.filter((p) => p.pipeline === 'daily_visits').map((p) => p.partition)).toEqual(dates);
    expect(result.partitions.filter((p) => p.pipeline === 'weekly_visitors').map((p) => p.partition)).toEqual([
      ...new Set(dates.map(weekStart)),
    ]);
    for (const pipeline of DEFAULTS) {
      expect(await tableRows(t, pipeline), pipeline).toEqual(EXPECTED[pipeline]?.(truth.events, timezone));
    }
  });

  it('re-runs to identical rows and checksums, and has nothing to do when nothing changed', async () => {
    await runPipelines(t.workspace);
    const before = await checksums(t);
    const rows = await Promise.all(DEFAULTS.map((p) => tableRows(t, p)));
    expect((await runPipelines(t.workspace)).status).toBe('nothing-to-do');
    const full = await runPipelines(t.workspace, { full: true });
    expect(full.status).toBe('succeeded');
    expect(full.partitions.every((p) => p.reason === 'requested')).toBe(true);
    expect(await checksums(t)).toEqual(before);
    expect(await Promise.all(DEFAULTS.map((p) => tableRows(t, p)))).toEqual(rows);
    const byRange = await runPipelines(t.workspace, { pipelines: ['daily_visits'], from: '2026-10-07', to: '2026-10-08' });
    expect(byRange.partitions.map((p) => [p.partition, p.reason])).toEqual([
      ['2026-10-07', 'requested'],
      ['2026-10-08', 'requested'],
    ]);
    expect(await checksums(t)).toEqual(before);
  });
});

describe('incremental runs', () => {
  let t: TestWorkspace;
  let truth: Truth;
  beforeEach(async () => {
    t = await testWorkspace();
    const file = join(t.root, 'base.ndjson');
    truth = await writeEvents(file, { ...BASE, late: 0, start: '2026-10-26' }, 'ndjson');
    await importFile(t.workspace, file);
    expect((await runPipelines(t.workspace)).status).toBe('succeeded');
  });
  afterEach(() => t.cleanup());

  it('make exactly the new day, its week and its month stale, and recompute only those', async () => {
    // The base covers 26 Oct – 3 Nov; one new day, 4 Nov, falls in the week of 2 Nov and in November.
    const day = join(t.root, 'day.ndjson');
    const extra = await writeEvents(
      day,
      { ...BASE, days: 1, late: 0, duplicates: 0, malformed: 0, seed: 99, start: '2026-11-04' },
      'ndjson',
    );
    await importFile(t.workspace, day);
    const stale = (await workspaceStatus(t.workspace)).pipelines.flatMap((p) =>
      p.partitions.filter((x) => !x.fresh).map((x) => `${p.name} ${x.partition} ${x.reason}`),
    );
    expect(stale.sort()).toEqual(
      [
        ...['daily_funnel', 'daily_orders', 'daily_payments', 'daily_product_sales', 'daily_visits'].map(
          (n) => `${n} 2026-11-04 never-run`,
        ),
        'monthly_visitors 2026-11-01 new-data',
        'weekly_visitors 2026-11-02 new-data',
      ].sort(),
    );
    const run = await runPipelines(t.workspace);
    expect(run.partitions.map((p) => `${p.pipeline} ${p.partition} ${p.reason}`).sort()).toEqual(stale.sort());
    const all = [...truth.events, ...extra.events];
    for (const pipeline of DEFAULTS) expect(await tableRows(t, pipeline), pipeline).toEqual(EXPECTED[pipeline]?.(all, 'UTC'));
  });

  it('treats late events for an old day as new data for that day, and duplicates alone as nothing new', async () => {
    const late = join(t.root, 'late.ndjson');
    await writeFile(
      late,
      '{"event_id":"late-1","event_type":"UserVisitedWebsite","occurred_at":"2026-10-27T12:00:00Z","user_id":"U999999"}\n',
    );
    await importFile(t.workspace, late);
    const dup = join(t.root, 'dup.ndjson');
    await writeFile(dup, (await readFile(join(t.root, 'base.ndjson'), 'utf8')).split('\n').slice(0, 50).join('\n') + '\n');
    expect((await importFile(t.workspace, dup)).duplicates).toBe(50);
    const status = await workspaceStatus(t.workspace);
    const visits = status.pipelines.find((p) => p.name === 'daily_visits');
    expect(visits?.partitions.filter((p) => !p.fresh).map((p) => [p.partition, p.reason])).toEqual([['2026-10-27', 'new-data']]);
    expect(visits?.watermark).toBe('2026-10-26');
  });

  it('make every partition of an edited pipeline stale as definition-changed, but not for whitespace or comments', async () => {
    const file = join(t.workspace.paths.pipelines, 'daily_visits.sql');
    const original = await readFile(file, 'utf8');
    await writeFile(
      file,
      original.replace('count(*) AS visits', '\n    count( * )   AS visits -- every visit\n') + '\n-- trailing note\n',
    );
    expect(
      (await workspaceStatus(t.workspace)).pipelines.find((p) => p.name === 'daily_visits')?.partitions.every((p) => p.fresh),
    ).toBe(true);
    await writeFile(
      file,
      original.replace("WHERE event_type = 'UserVisitedWebsite'", "WHERE event_type = 'UserVisitedWebsite' AND country = 'IN'"),
    );
    const visits = (await workspaceStatus(t.workspace)).pipelines.find((p) => p.name === 'daily_visits');
    expect(new Set(visits?.partitions.map((p) => p.reason))).toEqual(new Set(['definition-changed']));
    expect(visits?.watermark).toBeNull();
    const run = await runPipelines(t.workspace);
    expect(run.partitions).toHaveLength(visits?.partitions.length as number);
    const expected = EXPECTED.daily_visits?.(
      truth.events.filter((e) => e.country === 'IN'),
      'UTC',
    );
    expect(await tableRows(t, 'daily_visits')).toEqual(expected);
  });

  it('backfill the whole history of a new pipeline file', async () => {
    await writeFile(
      join(t.workspace.paths.pipelines, 'daily_devices.sql'),
      `-- description: visits by device\n-- grain: day\n-- realtime: false\nSELECT event_date, device, count(*) AS visits FROM events WHERE event_type = 'UserVisitedWebsite' GROUP BY ALL\n`,
    );
    const run = await runPipelines(t.workspace);
    const dates = eventDates(truth.events, 'UTC');
    expect(run.partitions.map((p) => `${p.pipeline} ${p.partition} ${p.reason}`)).toEqual(
      dates.map((d) => `daily_devices ${d} never-run`),
    );
    const [row] = (await t.workspace.catalog.all(`SELECT sum(visits)::DOUBLE AS n FROM daily_devices`)) as { n: number }[];
    expect(row?.n).toBe(truth.events.filter((e) => e.event_type === 'UserVisitedWebsite').length);
  });

  it('rebuild a table whose columns changed, swapping it in whole', async () => {
    const file = join(t.workspace.paths.pipelines, 'daily_orders.sql');
    const original = await readFile(file, 'utf8');
    await writeFile(
      file,
      original.replace(
        'count(DISTINCT order_id) AS orders,',
        'count(DISTINCT order_id) AS orders, count(DISTINCT user_id) AS buyers,',
      ),
    );
    const run = await runPipelines(t.workspace, { pipelines: ['daily_orders'], from: '2026-10-27', to: '2026-10-27' });
    expect(run.status).toBe('succeeded');
    expect(run.partitions).toHaveLength(eventDates(truth.events, 'UTC').length);
    const columns = ((await t.workspace.catalog.all(`DESCRIBE daily_orders`)) as { column_name: string }[]).map(
      (c) => c.column_name,
    );
    expect(columns).toEqual(['event_date', 'orders', 'buyers', 'revenue']);
    expect(
      (await workspaceStatus(t.workspace)).pipelines.find((p) => p.name === 'daily_orders')?.partitions.every((p) => p.fresh),
    ).toBe(true);
  });
});

describe('failures', () => {
  let t: TestWorkspace;
  beforeEach(async () => {
    t = await testWorkspace();
    const file = join(t.root, 'e.ndjson');
    const lines = ['01', '02', '03', '04'].map(
      (d, i) =>
        `{"event_id":"e${i}","event_type":"X","occurred_at":"2026-10-${d}T10:00:00Z","code":"${d === '03' ? 'oops' : '7'}"}`,
    );
    await writeFile(file, lines.join('\n') + '\n');
    await importFile(t.workspace, file);
  });
  afterEach(() => t.cleanup());

  it('fail one partition alone with its error while the others commit, and retry only that partition', async () => {
    // The cast goes through a macro, so the cause can be fixed without changing the pipeline's definition.
    await t.workspace.catalog.run(`CREATE MACRO code_value(x) AS CAST(x AS INTEGER)`);
    await writeFile(
      join(t.workspace.paths.pipelines, 'codes.sql'),
      `-- description: codes\n-- grain: day\n-- realtime: false\nSELECT event_date, sum(code_value(code)) AS total FROM events GROUP BY event_date\n`,
    );
    const run = await runPipelines(t.workspace, { pipelines: ['codes'] });
    expect(run.status).toBe('partial');
    expect(run.partitions.map((p) => [p.partition, p.status])).toEqual([
      ['2026-10-01', 'succeeded'],
      ['2026-10-02', 'succeeded'],
      ['2026-10-03', 'failed'],
      ['2026-10-04', 'succeeded'],
    ]);
    expect(run.partitions[2]?.error).toMatch(/Conversion Error: Could not convert string 'oops' to INT32/);
    expect(
      await t.workspace.catalog.all(`SELECT strftime(event_date, '%Y-%m-%d') AS d, total::DOUBLE AS total FROM codes ORDER BY 1`),
    ).toEqual([
      { d: '2026-10-01', total: 7 },
      { d: '2026-10-02', total: 7 },
      { d: '2026-10-04', total: 7 },
    ]);
    const status = (await workspaceStatus(t.workspace)).pipelines.find((p) => p.name === 'codes');
    expect(status?.partitions[2]).toMatchObject({
      partition: '2026-10-03',
      fresh: false,
      reason: 'never-run',
      lastError: { runId: run.runId },
    });
    expect(status?.watermark).toBe('2026-10-02');

    await t.workspace.catalog.run(`CREATE OR REPLACE MACRO code_value(x) AS coalesce(TRY_CAST(x AS INTEGER), 0)`);
    await appendFile(join(t.root, 'unrelated.txt'), 'x');
    const retry = await runPipelines(t.workspace, { retry: run.runId as number });
    expect(retry.partitions.map((p) => [p.pipeline, p.partition, p.status, p.reason])).toEqual([
      ['codes', '2026-10-03', 'succeeded', 'requested'],
    ]);
    const history = await runHistory(t.workspace);
    expect(history.map((h) => [h.runId, h.status, h.succeeded, h.failed])).toEqual([
      [retry.runId, 'succeeded', 1, 0],
      [run.runId, 'partial', 3, 1],
    ]);
    expect(history[1]?.failures).toEqual([{ pipeline: 'codes', partition: '2026-10-03', error: run.partitions[2]?.error }]);
  });

  it('report a pipeline that does not parse or has the wrong first column, with its file and message, and never touch its table', async () => {
    const dir = t.workspace.paths.pipelines;
    await writeFile(
      join(dir, 'broken.sql'),
      `-- description: x\n-- grain: day\n-- realtime: false\nSELEC event_date FROM events\n`,
    );
    await writeFile(
      join(dir, 'weekly_wrong.sql'),
      `-- description: x\n-- grain: week\n-- realtime: false\nSELECT event_date, count(*) AS n FROM events GROUP BY 1\n`,
    );
    const before = await t.workspace.catalog.all(
      `SELECT count(*)::DOUBLE AS n FROM duckdb_tables() WHERE table_name IN ('broken', 'weekly_wrong')`,
    );
    const run = await runPipelines(t.workspace, { pipelines: ['broken', 'weekly_wrong'] });
    expect(run.status).toBe('failed');
    expect(run.problems).toEqual([
      {
        name: 'broken',
        file: join(dir, 'broken.sql'),
        error: expect.stringMatching(/^Parser Error: syntax error at or near "SELEC"/),
      },
      {
        name: 'weekly_wrong',
        file: join(dir, 'weekly_wrong.sql'),
        error: 'the first output column of a week pipeline must be week_start, not event_date',
      },
    ]);
    expect(
      await t.workspace.catalog.all(
        `SELECT count(*)::DOUBLE AS n FROM duckdb_tables() WHERE table_name IN ('broken', 'weekly_wrong')`,
      ),
    ).toEqual(before);
  });
});

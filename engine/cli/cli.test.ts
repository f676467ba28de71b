import { readFile, stat, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/fixtures.js';
import { runCli, spawnCli } from '../testing/cli.js';
import { parseResult } from '../shared/contract.js';

let root: { dir: string; cleanup: () => Promise<void> };
let ws: string;
beforeEach(async () => {
  root = await tempDir();
  ws = join(root.dir, 'ws');
});
afterEach(() => root.cleanup());

const ev = (id: string, day = '01') =>
  `{"event_id":"${id}","event_type":"UserVisitedWebsite","occurred_at":"2026-10-${day}T10:00:00Z","price":1.5}`;

describe('recount CLI', () => {
  it('prints help that names every command', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    for (const command of ['init', 'import', 'query', 'generate']) expect(stdout).toMatch(new RegExp(`\\n\\s+${command}\\b`));
  });

  it('--version prints the version in package.json', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const { code, stdout } = await runCli([flag]);
      expect(code).toBe(0);
      expect(stdout).toBe(`${pkg.version}\n`);
    }
  });

  it('init creates a workspace once and then changes nothing', async () => {
    const first = await runCli(['init', '--workspace', ws, '--timezone', 'Asia/Kolkata']);
    expect(first).toMatchObject({ code: 0, stdout: `Created workspace ${ws} (time zone Asia/Kolkata).\n` });
    const settings = await readFile(join(ws, 'recount.json'), 'utf8');
    const second = await runCli(['init', '--workspace', ws, '--timezone', 'UTC']);
    expect(second).toMatchObject({
      code: 0,
      stdout: `${ws} is already a workspace (time zone Asia/Kolkata); nothing changed.\n`,
    });
    expect(await readFile(join(ws, 'recount.json'), 'utf8')).toBe(settings);
  });

  it('refuses an unknown time zone', async () => {
    const result = await runCli(['init', '--workspace', ws, '--timezone', 'Mars/Olympus']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('recount: Unknown time zone "Mars/Olympus": use an IANA name like UTC or Asia/Kolkata.\n');
  });

  it('import --json prints one document, and exits 1 when a file failed while the others commit', async () => {
    await runCli(['init', '--workspace', ws]);
    const good = join(root.dir, 'good.ndjson');
    await writeFile(good, `${ev('a')}\n${ev('b', '02')}\n{"broken"\n${ev('a')}\n`);
    const missing = join(root.dir, 'missing.ndjson');
    const result = await runCli(['import', good, missing, '--json'], { RECOUNT_WORKSPACE: ws });
    expect(result.code).toBe(1);
    const doc = JSON.parse(result.stdout) as { files: Record<string, unknown>[]; rows: number; rejected: number };
    // The contract's shape of lake.import, exactly: nothing beside it.
    expect(parseResult('lake.import', doc)).toEqual(doc);
    expect(doc).toMatchObject({
      files: [
        {
          path: good,
          status: 'imported',
          rows: 3,
          rejected: 1,
          partitions: ['2026-10-01', '2026-10-02'],
          duplicates: 1,
          importId: 1,
          format: 'ndjson',
          range: { bytesFrom: 0, bytesTo: (await readFile(good)).length, linesFrom: 0, linesTo: 4 },
        },
        {
          path: missing,
          status: 'failed',
          rows: 0,
          rejected: 0,
          partitions: [],
          error: `${missing}: no such file`,
          duplicates: 0,
        },
      ],
      rows: 3,
      rejected: 1,
    });
    expect(doc.files[0]).not.toHaveProperty('error');
    const again = await runCli(['import', good, '--json', '--workspace', ws]);
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as { files: { status: string }[] }).files[0]?.status).toBe('skipped');
  });

  it("query prints tables, CSV and JSON, and a SQL error with DuckDB's message and exit 1", async () => {
    await runCli(['init', '--workspace', ws]);
    const file = join(root.dir, 'e.ndjson');
    await writeFile(file, `${ev('a')}\n${ev('b', '02')}\n`);
    await runCli(['import', file, '--workspace', ws]);
    const sql = `SELECT event_id, event_date, price, 10::BIGINT * 3 AS n FROM events ORDER BY 1`;
    const csv = await runCli(['query', sql, '--workspace', ws, '--format', 'csv']);
    expect(csv).toMatchObject({
      code: 0,
      stdout: 'event_id,event_date,price,n\r\na,2026-10-01,1.5,30\r\nb,2026-10-02,1.5,30\r\n',
    });
    const json = await runCli(['query', sql, '--workspace', ws, '--format', 'json']);
    expect(JSON.parse(json.stdout)).toEqual([
      { event_id: 'a', event_date: '2026-10-01', price: 1.5, n: 30 },
      { event_id: 'b', event_date: '2026-10-02', price: 1.5, n: 30 },
    ]);
    const table = await runCli(['query', sql, '--workspace', ws]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('2 rows');
    const bad = await runCli(['query', 'SELECT nope FROM events', '--workspace', ws]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^Binder Error: Referenced column "nope" not found/);
  });

  it('names the folder when it is not a workspace', async () => {
    const result = await runCli(['query', 'SELECT 1', '--workspace', root.dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `recount: ${root.dir} is not a Recount workspace (no recount.json). Create one with: recount init --workspace ${root.dir}\n`,
    );
  });

  it('a run cancelled with Ctrl-C says it was cancelled and how far it got, not that its partitions failed', async () => {
    await runCli(['init', '--workspace', ws]);
    const file = join(root.dir, 'e.ndjson');
    await writeFile(file, Array.from({ length: 9 }, (_, i) => ev(`e${i}`, `0${i + 1}`)).join('\n') + '\n');
    expect((await runCli(['import', file, '--workspace', ws])).code).toBe(0);
    // A join with a big range: not partition-local, so one slow query a partition.
    await writeFile(
      join(ws, 'pipelines', 'slow.sql'),
      '-- description: slow\n-- grain: day\n-- realtime: false\nSELECT event_date, count(*) AS n FROM events, range(40000000) GROUP BY event_date\n',
    );
    const wal = join(ws, 'recount.duckdb.wal');
    const walTime = () =>
      stat(wal).then(
        (s) => s.mtimeMs,
        () => 0,
      );
    const walBefore = await walTime();
    const child = spawnCli(['run', 'slow', '--workspace', ws]);
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    // The run has begun once it wrote its history row (the WAL changes); then Ctrl-C.
    for (let i = 0; i < 600 && (await walTime()) === walBefore; i++) await sleep(50);
    await sleep(300);
    child.kill('SIGINT');
    await closed;
    const last = stdout.trim().split('\n').at(-1) ?? '';
    expect(last).toMatch(/^run 1: cancelled after \d of 9 partitions in [\d.]+ s; the others are as they were/);
    expect(stdout).toMatch(/cancelled: \d partitions? not run/);
    expect(stdout).not.toMatch(/retry|failed/);
  });

  it('run --json reports each partition; a failing partition makes the exit status 1; status, runs and export follow', async () => {
    await runCli(['init', '--workspace', ws]);
    const file = join(root.dir, 'e.ndjson');
    await writeFile(
      file,
      ['01', '02']
        .map(
          (d, i) =>
            `{"event_id":"${i}","event_type":"UserVisitedWebsite","occurred_at":"2026-10-${d}T10:00:00Z","user_id":"u${i}"}`,
        )
        .join('\n') + '\n',
    );
    await runCli(['import', file, '--workspace', ws]);
    const run = await runCli(['run', 'daily_visits', '--json', '--workspace', ws]);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as { runId: number; status: string; partitions: Record<string, unknown>[] };
    expect(doc.runId).toBe(1);
    expect(doc.status).toBe('succeeded');
    expect(doc.partitions.map((p) => Object.keys(p).sort())).toEqual(
      Array(2).fill(['checksum', 'durationMs', 'error', 'partition', 'pipeline', 'reason', 'rows', 'status']),
    );
    expect(doc.partitions.map((p) => [p.pipeline, p.partition, p.status, p.reason, p.rows, p.error])).toEqual([
      ['daily_visits', '2026-10-01', 'succeeded', 'never-run', 1, null],
      ['daily_visits', '2026-10-02', 'succeeded', 'never-run', 1, null],
    ]);
    expect(JSON.parse((await runCli(['run', 'daily_visits', '--json', '--workspace', ws])).stdout)).toMatchObject({
      runId: null,
      status: 'nothing-to-do',
    });

    const status = JSON.parse((await runCli(['status', '--json', '--workspace', ws])).stdout) as {
      pipelines: { name: string; watermark: string | null }[];
    };
    expect(status.pipelines.find((p) => p.name === 'daily_visits')?.watermark).toBe('2026-10-02');
    expect(status.pipelines.find((p) => p.name === 'daily_orders')?.watermark).toBeNull();

    await writeFile(
      join(ws, 'pipelines', 'bad.sql'),
      '-- description: x\n-- grain: day\n-- realtime: false\nSELECT event_date, CAST(user_id AS INTEGER) AS n FROM events\n',
    );
    const failing = await runCli(['run', 'bad', '--json', '--workspace', ws]);
    expect(failing.code).toBe(1);
    expect(JSON.parse(failing.stdout)).toMatchObject({
      status: 'failed',
      partitions: [{ status: 'failed' }, { status: 'failed' }],
    });

    const runs = JSON.parse((await runCli(['runs', '--json', '--workspace', ws])).stdout) as {
      runId: number;
      status: string;
      command: string;
      cancelled: boolean;
      startedAt: string;
    }[];
    expect(runs.map((r) => [r.runId, r.status, r.command])).toEqual([
      [2, 'failed', 'recount run bad --json'],
      [1, 'succeeded', 'recount run daily_visits --json'],
    ]);
    // Times in ISO 8601 (UTC), and a cancel is a flag beside the outcome.
    expect(runs.map((r) => [r.cancelled, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(r.startedAt)])).toEqual([
      [false, true],
      [false, true],
    ]);

    const out = join(root.dir, 'visits.csv');
    const csv = 'event_date,visits,visitors\r\n2026-10-01,1,1\r\n2026-10-02,1,1\r\n';
    const exported = await runCli(['export', 'daily_visits', '--out', out, '--workspace', ws]);
    expect(exported).toMatchObject({ code: 0, stdout: `Wrote 2 rows to ${out} (csv, ${Buffer.byteLength(csv)} bytes)\n` });
    expect(await readFile(out, 'utf8')).toBe(csv);
  });
});

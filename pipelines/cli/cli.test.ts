import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/fixtures.js';
import { runCli } from '../testing/cli.js';

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
    expect(doc).toEqual({
      files: [
        {
          path: good,
          status: 'imported',
          rows: 3,
          rejected: 1,
          partitions: ['2026-10-01', '2026-10-02'],
          error: null,
          duplicates: 1,
          import_id: 1,
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
});

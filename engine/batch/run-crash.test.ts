import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeEvents, type Truth } from '../generator/generate.js';
import { EXPECTED, READ_BACK } from '../generator/expected.js';
import { tempDir } from '../testing/fixtures.js';
import { REPO_ROOT } from '../testing/cli.js';
import { initWorkspace, openWorkspace } from '../service/init.js';
import type { Workspace } from '../kernel/workspace/workspace.js';
import { importFile } from '../lake/import.js';
import { runPipelines } from './runner.js';

const CHILD = fileURLToPath(new URL('../testing/run-child.ts', import.meta.url));
const PIPELINES = Object.keys(EXPECTED);

function runAndKill(dir: string, afterPartitions: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buffer = '';
    let killed = false;
    child.stdout.on('data', (data: Buffer) => {
      buffer += data.toString();
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const event = JSON.parse(buffer.slice(0, nl)) as { done?: number };
        buffer = buffer.slice(nl + 1);
        if (!killed && (event.done ?? 0) >= afterPartitions) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('error', reject);
    child.on('close', () => resolve(killed));
  });
}

/** Every partition's rows in its table match the state committed with them: nothing doubled or half-written. */
async function checkConsistent(workspace: Workspace): Promise<void> {
  for (const pipeline of PIPELINES) {
    const column = pipeline.startsWith('weekly') ? 'week_start' : pipeline.startsWith('monthly') ? 'month_start' : 'event_date';
    const mismatches = await workspace.catalog.all(`
      WITH actual AS (
        SELECT ${column} AS partition, count(*)::DOUBLE AS rows,
          md5(coalesce(string_agg(CAST(r AS VARCHAR), chr(10) ORDER BY CAST(r AS VARCHAR)), '')) AS checksum
        FROM ${pipeline} AS r GROUP BY 1)
      SELECT coalesce(a.partition, s.partition) AS partition, a.rows, s.rows AS state_rows
      FROM actual a FULL OUTER JOIN (SELECT * FROM pipeline_partitions WHERE pipeline = '${pipeline}') s USING (partition)
      WHERE a.checksum IS DISTINCT FROM s.checksum AND NOT (a.partition IS NULL AND s.rows = 0)`);
    expect(mismatches, pipeline).toEqual([]);
  }
}

describe('a run killed at any moment', () => {
  let root: { dir: string; cleanup: () => Promise<void> };
  let dir: string;
  let truth: Truth;
  beforeAll(async () => {
    root = await tempDir();
    dir = join(root.dir, 'ws');
    await initWorkspace(dir);
    const file = join(root.dir, 'events.ndjson');
    truth = await writeEvents(
      file,
      { days: 40, eventsPerDay: 400, seed: 5, duplicates: 0.02, late: 0.02, malformed: 0 },
      'ndjson',
    );
    const workspace = await openWorkspace(dir);
    await importFile(workspace, file);
    await workspace.close();
  }, 120_000);
  afterAll(() => root.cleanup());

  it.each([1, 60, 150])(
    'leaves no partition doubled or half-written after a SIGKILL once %i partitions finished',
    async (after) => {
      expect(await runAndKill(dir, after)).toBe(true);
      const workspace = await openWorkspace(dir);
      try {
        await checkConsistent(workspace);
        const [interrupted] = (await workspace.catalog.all(`SELECT status FROM runs ORDER BY run_id DESC LIMIT 1`)) as {
          status: string;
        }[];
        expect(interrupted?.status).toBe('interrupted');
      } finally {
        await workspace.close();
      }
    },
  );

  it('leaves no table of a column-changing rebuild behind after a SIGKILL mid-run', async () => {
    const definition = join(dir, 'pipelines', 'daily_visits.sql');
    const original = await readFile(definition, 'utf8');
    // The table exists with its columns (whatever ran before): only then does a change of columns rebuild it.
    const before = await openWorkspace(dir);
    await runPipelines(before, { pipelines: ['daily_visits'] });
    await before.close();
    // One more output column: the run rebuilds the table under another name and would swap it in at the end.
    await writeFile(definition, original.replace(/AS visitors/, 'AS visitors, count(*) * 2 AS doubled'));
    try {
      expect(await runAndKill(dir, 5)).toBe(true);
      const workspace = await openWorkspace(dir);
      try {
        expect(
          await workspace.catalog.all(
            `SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '%\\_\\_rebuild\\_%' ESCAPE '\\'`,
          ),
        ).toEqual([]);
        await checkConsistent(workspace);
      } finally {
        await workspace.close();
      }
    } finally {
      await writeFile(definition, original);
    }
  });

  it('then runs to exactly the generated truth', async () => {
    const workspace = await openWorkspace(dir);
    try {
      expect((await runPipelines(workspace, { full: true })).status).toBe('succeeded');
      await checkConsistent(workspace);
      for (const pipeline of PIPELINES) {
        expect(await workspace.catalog.all(READ_BACK[pipeline] as string), pipeline).toEqual(
          EXPECTED[pipeline]?.(truth.events, 'UTC'),
        );
      }
    } finally {
      await workspace.close();
    }
  });
});

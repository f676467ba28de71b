import { spawn } from 'node:child_process';
import { cp, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeEvents } from '../generator/generate.js';
import { listFilesRecursive } from '../kernel/util/fsx.js';
import { tempDir } from '../testing/fixtures.js';
import { REPO_ROOT } from '../testing/cli.js';
import { CancelledError } from '../kernel/util/errors.js';
import { importFile } from './import.js';
import { openWorkspace, initWorkspace } from '../service/init.js';

const CHILD = fileURLToPath(new URL('../testing/import-child.ts', import.meta.url));

interface LakeState {
  manifest: string[];
  onDisk: string[];
  rawRows: number;
  imports: number;
}

/** What a reader outside Recount sees: every Parquet file under the lake's partitions, read by a DuckDB of its own. */
async function outsideReader(dir: string): Promise<{ files: string[]; rows: number }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const glob = join(dir, 'lake', 'events', '*', '*.parquet');
    const reader = await connection.runAndReadAll(
      `SELECT filename, count(*)::INTEGER AS n FROM read_parquet('${glob}', filename = true) GROUP BY filename`,
    );
    const rows = reader.getRowObjectsJson() as { filename: string; n: number }[];
    return { files: rows.map((r) => relative(dir, r.filename)).sort(), rows: rows.reduce((s, r) => s + Number(r.n), 0) };
  } catch (error) {
    if (/No files found/.test((error as Error).message)) return { files: [], rows: 0 };
    throw error;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function lakeState(dir: string): Promise<LakeState & { staging: string[]; orphansRemoved: number; rolledForward: number }> {
  const workspace = await openWorkspace(dir);
  try {
    const manifest = ((await workspace.catalog.all('SELECT path FROM lake_files ORDER BY path')) as { path: string }[]).map(
      (r) => r.path,
    );
    const onDisk = (await listFilesRecursive(workspace.paths.lakeEvents)).map((p) => join('lake', 'events', p)).sort();
    const [counts] = (await workspace.catalog.all(
      `SELECT (SELECT count(*) FROM raw_events)::INTEGER AS raw_rows, (SELECT count(*) FROM imports)::INTEGER AS imports`,
    )) as { raw_rows: number; imports: number }[];
    const staging = await readdir(workspace.paths.staging).catch(() => []);
    return {
      manifest,
      onDisk,
      rawRows: counts!.raw_rows,
      imports: counts!.imports,
      staging,
      orphansRemoved: workspace.recovery.orphansRemoved,
      rolledForward: workspace.recovery.rolledForward,
    };
  } finally {
    await workspace.close();
  }
}

/** Runs an import in a child process and SIGKILLs it when it reports `phase` (and, while committing, file `done`). */
function importAndKill(dir: string, file: string, phase: string, done?: number): Promise<{ killedAt: string | undefined }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, file], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buffer = '';
    let killedAt: string | undefined;
    child.stdout.on('data', (data: Buffer) => {
      buffer += data.toString();
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const event = JSON.parse(line) as { phase?: string; done?: number };
        if (!killedAt && event.phase === phase && (done === undefined || event.done === done)) {
          killedAt = line;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('error', reject);
    child.on('close', () => resolve({ killedAt }));
  });
}

describe('an import killed at any moment', () => {
  let root: { dir: string; cleanup: () => Promise<void> };
  let dir: string;
  let big: string;
  let before: LakeState;
  let bigLines: number;
  /** An empty workspace the cancelled imports run in. */
  let cancelDir: string;

  beforeAll(async () => {
    root = await tempDir();
    dir = join(root.dir, 'ws');
    await initWorkspace(dir, { timezone: 'Asia/Kolkata' });
    const baseline = join(root.dir, 'baseline.ndjson');
    await writeEvents(baseline, { days: 3, eventsPerDay: 500, seed: 3, duplicates: 0.02, late: 0, malformed: 0 }, 'ndjson');
    big = join(root.dir, 'big.ndjson');
    bigLines = (
      await writeEvents(big, { days: 30, eventsPerDay: 10_000, seed: 4, duplicates: 0.01, late: 0.01, malformed: 0 }, 'ndjson', {
        truth: false,
      })
    ).lines;
    cancelDir = join(root.dir, 'cancelled');
    await initWorkspace(cancelDir);
    const workspace = await openWorkspace(dir);
    expect((await importFile(workspace, baseline)).status).toBe('imported');
    await workspace.close();
    const state = await lakeState(dir);
    before = { manifest: state.manifest, onDisk: state.onDisk, rawRows: state.rawRows, imports: state.imports };
    expect(before.manifest).toEqual(before.onDisk);
  }, 300_000);
  afterAll(() => root.cleanup());

  const killPoints: [string, number | undefined][] = [
    ['scanning', undefined],
    ['parsing', undefined],
    ['writing partitions', undefined],
    ['committing', 0],
    ['committing', 14],
    ['committing', 29],
  ];

  it.each(killPoints)(
    'commits whole or not at all, and no outside reader sees an uncommitted row, after a SIGKILL while %s (file %s)',
    async (phase, done) => {
      // Each kill on a copy of the same workspace: one that committed would make the next import a skip.
      const copy = join(root.dir, `kill-${phase.replace(/\W/g, '-')}-${done ?? 'x'}`);
      await cp(dir, copy, { recursive: true });
      const { killedAt } = await importAndKill(copy, big, phase, done);
      expect(killedAt, `the child never reported ${phase}`).toBeDefined();
      // Another tool reading the lake's partitions as Spark or DuckDB would, before Recount opens the workspace again.
      const seen = await outsideReader(copy);
      const { orphansRemoved, rolledForward, ...after } = await lakeState(copy);
      expect(orphansRemoved).toBe(0);
      for (const file of seen.files) expect(after.manifest, `${file} was visible but not committed`).toContain(file);
      expect(after.staging).toEqual([]);
      expect(after.onDisk).toEqual(after.manifest);
      if (phase === 'committing') {
        // Killed while moving committed files into place: the next open finished the moves.
        expect(rolledForward).toBeGreaterThan(0);
        expect(after).toMatchObject({ imports: before.imports + 1, rawRows: before.rawRows + bigLines });
      } else {
        expect(rolledForward).toBe(0);
        expect(after).toEqual({ ...before, staging: [] });
        expect(seen.rows).toBe(before.rawRows);
      }
    },
  );

  it.each(['scanning', 'parsing', 'writing partitions'])(
    'cancels an import while %s, leaving the lake as before and nothing behind',
    async (phase) => {
      const controller = new AbortController();
      let aborted = false;
      const workspace = await openWorkspace(cancelDir);
      try {
        const outcome = importFile(workspace, big, {
          signal: controller.signal,
          onProgress: (p) => {
            if (p.phase === phase && !aborted) {
              aborted = true;
              controller.abort();
            }
          },
        });
        await expect(outcome).rejects.toBeInstanceOf(CancelledError);
        expect(await readdir(workspace.paths.tmp)).toEqual([]);
      } finally {
        await workspace.close();
      }
      expect(aborted, `the import never reported ${phase}`).toBe(true);
      const { orphansRemoved, rolledForward, ...after } = await lakeState(cancelDir);
      expect(orphansRemoved + rolledForward).toBe(0);
      expect(after).toEqual({ manifest: [], onDisk: [], rawRows: 0, imports: 0, staging: [] });
    },
  );

  it('imports the file completely after the crashes', async () => {
    const state = await lakeState(dir);
    const workspace = await openWorkspace(dir);
    try {
      const result = await importFile(workspace, big);
      if (state.imports === before.imports) {
        expect(result).toMatchObject({ status: 'imported', rows: bigLines });
      } else {
        expect(result.status).toBe('skipped');
      }
    } finally {
      await workspace.close();
    }
    const final = await lakeState(dir);
    expect(final.orphansRemoved + final.rolledForward).toBe(0);
    expect(final.rawRows).toBe(before.rawRows + bigLines);
    expect(final.onDisk).toEqual(final.manifest);
  });
});

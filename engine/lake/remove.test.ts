import { spawn } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeEvents, type Truth } from '../generator/generate.js';
import { listFilesRecursive } from '../kernel/util/fsx.js';
import { localDate, tempDir } from '../testing/fixtures.js';
import { REPO_ROOT, runCli } from '../testing/cli.js';
import { initWorkspace, openWorkspace } from '../service/init.js';
import { workspaceStatus } from '../batch/status.js';
import { runPipelines } from '../batch/runner.js';
import { importFile } from './import.js';
import { lakeTotals } from './catalog.js';
import { removeImport } from './remove.js';

const CHILD = fileURLToPath(new URL('../testing/remove-child.ts', import.meta.url));
const TZ = 'Europe/Berlin';
/** Lines of file A that file B carries too: their events stay when A is removed, now from B. */
const SHARED_LINES = 250;

interface Counts {
  raw: number;
  events: number;
  ids: number;
  rejects: number;
  /** What the catalog counts as the lake's events (lake_files.new_events). */
  catalogEvents: number;
  manifest: string[];
  onDisk: string[];
}

async function counts(dir: string): Promise<Counts & { orphansRemoved: number }> {
  const workspace = await openWorkspace(dir);
  try {
    const [row] = (await workspace.catalog.all(`SELECT (SELECT count(*) FROM raw_events)::INTEGER AS raw,
      (SELECT count(*) FROM events)::INTEGER AS events, (SELECT count(DISTINCT event_id) FROM events)::INTEGER AS ids,
      (SELECT count(*) FROM rejects)::INTEGER AS rejects`)) as { raw: number; events: number; ids: number; rejects: number }[];
    const manifest = ((await workspace.catalog.all('SELECT path FROM lake_files ORDER BY path')) as { path: string }[]).map(
      (r) => r.path,
    );
    const onDisk = (await listFilesRecursive(workspace.paths.lakeEvents)).map((p) => join('lake', 'events', p)).sort();
    return {
      ...row!,
      catalogEvents: (await lakeTotals(workspace.catalog)).events,
      manifest,
      onDisk,
      orphansRemoved: workspace.recovery.orphansRemoved,
    };
  } finally {
    await workspace.close();
  }
}

/** Removes an import in a child process and SIGKILLs it when it reports `phase` with `done`. */
function removeAndKill(dir: string, importId: number, phase: string, done: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(importId)], {
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
        if (!killedAt && event.phase === phase && event.done === done) {
          killedAt = line;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('error', reject);
    child.on('close', () => resolve(killedAt));
  });
}

describe('removing an import', () => {
  let root: { dir: string; cleanup: () => Promise<void> };
  /** The workspace with A (#1) and B (#2) imported and the pipelines run, copied for each test. */
  let base: string;
  let truthA: Truth;
  let truthC: Truth;
  let shared: { ids: string[]; firstLineInB: Map<string, number> };
  let before: Counts;
  /** What removing A leaves, from the generator's truth. */
  let expected: { raw: number; events: number; rejects: number };
  let datesA: string[];
  let fileA: string;

  beforeAll(async () => {
    root = await tempDir();
    base = join(root.dir, 'ws');
    await initWorkspace(base, { timezone: TZ });
    fileA = join(root.dir, 'a.ndjson');
    truthA = await writeEvents(
      fileA,
      { days: 3, eventsPerDay: 400, seed: 21, duplicates: 0.03, late: 0.02, malformed: 0.01, start: '2026-10-01' },
      'ndjson',
    );
    const fileC = join(root.dir, 'c.ndjson');
    truthC = await writeEvents(
      fileC,
      { days: 2, eventsPerDay: 300, seed: 22, duplicates: 0.02, late: 0, malformed: 0.01, start: '2026-10-03' },
      'ndjson',
    );
    // B: all of C, then A's first well-formed lines (some of them repeats within A, so repeats within B too).
    const malformedA = new Set(truthA.malformed.map((m) => m.line));
    const linesA = (await readFile(fileA, 'utf8')).split('\n').filter((l) => l !== '');
    const sharedLines = linesA.filter((_, i) => !malformedA.has(i + 1)).slice(0, SHARED_LINES);
    const firstLineInB = new Map<string, number>();
    sharedLines.forEach((line, i) => {
      const id = (JSON.parse(line) as { event_id: string }).event_id;
      if (!firstLineInB.has(id)) firstLineInB.set(id, truthC.lines + i + 1);
    });
    shared = { ids: [...firstLineInB.keys()], firstLineInB };
    await writeFile(join(root.dir, 'b.ndjson'), `${await readFile(fileC, 'utf8')}${sharedLines.join('\n')}\n`);

    const workspace = await openWorkspace(base);
    expect(await importFile(workspace, fileA)).toMatchObject({ status: 'imported', importId: 1 });
    expect(await importFile(workspace, join(root.dir, 'b.ndjson'))).toMatchObject({ status: 'imported', importId: 2 });
    const run = await runPipelines(workspace, { command: 'test' });
    expect(run.partitions.every((p) => p.status === 'succeeded')).toBe(true);
    await workspace.close();

    datesA = [...new Set(truthA.events.map((e) => localDate(e.occurred_at_ms, TZ)))].sort();
    const { orphansRemoved: _o, ...state } = await counts(base);
    before = state;
    expected = {
      raw: truthC.lines - truthC.malformed.length + SHARED_LINES,
      events: truthC.events.length + shared.ids.length,
      rejects: truthC.malformed.length,
    };
  }, 120_000);
  afterAll(() => root.cleanup());

  const copy = async (name: string) => {
    const dir = join(root.dir, name);
    await cp(base, dir, { recursive: true });
    return dir;
  };

  it('holds both files before: every event once, every landed line, every reject', () => {
    const landedA = truthA.lines - truthA.malformed.length;
    expect(before).toMatchObject({
      raw: landedA + truthC.lines - truthC.malformed.length + SHARED_LINES,
      events: truthA.events.length + truthC.events.length,
      ids: truthA.events.length + truthC.events.length,
      catalogEvents: truthA.events.length + truthC.events.length,
      rejects: truthA.malformed.length + truthC.malformed.length,
    });
    expect(before.onDisk).toEqual(before.manifest);
  });

  it("drops the import's rows, rejects and files, keeps the events another import also has, and marks its dates stale", async () => {
    const dir = await copy('removed');
    const workspace = await openWorkspace(dir);
    try {
      const versionsBefore = await workspace.catalog.all<{ d: string; v: number }>(
        `SELECT strftime(event_date, '%Y-%m-%d') AS d, version::DOUBLE AS v FROM lake_date_versions ORDER BY 1`,
      );
      const removed = await removeImport(workspace, 1);
      expect(removed).toMatchObject({
        importId: 1,
        rows: truthA.lines - truthA.malformed.length,
        events: truthA.events.length - shared.ids.length,
        kept: shared.ids.length,
        rejected: truthA.malformed.length,
        partitions: datesA,
      });
      // The shared events are now B's first arrivals of them.
      const kept = await workspace.catalog.all<{ event_id: string; import_id: number; line: number }>(
        `SELECT event_id, _import_id::INTEGER AS import_id, _source_line::INTEGER AS line FROM events
         WHERE event_id IN (${shared.ids.map((id) => `'${id}'`).join(', ')}) ORDER BY event_id`,
      );
      expect(kept).toEqual(
        [...shared.ids].sort().map((id) => ({ event_id: id, import_id: 2, line: shared.firstLineInB.get(id) })),
      );
      expect(await workspace.catalog.all(`SELECT DISTINCT import_id::INTEGER AS i FROM rejects`)).toEqual([{ i: 2 }]);
      // Every date A held has a newer version; a date only B holds keeps its own.
      const versionsAfter = new Map(
        (
          await workspace.catalog.all<{ d: string; v: number }>(
            `SELECT strftime(event_date, '%Y-%m-%d') AS d, version::DOUBLE AS v FROM lake_date_versions`,
          )
        ).map((r) => [r.d, Number(r.v)]),
      );
      for (const { d, v } of versionsBefore) {
        if (datesA.includes(d)) expect(versionsAfter.get(d), d).toBe(3);
        else expect(versionsAfter.get(d), d).toBe(Number(v));
      }
      const status = await workspaceStatus(workspace);
      const stale = new Set(status.pipelines.flatMap((p) => p.partitions.filter((x) => !x.fresh).map((x) => x.reason)));
      expect([...stale]).toEqual(['new-data']);
      const daily = status.pipelines.find((p) => p.grain === 'day');
      expect(daily?.partitions.filter((x) => !x.fresh).map((x) => x.partition)).toEqual(datesA);
    } finally {
      await workspace.close();
    }
    const after = await counts(dir);
    expect(after).toMatchObject({ ...expected, ids: expected.events, catalogEvents: expected.events, orphansRemoved: 0 });
    expect(after.onDisk).toEqual(after.manifest);
    expect(after.manifest.every((p) => /import-2-/.test(p))).toBe(true);
  });

  it('takes the next import id after the removal, so importing the file again lands it whole', async () => {
    const dir = await copy('again');
    const workspace = await openWorkspace(dir);
    try {
      await removeImport(workspace, 1);
      expect(await importFile(workspace, fileA)).toMatchObject({ status: 'imported', importId: 4 });
    } finally {
      await workspace.close();
    }
    const { orphansRemoved: _o, manifest: _m, onDisk: _d, ...after } = await counts(dir);
    const { manifest: _bm, onDisk: _bd, ...was } = before;
    expect(after).toEqual(was);
  });

  it('refuses an import that is not there, changing nothing', async () => {
    const dir = await copy('missing');
    const workspace = await openWorkspace(dir);
    try {
      await expect(removeImport(workspace, 9)).rejects.toThrow(
        'there is no import #9 in this workspace (recount imports lists them)',
      );
    } finally {
      await workspace.close();
    }
    const { orphansRemoved: _o, ...after } = await counts(dir);
    expect(after).toEqual(before);
  });

  it('refuses to remove an import a later one continues (a file that grew), and removes them newest first', async () => {
    const dir = join(root.dir, 'grown');
    await initWorkspace(dir, { timezone: TZ });
    const log = join(root.dir, 'grown.ndjson');
    const line = (i: number) => `{"event_id":"g${i}","event_type":"view","occurred_at":"2026-10-0${1 + (i % 3)}T10:00:00Z"}\n`;
    await writeFile(log, [0, 1, 2, 3].map(line).join(''));
    const workspace = await openWorkspace(dir);
    try {
      expect(await importFile(workspace, log)).toMatchObject({ status: 'imported', importId: 1, rows: 4 });
      await writeFile(log, [0, 1, 2, 3, 4, 5].map(line).join(''));
      expect(await importFile(workspace, log)).toMatchObject({ status: 'imported', importId: 2, rows: 2 });
      await expect(removeImport(workspace, 1)).rejects.toThrow(
        `import #2 continues import #1 (lines 5–6 of ${log}): remove #2 first`,
      );
      expect(await removeImport(workspace, 2)).toMatchObject({ rows: 2, events: 2 });
      expect(await removeImport(workspace, 1)).toMatchObject({ rows: 4, events: 4 });
      expect(await workspace.catalog.all('SELECT count(*)::INTEGER AS n FROM raw_events')).toEqual([{ n: 0 }]);
      // Nothing of it is left: the file imports whole again, under an id after both removals' (3 and 4).
      expect(await importFile(workspace, log)).toMatchObject({ status: 'imported', importId: 5, rows: 6 });
    } finally {
      await workspace.close();
    }
  });

  it.each([
    ['removing', 0, false],
    ['deleting files', 0, true],
    ['deleting files', 2, true],
  ] as const)('after a SIGKILL while %s (file %i), is removed whole or not at all', async (phase, done, committed) => {
    const dir = await copy(`kill-${phase.replace(/\W/g, '-')}-${done}`);
    expect(await removeAndKill(dir, 1, phase, done), `the child never reported ${phase} ${done}`).toBeDefined();
    const { orphansRemoved, ...after } = await counts(dir);
    expect(after.onDisk).toEqual(after.manifest);
    if (committed) {
      // The files not yet deleted are the next open's to remove: the catalog no longer lists their import.
      const filesOfA = before.manifest.filter((p) => /import-1-/.test(p)).length;
      expect(orphansRemoved).toBe(filesOfA - done);
      expect(after).toMatchObject({ ...expected, ids: expected.events, catalogEvents: expected.events });
    } else {
      expect(orphansRemoved).toBe(0);
      expect(after).toEqual(before);
    }
  });

  it('recount imports lists them and recount remove-import ID removes one, in words and as JSON', async () => {
    const dir = await copy('cli');
    const listed = await runCli(['imports', '--workspace', dir]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`#1  `);
    expect(listed.stdout).toContain(
      `${(truthA.lines - truthA.malformed.length).toLocaleString('en-US')} rows into ${datesA.length} partitions (${datesA[0]} … ${datesA.at(-1)}), ${truthA.duplicates.length} duplicate arrivals, ${truthA.malformed.length} rejected`,
    );
    const removed = await runCli(['remove-import', '1', '--json', '--workspace', dir]);
    expect(removed.code).toBe(0);
    expect(JSON.parse(removed.stdout)).toMatchObject({
      importId: 1,
      events: truthA.events.length - shared.ids.length,
      kept: shared.ids.length,
    });
    const again = await runCli(['remove-import', '1', '--workspace', dir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('there is no import #1 in this workspace');
    const json = JSON.parse((await runCli(['imports', '--json', '--workspace', dir])).stdout) as { importId: number }[];
    expect(json.map((i) => i.importId)).toEqual([2]);
  });
});

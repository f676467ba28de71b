import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testWorkspace, type TestWorkspace } from '../../testing/fixtures.js';
import { runCli } from '../../testing/cli.js';
import { listFilesRecursive } from '../util/fsx.js';
import { importFile } from '../../lake/import.js';

/** The lake is a folder other tools read and write beside Recount: opening a workspace never deletes their files. */
let t: TestWorkspace;
beforeEach(async () => {
  t = await testWorkspace();
});
afterEach(() => t.cleanup());

describe('recovery at open', () => {
  it('leaves files Recount did not write where they are, reports them, and removes only its own leftovers', async () => {
    const events = join(t.root, 'events.ndjson');
    await writeFile(events, '{"event_type":"a","occurred_at":"2026-10-01T10:00:00Z"}\n');
    expect((await importFile(t.workspace, events)).status).toBe('imported');
    await t.workspace.close();
    const lake = t.workspace.paths.lakeEvents;
    const partition = join(lake, 'event_date=2026-10-01');
    const foreignDir = join(lake, 'event_date=2026-10-02');
    await mkdir(foreignDir, { recursive: true });
    await writeFile(join(partition, 'mine.parquet'), 'a user file');
    await writeFile(join(foreignDir, '_SUCCESS'), '');
    await writeFile(join(foreignDir, 'notes.txt'), 'keep me');
    // What an import that died before its commit left, under an earlier version's protocol: Recount's name, no import.
    const orphan = join(lake, 'event_date=2026-10-03', 'import-7-7-0a1b2c3d-import-7-0.parquet');
    await mkdir(join(lake, 'event_date=2026-10-03'), { recursive: true });
    await writeFile(orphan, 'not committed');
    await mkdir(join(t.workspace.paths.staging, 'a-folder-of-mine'), { recursive: true });
    await mkdir(join(t.workspace.paths.staging, '8-0123abcd'), { recursive: true });

    const query = await runCli(['query', 'SELECT count(*) AS n FROM events', '--workspace', t.dir, '--format', 'csv']);
    expect(query).toMatchObject({ code: 0, stdout: 'n\r\n1\r\n' });

    const files = (await listFilesRecursive(lake)).sort();
    expect(files).toEqual([
      expect.stringMatching(/^event_date=2026-10-01\/import-1-1-[0-9a-f]{8}-import-1-0\.parquet$/),
      'event_date=2026-10-01/mine.parquet',
      'event_date=2026-10-02/_SUCCESS',
      'event_date=2026-10-02/notes.txt',
    ]);
    expect(await readdir(lake)).not.toContain('event_date=2026-10-03');
    expect(await readdir(t.workspace.paths.staging)).toEqual(['a-folder-of-mine']);

    const workspace = await t.reopen();
    expect(workspace.recovery).toMatchObject({ orphansRemoved: 0, stagingRemoved: 0 });
    expect([...workspace.recovery.foreign].sort()).toEqual([
      'lake/_staging/a-folder-of-mine',
      'lake/events/event_date=2026-10-01/mine.parquet',
      'lake/events/event_date=2026-10-02/_SUCCESS',
      'lake/events/event_date=2026-10-02/notes.txt',
    ]);
  });
});

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testWorkspace, type TestWorkspace } from '../../testing/fixtures.js';
import { runCli } from '../../testing/cli.js';
import { importFile } from '../../lake/import.js';
import { runPipelines } from '../../batch/runner.js';
import { QueryResults } from '../../service/queries.js';

/** SQL cells keep DuckDB's power over the user's own tables and files; Recount's catalog and summaries are Recount's. */
let t: TestWorkspace;
beforeEach(async () => {
  t = await testWorkspace();
  const file = join(t.root, 'events.ndjson');
  await writeFile(
    file,
    ['u1', 'u2', 'u1']
      .map((u, i) => `{"event_type":"UserVisitedWebsite","user_id":"${u}","occurred_at":"2026-10-0${i + 1}T10:00:00Z"}`)
      .join('\n') + '\n',
  );
  await importFile(t.workspace, file);
  await runPipelines(t.workspace, { pipelines: ['daily_visits'] });
});
afterEach(() => t.cleanup());

const state = async () =>
  t.workspace.catalog.all(
    `SELECT (SELECT sum(rows)::INTEGER FROM lake_files) AS rows, (SELECT count(*)::INTEGER FROM imports) AS imports,
       (SELECT sum(visits)::INTEGER FROM daily_visits) AS visits, (SELECT count(*)::INTEGER FROM events) AS events`,
  );

describe("user SQL and Recount's tables", () => {
  it('refuses and rolls back SQL that writes the catalog, a summary table or the lake views, and says which', async () => {
    const results = new QueryResults(t.workspace);
    const before = await state();
    expect(before).toEqual([{ rows: 3, imports: 1, visits: 3, events: 3 }]);
    const cases: [string, string][] = [
      ['UPDATE lake_files SET rows = 0', 'lake_files'],
      ['DELETE FROM daily_visits', 'daily_visits'],
      ['CREATE TABLE mine(a INT); UPDATE imports SET duration_ms = duration_ms + 1', 'imports'],
      ['CREATE OR REPLACE VIEW events AS SELECT 1 AS x', 'events'],
      ['DROP TABLE rejects', 'rejects'],
    ];
    for (const [sql, name] of cases) {
      await expect(results.run(sql), sql).rejects.toThrow(`this SQL writes ${name}, which is Recount's own`);
    }
    expect(await state()).toEqual(before);
    // Nothing of a refused statement stays, not even the part that wrote the user's own table.
    expect(await t.workspace.catalog.all(`SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = 'mine'`)).toEqual(
      [{ n: 0 }],
    );
    results.closeAll();
  });

  it("lets SQL write the user's own tables, reading Recount's, in cells and on the command line", async () => {
    const results = new QueryResults(t.workspace);
    await results.run('CREATE TABLE my_counts AS SELECT event_date, visits FROM daily_visits');
    await results.run("INSERT INTO my_counts VALUES (DATE '2026-11-01', 42)");
    expect(await t.workspace.catalog.all('SELECT sum(visits)::INTEGER AS s FROM my_counts')).toEqual([{ s: 45 }]);
    results.closeAll();
    await t.workspace.close();
    const cli = await runCli(['query', 'UPDATE imports SET rows = 0', '--workspace', t.dir]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain("this SQL writes imports, which is Recount's own");
    const mine = await runCli(['query', 'DELETE FROM my_counts WHERE visits = 42', '--workspace', t.dir, '--format', 'csv']);
    expect(mine).toMatchObject({ code: 0 });
    await t.reopen();
    expect(await state()).toEqual([{ rows: 3, imports: 1, visits: 3, events: 3 }]);
    expect(await t.workspace.catalog.all('SELECT count(*)::INTEGER AS n FROM my_counts')).toEqual([{ n: 3 }]);
  });
});

import type { Connection } from '../kernel/workspace/db.js';
import type { OpenStep } from '../kernel/workspace/workspace.js';
import { ident } from '../kernel/util/sql.js';

/** At open: runs a dead process left marked running are interrupted, and the tables they were rebuilding dropped. */
export const recoverRuns: OpenStep = async ({ catalog }) => {
  // A run still marked running belonged to a process that died: nothing of it was half-committed.
  await catalog.run(`UPDATE runs SET status = 'interrupted', finished_at = now() WHERE status = 'running'`);
  await dropAbandonedRebuilds(catalog);
};

/**
 * A run that rebuilds a pipeline's table under a new column set writes `<pipeline>__rebuild_<run id>` and swaps it in
 * when every partition succeeded; a run killed before the swap left it behind. Such a table of a run that is over is
 * dropped (only when that run exists: a user's table of the same shape stays).
 */
async function dropAbandonedRebuilds(catalog: Connection): Promise<void> {
  const tables = await catalog.all<{ name: string }>(
    `SELECT t.table_name AS name FROM duckdb_tables() t
     JOIN runs r ON r.run_id = TRY_CAST(regexp_extract(t.table_name, '__rebuild_([0-9]+)$', 1) AS BIGINT)
     WHERE t.schema_name = 'main' AND NOT t.temporary AND regexp_matches(t.table_name, '.+__rebuild_[0-9]+$')
       AND r.status <> 'running'`,
  );
  for (const { name } of tables) await catalog.run(`DROP TABLE IF EXISTS ${ident(name)}`);
}

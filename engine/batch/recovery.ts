import type { Connection } from '../kernel/workspace/db.js';
import type { OpenStep } from '../kernel/workspace/workspace.js';
import { ident } from '../kernel/util/sql.js';
import { finishedRunIds, interruptRunningRuns } from './ledger.js';

/** At open: runs a dead process left marked running are interrupted, and the tables they were rebuilding dropped. */
export const recoverRuns: OpenStep = async ({ catalog }) => {
  // A run still marked running belonged to a process that died: nothing of it was half-committed.
  await interruptRunningRuns(catalog);
  await dropAbandonedRebuilds(catalog);
};

/**
 * A run that rebuilds a pipeline's table under a new column set writes `<pipeline>__rebuild_<run id>` and swaps it in
 * when every partition succeeded; a run killed before the swap left it behind. Such a table of a run that is over is
 * dropped (only when that run exists: a user's table of the same shape stays).
 */
async function dropAbandonedRebuilds(catalog: Connection): Promise<void> {
  const tables = await catalog.all<{ name: string; run: number }>(
    `SELECT table_name AS name, TRY_CAST(regexp_extract(table_name, '__rebuild_([0-9]+)$', 1) AS BIGINT)::DOUBLE AS run
     FROM duckdb_tables()
     WHERE schema_name = 'main' AND NOT temporary AND regexp_matches(table_name, '.+__rebuild_[0-9]+$')`,
  );
  if (tables.length === 0) return;
  const over = await finishedRunIds(catalog);
  for (const { name, run } of tables) {
    if (run !== null && over.has(Number(run))) await catalog.run(`DROP TABLE IF EXISTS ${ident(name)}`);
  }
}

import { mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { OpenStep, RecoveryReport, WorkspacePaths } from '../kernel/workspace/workspace.js';
import type { Connection } from '../kernel/workspace/db.js';
import { exists, fsyncDir, listFilesRecursive } from '../kernel/util/fsx.js';
import type { ProgressListener } from '../shared/progress.js';
import { rebuildLakeViews } from './views.js';
import { backfillImportColumns } from './lake-schema.js';

/**
 * The lake's part of opening a workspace: a crashed import's commit is rolled forward or its staging removed (only
 * what Recount wrote), each import's recorded columns are filled in for workspaces from before they were recorded, and
 * the lake's views are rebuilt over what is committed.
 */
export const recoverLakeAtOpen: OpenStep = async ({ paths, catalog }) => {
  const report = await recoverLake(paths, catalog);
  await backfillImportColumns(catalog, paths.root);
  await rebuildLakeViews(catalog, paths.root);
  return report;
};

/** At init: the lake's views exist before the first import, for readers of the catalog. */
export const createLakeViews: OpenStep = async ({ paths, catalog }) => {
  await rebuildLakeViews(catalog, paths.root);
};

/** A staging folder an import of this process made: `<import id>-<8 hex digits>`. */
const STAGING_DIR = /^\d+-[0-9a-f]{8}$/;
/** A lake file an import wrote: `import-<id>-<staging folder>-import-<id>-<n>.parquet` (commit.ts names them). */
const LAKE_FILE = /^import-(\d+)-\1-[0-9a-f]{8}-import-\1-\d+\.parquet$/;

/**
 * Crash recovery for the lake, which removes only what Recount can prove it wrote itself. Moves a crash left half-done
 * after the catalog committed them are finished (rolled forward); staging folders of imports that never committed are
 * removed; a file in the lake's partitions that Recount named but the catalog does not list (an import that died
 * before its commit, from before commits moved files only afterwards) is removed. Anything else in the lake, a
 * user's own Parquet file, a `_SUCCESS` marker, notes, is another tool's and is left as it is, and reported. Runs
 * under DuckDB's file lock, so no other import can be in flight.
 */
async function recoverLake(paths: WorkspacePaths, catalog: Connection): Promise<RecoveryReport> {
  const pendingDirs = new Set(
    (await catalog.all<{ staged: string }>('SELECT staged_path AS staged FROM pending_moves')).map(
      (r) => r.staged.split(/[\\/]/)[2] as string,
    ),
  );
  const rolledForward = pendingDirs.size > 0 ? await finishMoves({ dir: paths.root, paths }, catalog) : 0;
  let stagingRemoved = 0;
  const foreign: string[] = [];
  for (const entry of await readdir(paths.staging).catch(() => [] as string[])) {
    if (STAGING_DIR.test(entry)) {
      await rm(join(paths.staging, entry), { recursive: true, force: true });
      stagingRemoved++;
    } else foreign.push(join('lake', '_staging', entry));
  }

  const committed = new Set((await catalog.all<{ path: string }>('SELECT path FROM lake_files')).map((r) => r.path));
  const imports = new Set(
    (await catalog.all<{ id: number }>('SELECT import_id::DOUBLE AS id FROM imports')).map((r) => Number(r.id)),
  );
  let orphansRemoved = 0;
  const emptied = new Set<string>();
  for (const rel of await listFilesRecursive(paths.lakeEvents)) {
    const path = join('lake', 'events', rel);
    if (committed.has(path)) continue;
    const ours = LAKE_FILE.exec(basename(rel));
    if (ours && /^event_date=[^/\\]+$/.test(dirname(rel)) && !imports.has(Number(ours[1]))) {
      await rm(join(paths.root, path), { force: true });
      orphansRemoved++;
      emptied.add(dirname(rel));
    } else foreign.push(path);
  }
  // A partition folder emptied of Recount's own orphans would look like an empty partition to other readers.
  for (const dir of emptied) await rmdir(join(paths.lakeEvents, dir)).catch(() => {});
  return { stagingRemoved, orphansRemoved, rolledForward, foreign };
}

/**
 * Renames the committed files of an import (or, with no import, of every import a crash left half-moved) from staging
 * into their partitions, then marks the moves done and rebuilds the lake's views in one transaction. A file already at
 * its final path was moved before the crash; a file in neither place is an error that leaves the move pending.
 */
export async function finishMoves(
  workspace: { dir: string; paths: Pick<WorkspacePaths, 'lakeEvents'> },
  connection: Connection,
  importId?: number,
  onProgress?: ProgressListener,
): Promise<number> {
  const moves = await connection.all<{ staged: string; path: string }>(
    `SELECT staged_path AS staged, final_path AS path FROM pending_moves ${importId === undefined ? '' : `WHERE import_id = ${importId}`} ORDER BY final_path`,
  );
  const dirs = new Set<string>();
  for (const [i, move] of moves.entries()) {
    onProgress?.({ phase: 'committing', done: i, total: moves.length, unit: 'partitions' });
    const staged = join(workspace.dir, move.staged);
    const target = join(workspace.dir, move.path);
    if (await exists(staged)) {
      await mkdir(dirname(target), { recursive: true });
      await rename(staged, target);
    } else if (!(await exists(target))) {
      throw new Error(`${move.path}: committed, but neither it nor its staged file ${move.staged} exists`);
    }
    dirs.add(dirname(target));
  }
  for (const dir of dirs) await fsyncDir(dir);
  if (dirs.size > 0) await fsyncDir(workspace.paths.lakeEvents);
  await connection.transaction(async () => {
    await connection.run(`DELETE FROM pending_moves ${importId === undefined ? '' : `WHERE import_id = ${importId}`}`);
    await rebuildLakeViews(connection, workspace.dir);
  });
  return moves.length;
}

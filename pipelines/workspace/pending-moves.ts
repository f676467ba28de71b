import { mkdir, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { WorkspacePaths } from './workspace.js';
import type { Connection } from './db.js';
import { exists, fsyncDir } from '../util/fsx.js';
import { rebuildLakeViews } from '../lake/views.js';
import type { ProgressListener } from '../util/progress.js';

/*
 * The last step of the lake's commit protocol, shared by the import that commits and by the recovery at open that
 * rolls a crashed commit forward: the catalog already names every file's final path (pending_moves), so finishing
 * is only renames and one transaction.
 */

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

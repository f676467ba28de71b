import { rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Workspace } from '../kernel/workspace/workspace.js';
import { UserError, throwIfAborted } from '../kernel/util/errors.js';
import { isoTime } from '../kernel/workspace/catalog.js';
import type { OperationOptions } from '../shared/progress.js';
import { nextImportId } from './catalog.js';
import { deleteRemovedFiles, removeImports } from './replace.js';
import { rebuildLakeViews } from './views.js';

export interface RemovedImport {
  importId: number;
  sourcePath: string;
  importedAt: string;
  /** Rows the import had landed (duplicate arrivals included), gone from raw_events. */
  rows: number;
  /** Events the lake no longer holds: first seen in the import and in no other. */
  events: number;
  /** Events first seen in the import that another import also has: kept, now from that one. */
  kept: number;
  rejected: number;
  files: number;
  /** The dates the import held, now stale for the batch layer. */
  partitions: string[];
}

type ImportRow = {
  source_path: string;
  imported_at: string;
  rows: number;
  rejected: number;
  new_events: number;
  files: number;
  partitions: string[];
};

/**
 * Removes an import from the lake, the way to undo a wrong one: one catalog transaction drops its files from the
 * manifest and its rows, rejects, columns and duplicate records, gives each event it held first to the earliest other
 * arrival of it, marks the dates it held stale (lake_removals), and rebuilds the views without its files. Only then
 * are its files deleted: a crash before the commit leaves the import as it was; a crash after it leaves files of an
 * import the catalog no longer lists, which the next open removes (recovery.ts) as it does a dead import's.
 */
export async function removeImport(
  workspace: Workspace,
  importId: number,
  options: OperationOptions = {},
): Promise<RemovedImport> {
  return workspace.exclusive(async () => {
    throwIfAborted(options.signal);
    const catalog = workspace.catalog;
    const row = await catalog.one<ImportRow>(
      `SELECT source_path, ${isoTime('imported_at')} AS imported_at, rows::DOUBLE AS rows, rejected::DOUBLE AS rejected,
         (SELECT coalesce(sum(new_events), 0) FROM lake_files WHERE import_id = $id)::DOUBLE AS new_events,
         (SELECT count(*) FROM lake_files WHERE import_id = $id)::DOUBLE AS files,
         (SELECT coalesce(list_sort(list(DISTINCT strftime(event_date, '%Y-%m-%d'))), [])
          FROM lake_files WHERE import_id = $id) AS partitions
       FROM imports WHERE import_id = $id`,
      { id: importId },
    );
    if (!row) {
      throw new UserError(`there is no import #${importId} in this workspace (recount imports lists them)`, 'not-found');
    }
    // A later import that continued this one (a file that grew) would be left without the lines before its own, and
    // the file's next import would continue it rather than bring them back: that one is removed first.
    const continued = await catalog.one<{ id: number; from: number; to: number }>(
      `SELECT import_id::DOUBLE AS id, (lines_from + 1)::DOUBLE AS "from", lines_to::DOUBLE AS "to" FROM imports
       WHERE source_path = $path AND import_id > $id AND bytes_from > 0 ORDER BY import_id DESC LIMIT 1`,
      { path: row.source_path, id: importId },
    );
    if (continued) {
      throw new UserError(
        `import #${continued.id} continues import #${importId} (lines ${continued.from}–${continued.to} of ${row.source_path}): remove #${continued.id} first`,
        'import-continued',
      );
    }
    const kept = await catalog.one<{ n: number }>(
      `SELECT count(DISTINCT event_id)::DOUBLE AS n FROM duplicate_arrivals WHERE first_import_id = $id AND import_id <> $id`,
      { id: importId },
    );
    const version = await nextImportId(catalog);
    const files = Number(row.files);
    options.onProgress?.({ phase: 'removing', done: 0, total: files, unit: 'partitions' });
    let removed: string[] = [];
    await catalog.transaction(async () => {
      removed = await removeImports(catalog, workspace.dir, [importId], version);
      await rebuildLakeViews(catalog, workspace.dir);
    });
    // Committed: from here on the removal stands, and what is left on disk is cleanup the next open also does.
    for (const [i, path] of removed.entries()) {
      options.onProgress?.({ phase: 'deleting files', done: i, total: removed.length, unit: 'partitions' });
      await deleteRemovedFiles(workspace.dir, [path]);
    }
    // A partition folder left empty would read as an empty partition to other tools; one with other files stays.
    for (const dir of new Set(removed.map((p) => dirname(p)))) await rmdir(join(workspace.dir, dir)).catch(() => {});
    const keptEvents = Number(kept?.n ?? 0);
    return {
      importId,
      sourcePath: row.source_path,
      importedAt: row.imported_at,
      rows: Number(row.rows),
      events: Number(row.new_events) - keptEvents,
      kept: keptEvents,
      rejected: Number(row.rejected),
      files,
      partitions: row.partitions,
    };
  });
}

import { stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import type { Workspace } from '../kernel/workspace/workspace.js';
import type { Connection } from '../kernel/workspace/db.js';
import { fsyncDir, fsyncFile, listFilesRecursive } from '../kernel/util/fsx.js';
import { literal } from '../kernel/util/sql.js';
import { recordColumns } from './lake-schema.js';
import type { Resolution } from './schema.js';
import { deleteRemovedFiles, lakeFirstSql, removeImports } from './replace.js';
import { finishMoves } from './recovery.js';
import type { ProgressListener } from '../shared/progress.js';

export interface RejectRecord {
  line: number;
  reason: string;
  raw: string | null;
}

export interface ImportRecord {
  importId: number;
  sourcePath: string;
  format: string;
  contentSha256: string;
  bytesFrom: number;
  bytesTo: number;
  linesFrom: number;
  linesTo: number;
  fieldMap: Record<string, unknown>;
  importedAt: string;
  startedAt: number;
  /** How the import's columns join the lake's (lake-schema.ts). */
  schema?: Resolution;
  /** How the file was read (replace.ts). */
  readAs: string;
  /** Earlier imports this one replaces, removed in its commit. */
  replaces?: number[];
}

export interface CommitResult {
  timings: Record<string, number>;
  rows: number;
  duplicates: number;
  partitions: string[];
}

interface StagedFile {
  staged: string;
  target: string;
  eventDate: string;
}

async function stagedFiles(workspace: Workspace, stagingDir: string, importId: number): Promise<StagedFile[]> {
  const files = (await listFilesRecursive(stagingDir)).filter((f) => f.endsWith('.parquet'));
  const nonce = basename(stagingDir);
  return files.map((rel) => {
    const partition = dirname(rel);
    const match = /^event_date=(\d{4,}-\d{2}-\d{2})$/.exec(partition);
    if (!match) throw new Error(`unexpected staged file ${rel}: not in an event_date partition`);
    return {
      staged: join(stagingDir, rel),
      target: join(workspace.paths.lakeEvents, partition, `import-${importId}-${nonce}-${basename(rel)}`),
      eventDate: match[1] as string,
    };
  });
}

/**
 * Finds arrivals that repeat an event identity: within this import every arrival after the first,
 * and every arrival of an identity the lake already holds. First arrival wins, so these rows stay in
 * raw_events but not in events.
 */
async function findDuplicates(
  connection: Connection,
  stagingDir: string,
  importId: number,
  replaced: readonly number[],
): Promise<void> {
  await connection.run(`CREATE OR REPLACE TEMP TABLE import_ids AS
    SELECT event_id, event_date, _source_line AS line, filename
    FROM read_parquet(${literal(join(stagingDir, '**', '*.parquet'))}, hive_partitioning = true,
      hive_types = {'event_date': DATE}, filename = true)`);
  // Within the file only identities that occur twice matter: joining every row back to a first line per
  // identity (a group per row) costs more than finding the few repeated ones first.
  // Two inner joins, each yielding only duplicates, rather than outer-joining every row to both (which touches every row):
  // every arrival of an identity the lake holds, and the later arrivals of one repeated in this file but not in the lake.
  await connection.run(`CREATE OR REPLACE TEMP TABLE import_duplicates AS
    WITH lake_first AS (${lakeFirstSql(replaced)}), repeated AS (
      SELECT event_id, min(line) AS first_line FROM import_ids GROUP BY event_id HAVING count(*) > 1
    )
    SELECT n.line, n.event_id, n.event_date, n.filename, lf.first_import_id, lf.first_line
    FROM import_ids n JOIN lake_first lf USING (event_id)
    UNION ALL
    SELECT n.line, n.event_id, n.event_date, n.filename, ${importId} AS first_import_id, r.first_line
    FROM import_ids n JOIN repeated r USING (event_id) ANTI JOIN lake_first lf USING (event_id)
    WHERE n.line > r.first_line`);
}

/**
 * Commits a staged import so that no reader, Recount's or another tool's, ever sees a row that is not committed. The
 * staged Parquet files are made durable where they are (`lake/_staging/`, which readers of the lake's partitions do
 * not glob); one catalog transaction then records them at their final paths, with the import, its rejects, its
 * duplicate arrivals and the moves still to make; then they are renamed into their partitions, and a second
 * transaction marks the moves done and shows the files in the lake's views. A crash before the first transaction
 * leaves only staged files, which the next open removes; a crash after it leaves moves the next open finishes (rolls
 * forward): the import is committed whole either way.
 */
export async function commitImport(
  workspace: Workspace,
  connection: Connection,
  stagingDir: string,
  record: ImportRecord,
  rejects: RejectRecord[],
  scratchDir: string,
  onProgress?: ProgressListener,
): Promise<CommitResult> {
  const timings: Record<string, number> = {};
  let mark = performance.now();
  const files = await stagedFiles(workspace, stagingDir, record.importId);
  const replaced = record.replaces ?? [];
  if (files.length > 0) await findDuplicates(connection, stagingDir, record.importId, replaced);
  const perFile = files.length
    ? await connection.all<{ filename: string; rows: number; duplicates: number }>(`
        SELECT i.filename, count(*)::DOUBLE AS rows, count(d.line)::DOUBLE AS duplicates
        FROM import_ids i LEFT JOIN import_duplicates d ON d.filename = i.filename AND d.line = i.line
        GROUP BY i.filename`)
    : [];
  const counts = new Map(perFile.map((f) => [f.filename, f]));

  timings['find duplicates'] = Math.round(performance.now() - mark);
  mark = performance.now();
  // Side by side: the thread pool has several fsyncs in flight, and the disk flushes them together.
  await Promise.all(files.map((file) => fsyncFile(file.staged)));
  for (const dir of new Set(files.map((f) => dirname(f.staged)))) await fsyncDir(dir);

  let rejectsFile: string | undefined;
  if (rejects.length > 0) {
    rejectsFile = join(scratchDir, 'rejects.ndjson');
    await writeFile(rejectsFile, rejects.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }
  const manifest = await Promise.all(
    files.map(async (file) => {
      const c = counts.get(file.staged) ?? { rows: 0, duplicates: 0 };
      return {
        path: relative(workspace.dir, file.target),
        staged: relative(workspace.dir, file.staged),
        eventDate: file.eventDate,
        rows: Number(c.rows),
        newEvents: Number(c.rows) - Number(c.duplicates),
        bytes: (await stat(file.staged)).size,
      };
    }),
  );
  const rows = manifest.reduce((sum, f) => sum + f.rows, 0);
  const duplicates = manifest.reduce((sum, f) => sum + (f.rows - f.newEvents), 0);
  const partitions = [...new Set(manifest.map((f) => f.eventDate))].sort();
  timings['sync files'] = Math.round(performance.now() - mark);
  mark = performance.now();

  let removedFiles: string[] = [];
  await connection.transaction(async () => {
    removedFiles = await removeImports(connection, workspace.dir, replaced, record.importId);
    await connection.run(
      `INSERT INTO imports VALUES ($id, $path, $format, $sha, $bytesFrom, $bytesTo, $linesFrom, $linesTo,
         $rows, $rejected, $duplicates, CAST($partitions AS DATE[]), $fieldMap, CAST($importedAt AS TIMESTAMPTZ), $duration,
         $readAs)`,
      {
        id: record.importId,
        path: record.sourcePath,
        format: record.format,
        sha: record.contentSha256,
        bytesFrom: record.bytesFrom,
        bytesTo: record.bytesTo,
        linesFrom: record.linesFrom,
        linesTo: record.linesTo,
        rows,
        rejected: rejects.length,
        duplicates,
        partitions: `[${partitions.join(', ')}]`,
        fieldMap: JSON.stringify(record.fieldMap),
        importedAt: record.importedAt,
        duration: Date.now() - record.startedAt,
        readAs: record.readAs,
      },
    );
    if (manifest.length > 0) {
      // One statement for every file (a statement each cost about a millisecond, with ninety partitions a file).
      await connection.run(`INSERT INTO lake_files
        SELECT path, CAST(event_date AS DATE), ${record.importId}, rows, new_events, bytes
        FROM (VALUES ${manifest.map((f) => `(${literal(f.path)}, ${literal(f.eventDate)}, ${f.rows}, ${f.newEvents}, ${f.bytes})`).join(', ')})
          AS m(path, event_date, rows, new_events, bytes)`);
      await connection.run(`INSERT INTO pending_moves
        SELECT ${record.importId}, staged, path
        FROM (VALUES ${manifest.map((f) => `(${literal(f.staged)}, ${literal(f.path)})`).join(', ')}) AS m(staged, path)`);
    }
    if (rejectsFile) {
      await connection.run(`INSERT INTO rejects
        SELECT ${record.importId}, ${literal(record.sourcePath)}, line, reason, raw, CAST(${literal(record.importedAt)} AS TIMESTAMPTZ)
        FROM read_json(${literal(rejectsFile)}, format = 'newline_delimited',
          columns = {line: 'BIGINT', reason: 'VARCHAR', raw: 'VARCHAR'})`);
    }
    if (files.length > 0) {
      await connection.run(`INSERT INTO duplicate_arrivals
        SELECT ${record.importId}, line, event_id, event_date, first_import_id, first_line FROM import_duplicates`);
    }
    if (record.schema) await recordColumns(connection, record.importId, record.schema);
  });
  timings['catalog commit'] = Math.round(performance.now() - mark);
  mark = performance.now();
  await finishMoves(workspace, connection, record.importId, onProgress);
  // The replaced imports' files, now that no view reads them (a crash before this leaves orphans the next open removes).
  await deleteRemovedFiles(workspace.dir, removedFiles);
  timings['move files'] = Math.round(performance.now() - mark);
  return { timings, rows, duplicates, partitions };
}

import { join } from 'node:path';
import type { Connection } from '../kernel/workspace/db.js';
import { ident, listLiteral, literal } from '../kernel/util/sql.js';
import { CANONICAL_COLUMNS, LAKE_META_COLUMNS } from '../kernel/events/columns.js';
import {
  DOUBLE_EXACT_INTEGER,
  maxMagnitudeSql,
  parseType,
  resolveColumns,
  type ColumnMapping,
  type LakeColumn,
  type RangeCheck,
  type Resolution,
} from './schema.js';
import type { LakeType } from './types.js';

/** Columns every lake row has with a fixed type: never evolved, never mapped. */
const FIXED = new Set<string>([...CANONICAL_COLUMNS, ...LAKE_META_COLUMNS].map((c) => c.toLowerCase()));

export async function readLakeColumns(connection: Connection): Promise<LakeColumn[]> {
  const rows = await connection.all<{ name: string; type: string }>(
    'SELECT column_name AS name, column_type AS type FROM lake_columns ORDER BY column_name',
  );
  return rows.map((r) => ({ name: r.name, type: r.type }));
}

/** The columns of Parquet files as DuckDB reads them, without the lake's fixed columns. */
async function fileColumns(connection: Connection, files: string[]): Promise<{ column: string; type: string }[]> {
  const rows = await connection.all<{ column_name: string; column_type: string }>(
    `DESCRIBE SELECT * FROM read_parquet(${listLiteral(files)}, hive_partitioning = true, hive_types = {'event_date': DATE}, union_by_name = true)`,
  );
  return rows.filter((r) => !FIXED.has(r.column_name.toLowerCase())).map((r) => ({ column: r.column_name, type: r.column_type }));
}

function typeAt(type: LakeType, path: string[]): LakeType | undefined {
  let t: LakeType | undefined = type;
  for (const step of path) {
    if (!t) return undefined;
    if (step === '[]') t = t.kind === 'list' || t.kind === 'array' ? t.of : undefined;
    else t = t.kind === 'struct' ? t.fields.find(([n]) => n.toLowerCase() === step.toLowerCase())?.[1] : undefined;
  }
  return t;
}

function isInteger(type: LakeType | undefined): boolean {
  return type?.kind === 'scalar' && /^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?)$/.test(type.name);
}

/**
 * Decides how a staged import's columns join the lake (schema.ts), running the range checks a widening to DOUBLE needs
 * on the stored files of the imports that feed the column and on the staged files.
 */
export async function resolveStagedImport(connection: Connection, workspaceDir: string, stagingDir: string): Promise<Resolution> {
  const staged = join(stagingDir, '**', '*.parquet');
  const written = await fileColumns(connection, [staged]);
  const lake = await readLakeColumns(connection);
  const maxWithin = async (files: string[], column: string, path: string[], limit: number) => {
    // Compared in SQL: the largest integer itself may be one a double would round to the limit.
    const row = await connection.one<{ ok: boolean }>(
      `SELECT coalesce(${maxMagnitudeSql(ident(column), path)} <= ${limit}, true) AS ok
       FROM read_parquet(${listLiteral(files)}, union_by_name = true)`,
    );
    return row?.ok === true;
  };
  const holds = async (check: RangeCheck, lakeColumn: string, fileColumn: string): Promise<boolean> => {
    if (check.side === 'import') return maxWithin([staged], fileColumn, check.path, check.limit);
    const feeding = await connection.all<{ import_id: number; column_name: string; column_type: string }>(
      `SELECT import_id::DOUBLE AS import_id, column_name, column_type FROM import_columns WHERE lake_column = $c`,
      { c: lakeColumn },
    );
    for (const f of feeding) {
      if (!isInteger(typeAt(parseType(f.column_type), check.path))) continue;
      const files = await connection.all<{ path: string }>(`SELECT path FROM lake_files WHERE import_id = $id`, {
        id: f.import_id,
      });
      if (files.length === 0) continue;
      const paths = files.map((r) => join(workspaceDir, r.path));
      if (!(await maxWithin(paths, f.column_name, check.path, check.limit))) return false;
    }
    return true;
  };
  return resolveColumns(lake, written, holds);
}

/** Records a committed import's columns and the lake's new or widened columns (inside the commit's transaction). */
export async function recordColumns(connection: Connection, importId: number, resolution: Resolution): Promise<void> {
  if (resolution.mappings.length > 0) {
    await connection.run(
      `INSERT INTO import_columns SELECT ${importId}, c, t, l FROM (VALUES ${resolution.mappings
        .map((m) => `(${literal(m.column)}, ${literal(m.type)}, ${literal(m.lakeColumn)})`)
        .join(', ')}) AS v(c, t, l)`,
    );
  }
  for (const change of resolution.lakeChanges) {
    await connection.run(`INSERT OR REPLACE INTO lake_columns VALUES ($name, $type)`, { name: change.name, type: change.type });
  }
}

/**
 * Imports committed before the catalog recorded their columns get them from their files, folded into the lake's
 * columns in import order by the same rules as a new import: a workspace whose sources disagreed becomes queryable.
 */
export async function backfillImportColumns(connection: Connection, workspaceDir: string): Promise<number> {
  const missing = await connection.all<{ import_id: number }>(
    `SELECT DISTINCT import_id::DOUBLE AS import_id FROM lake_files
     WHERE import_id NOT IN (SELECT import_id FROM import_columns) ORDER BY import_id`,
  );
  for (const { import_id: importId } of missing) {
    const files = await connection.all<{ path: string }>(`SELECT path FROM lake_files WHERE import_id = $id`, { id: importId });
    const written = await fileColumns(
      connection,
      files.map((f) => join(workspaceDir, f.path)),
    );
    // Stored data is not range-checked here: a widening that would need a check is not taken (a column of its own).
    const resolution = await resolveColumns(await readLakeColumns(connection), written, async () => false);
    await connection.transaction(() => recordColumns(connection, importId, resolution));
  }
  return missing.length;
}

/** Whether a mapping reads a column as it is (same name, same type as the lake's). */
export function isIdentity(mapping: ColumnMapping, lakeType: string | undefined): boolean {
  return mapping.column === mapping.lakeColumn && mapping.type === lakeType;
}

export { DOUBLE_EXACT_INTEGER };

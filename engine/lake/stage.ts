import { rm, mkdir } from 'node:fs/promises';
import { ident, literal } from '../kernel/util/sql.js';
import { SKIP_KEY } from '../kernel/lines/frame-ndjson.js';
import type { ImportNote } from './notes.js';
import { parseTimeFormatOption } from '../kernel/events/time-formats.js';
import {
  buildPlan,
  selectTypeChecks,
  selectLakeRows,
  selectRejects,
  type ImportPlan,
  type PlanInput,
} from '../kernel/events/plan.js';
import { STAGED_TABLE, loadStaged, type LoadRequest } from './stage-load.js';
import { inferTextTypes, mapFields, settleTypes, typeNotes, typedFields } from './stage-fields.js';
import { chooseEventTime, timeFirstLook } from './stage-times.js';
import { duplicateKeyFirstLook, duplicateKeyNotes } from './stage-duplicate-keys.js';

export { STAGED_TABLE, loadStaged, type StageSource } from './stage-load.js';

export interface StageRequest extends LoadRequest {
  /** A strptime format for event times (`--time-format`), instead of one decided from the values. */
  timeFormat?: string;
  /** Rows `loadStaged` already put in the staging table from this very source, when it has. */
  staged?: number;
  stagingDir: string;
  plan: Omit<PlanInput, 'kind' | 'fields' | 'hasPlaceholders'>;
}

export interface StagedReject {
  line: number;
  reason: string;
  /** Raw text when DuckDB holds it (JSON arrays); other formats re-read it from the file. */
  raw?: string;
}

export interface StageResult {
  /** Milliseconds per step, for `npm run bench` and for users asking why an import was slow. */
  timings: Record<string, number>;
  plan: ImportPlan;
  stagedRows: number;
  rowsWritten: number;
  rejects: StagedReject[];
  /** What the import changed about fields, and why. */
  notes: ImportNote[];
  /** Each source field's lake column and type. */
  columns: { source: string; column: string; type: string }[];
  /** Some CSV column was read with a decimal comma. */
  decimalComma: boolean;
}

/**
 * Stages one source: parse into DuckDB, map fields, and write the lake rows as hive-partitioned
 * Parquet into `stagingDir`. Type drift is checked before writing (widening only changes a cast), and
 * reject reasons are worked out only when the written count says rows were held back, so a clean file
 * pays for one parse, one check and one write.
 */
export async function stageImport(request: StageRequest): Promise<StageResult> {
  const { connection, source } = request;
  const timings: Record<string, number> = {};
  let mark = performance.now();
  const step = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - mark);
    mark = now;
  };
  const stagedRows = request.staged ?? (await loadStaged(request));
  step('parse');
  if ((source.format === 'ndjson' || source.format === 'csv') && stagedRows !== source.rows) {
    throw new Error(
      `${request.sourceFile}: ${source.rows} records were framed but DuckDB read ${stagedRows}; refusing to import with wrong line numbers`,
    );
  }
  const kind = source.format === 'csv' ? 'text' : source.format === 'parquet' ? 'typed' : 'map';
  let fields =
    kind === 'map'
      ? await mapFields(request)
      : kind === 'text'
        ? await inferTextTypes(
            connection,
            (source as { columns: string[] }).columns.map((key) => ({ key, sql: ident(key) })),
            request.signal,
            {
              decimalComma: true,
              zones: request.plan.zones,
              ...(source.format === 'csv' && source.timeFormats ? { strptime: source.timeFormats } : {}),
            },
          )
        : await typedFields(request);
  step('schema');
  const hasPlaceholders = source.format === 'ndjson' && source.sanitized;
  let planInput: PlanInput = { ...request.plan, kind, fields, hasPlaceholders };
  let plan = buildPlan(planInput);
  const notes: ImportNote[] = [];
  const keyCounts = kind === 'map' ? duplicateKeyFirstLook(fields) : [];
  const checksSql = selectTypeChecks(plan, STAGED_TABLE, [
    ...timeFirstLook(plan, request.plan.zones, fields, kind),
    ...keyCounts,
  ]);
  if (checksSql) {
    const row = (await connection.one<Record<string, unknown>>(checksSql, undefined, { signal: request.signal })) ?? {};
    if (keyCounts.length > 0) notes.push(...(await duplicateKeyNotes(connection, plan, fields, row, request.signal)));
    const time = await chooseEventTime(connection, plan, row, {
      zones: request.plan.zones,
      ...(request.timeFormat ? { explicit: parseTimeFormatOption(request.timeFormat) } : {}),
      ...(source.format === 'csv' && source.timeFormats ? { strptime: source.timeFormats } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    });
    notes.push(...time.notes);
    fields = await settleTypes(connection, plan, fields, row, request.plan.zones, request.signal);
    planInput = {
      ...planInput,
      fields,
      ...(time.format ? { timeFormat: time.format } : {}),
      ...(time.from ? { timeFrom: time.from } : {}),
    };
    plan = buildPlan(planInput);
  }
  notes.push(...typeNotes(plan, fields));
  const decimalComma = fields.some((f) => f.decimalComma);
  const columns = fields
    .filter((f) => plan.columnOf.has(f.key))
    .map((f) => {
      const column = plan.columnOf.get(f.key) as string;
      const canonical =
        column === 'occurred_at' ? 'TIMESTAMPTZ' : column === 'event_id' || column === 'event_type' ? 'VARCHAR' : undefined;
      return { source: f.key, column, type: canonical ?? f.type };
    });

  step('type check');
  await rm(request.stagingDir, { recursive: true, force: true });
  await mkdir(request.stagingDir, { recursive: true });
  const placeholders = hasPlaceholders
    ? Number(
        (
          await connection.one<{ n: number }>(
            `SELECT count(*)::DOUBLE AS n FROM ${STAGED_TABLE} WHERE json[${literal(SKIP_KEY)}] IS NOT NULL`,
          )
        )?.n ?? 0,
      )
    : 0;
  const landable = stagedRows - placeholders;
  let rowsWritten = 0;
  if (landable > 0) {
    const copied = await connection.one<Record<string, string>>(
      `COPY (${selectLakeRows(plan, planInput, STAGED_TABLE)}) TO ${literal(request.stagingDir)}
        (FORMAT parquet, PARTITION_BY (event_date), FILENAME_PATTERN ${literal(`import-${request.plan.importId}-{i}`)})`,
      undefined,
      { signal: request.signal, onProgress: (p) => request.onProgress?.({ ...p, phase: 'writing partitions' }) },
    );
    rowsWritten = Number(Object.values(copied ?? {})[0] ?? 0);
  }
  step('write');
  if (rowsWritten === landable) return { timings, plan, stagedRows, rowsWritten, rejects: [], notes, columns, decimalComma };

  const rawSql =
    source.format === 'json'
      ? 'CAST(_raw AS VARCHAR)'
      : kind === 'typed'
        ? `CAST(to_json(${STAGED_TABLE}) AS VARCHAR)`
        : undefined;
  const rows = await connection.all<{ line: number; reason: string; raw?: string }>(selectRejects(plan, STAGED_TABLE, rawSql));
  const rejects = rows.map((r) => ({ line: Number(r.line), reason: r.reason, ...(r.raw !== undefined ? { raw: r.raw } : {}) }));
  if (rowsWritten + rejects.length !== landable) {
    throw new Error(
      `${request.sourceFile}: ${landable} rows, ${rowsWritten} written and ${rejects.length} rejected do not add up`,
    );
  }
  step('rejects');
  return { timings, plan, stagedRows, rowsWritten, rejects, notes, columns, decimalComma };
}

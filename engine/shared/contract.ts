import { z } from 'zod';
import {
  type ApiError,
  type ApiProgress,
  ColumnSchema,
  Date10,
  ErrorSchema,
  ExportSource,
  ImportFileSchema,
  IsoTime,
  Json,
  LiveSourceSchema,
  LiveStateSchema,
  NotebookInfoSchema,
  NotebookName,
  PipelineStatusSchema,
  ProblemSchema,
  ReconciliationSchema,
  Row,
  RunResultSchema,
  type SavedResult,
  SavedResultSchema,
  ScorecardSchema,
} from './contract-shapes.js';
import { NotebookSchema } from './notebook-format.js';
import { ProgressSchema } from './progress.js';
import { ArrangeParamsSchema, ArrangeResultSchema, ProfileSchema } from './result-view.js';

/**
 * The one contract between the app and the engine: every request a renderer can make, its parameters
 * and its result, and the events the engine pushes. Both transports carry exactly this (Electron IPC
 * through the preload, and browser mode over HTTP and WebSocket), and both ends validate what crosses
 * with these schemas. Nothing here imports Electron or Node: the renderer imports it as is.
 */

export { ErrorSchema, LiveSourceSchema, SavedResultSchema, ScorecardSchema };
export type { ApiProgress, ApiError, SavedResult };

export const METHODS = {
  'app.info': {
    params: z.object({}),
    result: z.object({
      version: z.string(),
      transport: z.enum(['electron', 'browser']),
      workspace: z.object({ dir: z.string(), name: z.string(), timezone: z.string() }),
      recent: z.array(z.string()),
    }),
  },
  'workspace.open': {
    params: z.object({ dir: z.string().min(1), create: z.boolean().optional(), timezone: z.string().optional() }),
    result: z.object({ dir: z.string() }),
  },
  'workspace.summary': {
    params: z.object({}),
    result: z.object({
      partitions: z.array(z.object({ event_date: z.string(), rows: z.number(), events: z.number() })),
      imports: z.array(
        z.object({
          importId: z.number(),
          path: z.string(),
          rows: z.number(),
          rejected: z.number(),
          duplicates: z.number(),
          importedAt: IsoTime,
        }),
      ),
      tables: z.array(z.object({ name: z.string(), rows: z.number() })),
      events: z.number(),
      rejected: z.number(),
    }),
  },
  'schema.tables': {
    params: z.object({}),
    result: z.array(
      z.object({
        name: z.string(),
        kind: z.enum(['table', 'view']),
        columns: z.array(z.object({ name: z.string(), type: z.string() })),
      }),
    ),
  },
  /** The functions DuckDB offers (its `duckdb_functions()`), for completion: built-ins, extensions' and the user's macros. */
  'schema.functions': {
    params: z.object({}),
    result: z.array(
      z.object({
        name: z.string(),
        /** A table macro is a `table`: both are called where a table goes. */
        kind: z.enum(['scalar', 'aggregate', 'table', 'macro']),
        /** The first overloads as `name(param TYPE, …) → TYPE`. */
        signatures: z.array(z.string()),
        /** How many distinct overloads there are in all. */
        overloads: z.number(),
        description: z.string().optional(),
        example: z.string().optional(),
      }),
    ),
  },
  'lake.import': {
    // format, map and timeFormat: what `recount import` can say of its files (--format, --map, --time-format).
    params: z.object({
      paths: z.array(z.string().min(1)).min(1),
      strict: z.boolean().optional(),
      format: z.enum(['auto', 'ndjson', 'json', 'csv', 'parquet']).optional(),
      map: z.partialRecord(z.enum(['event_id', 'event_type', 'occurred_at']), z.string().min(1)).optional(),
      timeFormat: z.string().min(1).optional(),
      // What the user calls a file the engine reads a copy of (browser mode's uploads): what the lake's _source_file,
      // the catalog and messages name it, by path.
      names: z.record(z.string(), z.string().min(1).max(1000)).optional(),
    }),
    result: z.object({ files: z.array(ImportFileSchema), rows: z.number(), rejected: z.number() }),
  },
  'lake.rejects': {
    params: z.object({ importId: z.number().optional(), limit: z.number().int().min(1).max(1000).default(100) }),
    result: z.array(
      z.object({ importId: z.number(), file: z.string(), line: z.number(), reason: z.string(), raw: z.string().nullable() }),
    ),
  },
  /** Every import, oldest first (`recount imports`). */
  'lake.imports': {
    params: z.object({}),
    result: z.array(
      z.object({
        importId: z.number(),
        path: z.string(),
        format: z.string(),
        rows: z.number(),
        rejected: z.number(),
        duplicates: z.number(),
        importedAt: IsoTime,
        firstDate: Date10.nullable(),
        lastDate: Date10.nullable(),
        partitions: z.number(),
      }),
    ),
  },
  /** Undoes an import: its files leave the lake in one commit, and the dates it held are stale (engine/lake/remove.ts). */
  'lake.removeImport': {
    params: z.object({ importId: z.number().int().min(1) }),
    result: z.object({
      importId: z.number(),
      sourcePath: z.string(),
      importedAt: IsoTime,
      rows: z.number(),
      /** Events the lake no longer holds; `kept`: events it held first that another import also has, kept from that one. */
      events: z.number(),
      kept: z.number(),
      rejected: z.number(),
      files: z.number(),
      partitions: z.array(Date10),
    }),
  },
  'query.run': {
    // notebook and cellId: the cell this runs for; the engine then keeps the result's first rows for the notebook's next open.
    params: z.object({ sql: z.string().min(1), cellId: z.string().optional(), notebook: NotebookName.optional() }),
    result: z.object({
      queryId: z.string(),
      columns: z.array(ColumnSchema),
      rowCount: z.number(),
      elapsedMs: z.number(),
      statement: z.string(),
      /** When it started: a table that changes after this makes the result stale. */
      ranAt: IsoTime,
      /** The tables and views the statement read, as DuckDB bound it. */
      tables: z.array(z.string()),
      /** A cell of several statements: each one's result, held and paged as any (the fields above are the last's). */
      statements: z
        .array(
          z.object({
            queryId: z.string(),
            columns: z.array(ColumnSchema),
            rowCount: z.number(),
            statement: z.enum(['select', 'statement']),
            sql: z.string(),
          }),
        )
        .optional(),
    }),
  },
  'query.page': {
    // view: a sorted or filtered view of the result (query.arrange), paged instead of the result as it ran.
    params: z.object({
      queryId: z.string(),
      offset: z.number().int().min(0),
      limit: z.number().int().min(1).max(5000),
      view: z.string().optional(),
    }),
    result: z.object({ offset: z.number(), rows: z.array(z.array(Json)) }),
  },
  /** Sorts and filters a held result in DuckDB; the grid then pages the view it answers with. */
  'query.arrange': { params: ArrangeParamsSchema, result: ArrangeResultSchema },
  /** One column's profile (of the view when one is given): nulls, distinct values, top values, a histogram or timeline. */
  'query.profile': {
    params: z.object({ queryId: z.string(), view: z.string().optional(), column: z.string().min(1) }),
    result: ProfileSchema,
  },
  /** Per column, the value of the result that reads longest (over a sample of rows across it), for fitting widths. */
  'query.widest': { params: z.object({ queryId: z.string() }), result: z.object({ values: z.array(Json) }) },
  'query.close': { params: z.object({ queryId: z.string() }), result: z.object({}) },
  'export.file': {
    params: z.object({ source: ExportSource, path: z.string().min(1), format: z.enum(['csv', 'parquet']).default('csv') }),
    result: z.object({ out: z.string(), format: z.enum(['csv', 'parquet']), rows: z.number(), bytes: z.number() }),
  },
  /** Browser mode: writes the export where the server can serve it once, as a download the browser saves. */
  'export.prepare': {
    params: z.object({
      source: ExportSource,
      format: z.enum(['csv', 'parquet']).default('csv'),
      name: z.string().regex(/^[\w .-]{1,100}$/),
    }),
    result: z.object({ downloadId: z.string(), filename: z.string(), rows: z.number(), bytes: z.number() }),
  },
  'pipelines.status': {
    params: z.object({}),
    result: z.object({
      pipelines: z.array(PipelineStatusSchema),
      problems: z.array(ProblemSchema),
      /** Files in the lake Recount did not write, as found when the engine opened the workspace. */
      foreignFiles: z.array(z.string()).optional(),
    }),
  },
  'pipelines.run': {
    params: z.object({
      pipelines: z.array(z.string()).optional(),
      from: Date10.optional(),
      to: Date10.optional(),
      full: z.boolean().optional(),
      retry: z.number().int().optional(),
      /** How the run reads in the run history, when a command line asked for it (`recount run …`). */
      command: z.string().min(1).max(2000).optional(),
    }),
    result: RunResultSchema,
  },
  'pipelines.runs': {
    params: z.object({ limit: z.number().int().min(1).max(500).default(20) }),
    result: z.array(
      z.object({
        runId: z.number(),
        startedAt: IsoTime,
        finishedAt: IsoTime.nullable(),
        runBy: z.string(),
        command: z.string(),
        /** Still running, interrupted (its process died), or how it ended; whether it was cancelled is `cancelled`. */
        status: z.enum(['running', 'interrupted', 'succeeded', 'partial', 'failed']),
        cancelled: z.boolean(),
        pipelines: z.array(z.string()),
        partitions: z.number(),
        succeeded: z.number(),
        failed: z.number(),
        rows: z.number(),
        durationMs: z.number().nullable(),
        error: z.string().nullable(),
        definitionHashes: z.record(z.string(), z.string()),
        failures: z.array(z.object({ pipeline: z.string(), partition: z.string(), error: z.string() })),
      }),
    ),
  },
  'live.state': { params: z.object({}), result: LiveStateSchema },
  'live.rows': {
    params: z.object({ pipeline: z.string(), mode: z.enum(['naive', 'exact']) }),
    result: z.object({ columns: z.array(z.string()), rows: z.array(Row) }),
  },
  'live.follow': { params: LiveSourceSchema, result: LiveStateSchema },
  'live.simulate': {
    params: z.object({ running: z.boolean(), rate: z.number().min(1).max(100_000).optional() }),
    result: LiveStateSchema,
  },
  'served.view': {
    params: z.object({ pipeline: z.string() }),
    result: z.object({
      pipeline: z.string(),
      watermark: z.string().nullable(),
      partitions: z.array(z.object({ partition: z.string(), source: z.enum(['batch', 'live', 'merged']), rows: z.array(Row) })),
    }),
  },
  'reconcile.compare': {
    // throughLine: compare as of a recount (the log as far as that recount imported it), while a writer goes on.
    // notebook and cellId: the compare cell this runs for, whose result the engine keeps for the notebook's next open.
    params: z.object({
      pipeline: z.string(),
      ids: z.boolean().optional(),
      throughLine: z.number().int().min(0).optional(),
      notebook: NotebookName.optional(),
      cellId: z.string().optional(),
    }),
    result: ReconciliationSchema,
  },
  'reconcile.recount': {
    params: z.object({}),
    result: z.object({
      import: ImportFileSchema,
      run: RunResultSchema,
      throughLine: z.number(),
      released: z.object({ groups: z.number(), events: z.number() }).optional(),
    }),
  },
  'scorecard.get': {
    // at: "now" for the periods (ISO 8601); the engine's clock when absent.
    params: z.object({ at: z.string().datetime({ offset: true }).optional() }),
    result: ScorecardSchema,
  },
  'notebooks.list': { params: z.object({}), result: z.array(NotebookInfoSchema) },
  /** Each cell's last result as the engine kept it, and when the tables they read last changed. */
  'notebooks.results': {
    params: z.object({ name: NotebookName }),
    result: z.object({ results: z.array(SavedResultSchema), changes: z.record(z.string(), IsoTime) }),
  },
  'notebooks.read': {
    params: z.object({ name: NotebookName }),
    result: z.object({ name: z.string(), notebook: NotebookSchema, text: z.string() }),
  },
  'notebooks.save': { params: z.object({ name: NotebookName, notebook: NotebookSchema }), result: NotebookInfoSchema },
  'notebooks.create': { params: z.object({ name: NotebookName }), result: NotebookInfoSchema },
  'notebooks.rename': { params: z.object({ from: NotebookName, to: NotebookName }), result: NotebookInfoSchema },
  'notebooks.delete': { params: z.object({ name: NotebookName }), result: z.object({}) },
} as const;

export type Method = keyof typeof METHODS;
export type Params<M extends Method> = z.input<(typeof METHODS)[M]['params']>;
export type Result<M extends Method> = z.infer<(typeof METHODS)[M]['result']>;
export const METHOD_NAMES = Object.keys(METHODS) as Method[];

/** Requests that report progress and can be cancelled while they run. */
export const LONG_RUNNING: readonly Method[] = [
  'lake.import',
  'lake.removeImport',
  'query.run',
  'query.arrange',
  'query.profile',
  'export.file',
  'export.prepare',
  'pipelines.run',
  'reconcile.compare',
  'reconcile.recount',
];

/** What the engine pushes without being asked. */
export const EventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('progress'), requestId: z.string(), progress: ProgressSchema }),
  z.object({ type: z.literal('live.update'), pipeline: z.string(), mode: z.enum(['naive', 'exact']), rows: z.array(Row) }),
  z.object({ type: z.literal('live.state'), state: LiveStateSchema }),
  z.object({ type: z.literal('workspace.changed'), what: z.enum(['lake', 'pipelines', 'notebooks', 'workspace']) }),
  /** Tables whose data changed (an import committed, partitions written, a recount), and when: cells that read them are stale. */
  z.object({ type: z.literal('tables.changed'), tables: z.array(z.string()), at: IsoTime }),
]);
export type EngineEvent = z.infer<typeof EventSchema>;

/** The wire format both transports use around the contract. */
export const RequestMessageSchema = z.object({
  id: z.string().min(1).max(100),
  method: z.enum(METHOD_NAMES as [Method, ...Method[]]),
  params: z.unknown(),
});
export type RequestMessage = z.infer<typeof RequestMessageSchema>;
export const ResponseMessageSchema = z.union([
  z.object({ id: z.string(), ok: z.literal(true), result: z.unknown() }),
  z.object({ id: z.string(), ok: z.literal(false), error: ErrorSchema }),
]);
export type ResponseMessage = z.infer<typeof ResponseMessageSchema>;
export const CancelMessageSchema = z.object({ cancel: z.string().min(1).max(100) });

export function parseParams<M extends Method>(method: M, params: unknown): z.infer<(typeof METHODS)[M]['params']> {
  return METHODS[method].params.parse(params ?? {}) as z.infer<(typeof METHODS)[M]['params']>;
}

export function parseResult<M extends Method>(method: M, result: unknown): Result<M> {
  return METHODS[method].result.parse(result) as Result<M>;
}

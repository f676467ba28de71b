import { z } from 'zod';
import type { Scorecard, ScorecardValue } from './scorecard.js';
import { SavedCompareSchema, SavedSqlSchema } from './saved-results.js';
import { GRAINS } from './calendar.js';
import type { Progress } from './progress.js';

/** The shapes the contract's requests, results and events are made of (contract.ts puts them together). */

export const Json: z.ZodType<unknown> = z.unknown();
export const Row = z.record(z.string(), Json);
export const Date10 = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
/** An instant, as the engine sends every one: ISO 8601 in UTC (`2026-11-25T03:01:53.123Z`), read alike by every Date.parse. */
export const IsoTime = z.iso.datetime();

/** Progress as the contract carries it (engine/shared/progress.ts). */
export type ApiProgress = Progress;

export const ErrorSchema = z.object({
  message: z.string(),
  code: z.string(),
  /** Where the error is, when it is in a file (an import, a pipeline, a notebook). */
  file: z.string().optional(),
  line: z.number().optional(),
});
export type ApiError = z.infer<typeof ErrorSchema>;

export const ColumnSchema = z.object({ name: z.string(), type: z.string(), numeric: z.boolean() });

export const ImportFileSchema = z.object({
  path: z.string(),
  status: z.enum(['imported', 'skipped', 'failed']),
  rows: z.number(),
  rejected: z.number(),
  duplicates: z.number(),
  partitions: z.array(z.string()),
  error: z.string().optional(),
  message: z.string().optional(),
  importId: z.number().optional(),
  format: z.string().optional(),
  /** Which source field feeds each canonical field. */
  fields: z.object({ event_id: z.string(), event_type: z.string(), occurred_at: z.string() }).optional(),
  /** A CSV file's dialect, as sniffed. */
  dialect: z.string().optional(),
  /** Each source field's lake column and type. */
  columns: z.array(z.object({ source: z.string(), column: z.string(), type: z.string() })).optional(),
  /** What the import changed about fields and why: exact types, text kept, renames, conflicts, conversions. */
  notes: z.array(z.object({ column: z.string(), kind: z.string(), detail: z.string() })).optional(),
  /** The bytes and lines of the file this import covered (a grown file imports only its new part). */
  range: z.object({ bytesFrom: z.number(), bytesTo: z.number(), linesFrom: z.number(), linesTo: z.number() }).optional(),
  /** An incomplete last line left for the next import (a log still being written). */
  heldTailBytes: z.number().optional(),
  durationMs: z.number(),
});

export const PartitionStatusSchema = z.object({
  partition: z.string(),
  fresh: z.boolean(),
  reason: z.enum(['never-run', 'new-data', 'definition-changed']).optional(),
  lastRun: z.object({ runId: z.number(), ranAt: IsoTime }).optional(),
  rows: z.number().optional(),
  checksum: z.string().optional(),
  lastError: z.object({ runId: z.number(), error: z.string() }).optional(),
  inputVersion: z.string(),
});

export const PipelineStatusSchema = z.object({
  name: z.string(),
  file: z.string(),
  grain: z.enum(GRAINS),
  realtime: z.boolean(),
  description: z.string(),
  definitionHash: z.string(),
  partitionColumn: z.string(),
  watermark: z.string().nullable(),
  partitions: z.array(PartitionStatusSchema),
});

export const ProblemSchema = z.object({ name: z.string(), file: z.string(), error: z.string() });

export const RunPartitionSchema = z.object({
  pipeline: z.string(),
  partition: z.string(),
  status: z.enum(['succeeded', 'failed']),
  reason: z.enum(['never-run', 'new-data', 'definition-changed', 'requested']),
  rows: z.number().nullable(),
  checksum: z.string().nullable(),
  error: z.string().nullable(),
  durationMs: z.number(),
});

export const RunResultSchema = z.object({
  runId: z.number().nullable(),
  status: z.enum(['succeeded', 'partial', 'failed', 'nothing-to-do']),
  partitions: z.array(RunPartitionSchema),
  problems: z.array(ProblemSchema),
  durationMs: z.number(),
  /** The run was cancelled: partitions that had not finished are listed as failed, with why. The engine always says. */
  cancelled: z.boolean().optional(),
});

export const LiveCountersSchema = z.object({ lines: z.number(), events: z.number(), newEvents: z.number(), rejects: z.number() });

export const LiveStateSchema = z.object({
  /**
   * Orders states: in browser mode a request's answer (HTTP) and the engine's events (WebSocket) travel apart, so
   * the answer to `live.simulate` can arrive after a newer `live.state` event. The app keeps the highest.
   */
  seq: z.number().int().nonnegative(),
  log: z.string().nullable(),
  following: z.boolean(),
  counters: LiveCountersSchema,
  pipelines: z.array(z.string()),
  problems: z.array(z.object({ pipeline: z.string(), error: z.string() })),
  tail: z
    .object({ state: z.string(), generation: z.number(), offset: z.number(), line: z.number(), lastError: z.string().optional() })
    .nullable(),
  /** The simulator writing demo traffic into the log, when one runs. */
  simulating: z.boolean(),
  /** What following the log found while Recount was stopped (rotations, a copytruncate, a damaged checkpoint). */
  warnings: z.array(z.string()).optional(),
  /** Following a RabbitMQ stream instead of the log (`live.follow`): where it stands. `log` is then its address. */
  stream: z
    .object({
      state: z.enum(['connecting', 'following', 'reconnecting', 'failed', 'closed']),
      /** The stream's address, without its password. */
      source: z.string(),
      stream: z.string(),
      /** The last offset applied; null before any. */
      offset: z.number().nullable(),
      /** Failed attempts to connect since the last success. */
      attempt: z.number(),
      retryInMs: z.number().optional(),
      lastError: z.string().optional(),
      /** Offsets the stream's retention removed before they were read (a gap), in total. */
      lostOffsets: z.number(),
    })
    .optional(),
});

/** What the live view follows: the workspace's event log, or a RabbitMQ stream. */
export const LiveSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('file') }),
  z.object({
    kind: z.literal('amqp'),
    url: z
      .string()
      .regex(/^amqps?:\/\/\S+$/i, 'expected amqp://USER:PASS@HOST:PORT/VHOST')
      .max(2000),
    stream: z.string().min(1).max(255),
  }),
]);

export const ReasonValues = z.record(z.string(), z.union([z.number(), z.string(), z.null()]));

export const ReconciliationSchema = z.object({
  pipeline: z.string(),
  log: z.string(),
  watermark: z.string().nullable(),
  rows: z.array(
    z.object({
      partition: z.string(),
      key: Row.optional(),
      metric: z.string(),
      batch: z.union([z.number(), z.string(), z.null()]),
      realtime_naive: z.union([z.number(), z.string(), z.null()]),
      realtime_exact: z.union([z.number(), z.string(), z.null()]),
      served: z.union([z.number(), z.string(), z.null()]),
      reasons: ReasonValues,
      residual: z.union([z.number(), z.string(), z.null()]),
      additive: z.boolean(),
    }),
  ),
  rejectedLines: z.array(z.object({ line: z.number(), reason: z.string() })),
  events: z.record(z.string(), z.record(z.string(), z.array(z.union([z.string(), z.number()])))).optional(),
});

/** A cell's last result, as the engine kept it (saved-results.ts); a compare cell's is a whole reconciliation. */
export const SavedResultSchema = z.discriminatedUnion('kind', [
  SavedSqlSchema,
  SavedCompareSchema.extend({ result: ReconciliationSchema }),
]);
export type SavedResult = z.infer<typeof SavedResultSchema>;

export const NotebookInfoSchema = z.object({ name: z.string(), title: z.string(), modified: z.string() });
export const NotebookName = z
  .string()
  .regex(/^[\w][\w .-]{0,100}$/, 'a notebook name is letters, digits, spaces, dots, dashes or underscores');

export const ExportSource = z.union([
  z.object({ queryId: z.string() }),
  z.object({ table: z.string() }),
  z.object({ sql: z.string() }),
]);

/** Every request: its parameters and its result. */
export const ScorecardValueSchema: z.ZodType<ScorecardValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(ScorecardValueSchema),
    z.record(z.string(), ScorecardValueSchema),
  ]),
);
export const PeriodValueSchema = z.object({
  value: ScorecardValueSchema,
  previous_to_date: ScorecardValueSchema,
  previous: ScorecardValueSchema,
  change: ScorecardValueSchema,
  change_pct: z.number().nullable(),
});
export const PeriodBoundsSchema = z.object({
  from: z.string(),
  to: z.string(),
  previous_from: z.string(),
  previous_to_date: z.string(),
  previous_to: z.string(),
});
export const FormatSchema = z.enum(['number', 'money', 'percent']);
export const ScorecardSchema: z.ZodType<Scorecard> = z.object({
  at: z.string(),
  timezone: z.string(),
  periods: z.object({ today: PeriodBoundsSchema, week: PeriodBoundsSchema, month: PeriodBoundsSchema }),
  metrics: z.array(
    z.object({
      name: z.string(),
      label: z.string(),
      format: FormatSchema,
      better: z.enum(['higher', 'lower']),
      today: PeriodValueSchema,
      week: PeriodValueSchema,
      month: PeriodValueSchema,
    }),
  ),
  leaderboards: z.array(
    z.object({
      name: z.string(),
      label: z.string(),
      format: FormatSchema,
      period: z.enum(['today', 'week', 'month']),
      rows: z.array(
        z.object({
          key: ScorecardValueSchema,
          value: ScorecardValueSchema,
          rank: z.number(),
          previous_rank: z.number().nullable(),
        }),
      ),
    }),
  ),
});

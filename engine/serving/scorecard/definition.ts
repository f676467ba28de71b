import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../../kernel/util/errors.js';
import { exists } from '../../kernel/util/fsx.js';

/** The workspace file that names the scorecard's metrics and leaderboards. */
export const SCORECARD_FILE = 'scorecard.json';

const name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a name of letters, digits and _');

const Metric = z.object({
  name,
  label: z.string().optional(),
  /** One aggregate over `events` (DuckDB SQL), e.g. count(DISTINCT user_id) FILTER (WHERE …). */
  sql: z.string().min(1),
  format: z.enum(['number', 'money', 'percent']).default('number'),
  /** Whether a rise is good news (visitors) or bad (a failure rate): only the colour of the change depends on it. */
  better: z.enum(['higher', 'lower']).default('higher'),
});

const Leaderboard = z.object({
  name,
  label: z.string().optional(),
  /** The rows ranked: `events`, or a query over it that keeps `occurred_at` (e.g. one row per item sold). */
  from: z.string().min(1).default('events'),
  /** What is ranked (an expression over `from`'s rows) and by what (an aggregate). */
  dimension: z.string().min(1),
  metric: z.string().min(1),
  format: z.enum(['number', 'money', 'percent']).default('number'),
  period: z.enum(['today', 'week', 'month']).default('week'),
  limit: z.number().int().min(1).max(100).default(5),
});

export const ScorecardDefinition = z.object({
  metrics: z.array(Metric).default([]),
  leaderboards: z.array(Leaderboard).default([]),
});
export type ScorecardDefinition = z.infer<typeof ScorecardDefinition>;
export type MetricDefinition = z.infer<typeof Metric>;
export type LeaderboardDefinition = z.infer<typeof Leaderboard>;

/**
 * What a new workspace's scorecard answers over its shop events: how many visitors and orders, how much revenue,
 * how often payments fail, which products sell most.
 */
export const DEFAULT_SCORECARD: ScorecardDefinition = {
  metrics: [
    {
      name: 'visitors',
      label: 'Visitors',
      sql: "count(DISTINCT user_id) FILTER (WHERE event_type = 'UserVisitedWebsite')",
      format: 'number',
      better: 'higher',
    },
    {
      name: 'orders',
      label: 'Orders',
      sql: "count(DISTINCT order_id) FILTER (WHERE event_type = 'PaymentSucceeded')",
      format: 'number',
      better: 'higher',
    },
    {
      name: 'revenue',
      label: 'Revenue',
      sql: "coalesce(sum(CAST(amount AS DECIMAL(18, 2))) FILTER (WHERE event_type = 'PaymentSucceeded'), 0)",
      format: 'money',
      better: 'higher',
    },
    {
      name: 'payment_failure_rate',
      label: 'Payment failure rate',
      sql: "count(*) FILTER (WHERE event_type = 'PaymentFailed') / nullif(count(*) FILTER (WHERE event_type IN ('PaymentSucceeded', 'PaymentFailed')), 0)",
      format: 'percent',
      better: 'lower',
    },
  ],
  leaderboards: [
    {
      name: 'top_products',
      label: 'Products by revenue',
      from: `SELECT occurred_at, unnest(CAST(CAST(items AS JSON) AS STRUCT(product_id VARCHAR, quantity BIGINT, price DECIMAL(18, 2))[])) AS item
  FROM events WHERE event_type = 'PaymentSucceeded'`,
      dimension: 'item.product_id',
      metric: 'sum(item.quantity * item.price)',
      format: 'money',
      period: 'week',
      limit: 5,
    },
  ],
};

export async function readScorecard(workspaceDir: string): Promise<ScorecardDefinition> {
  const path = join(workspaceDir, SCORECARD_FILE);
  if (!(await exists(path))) return DEFAULT_SCORECARD;
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UserError(`${path}: not valid JSON: ${(error as Error).message}`);
  }
  const parsed = ScorecardDefinition.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`${path}: ${issue?.path.join('.') || 'the file'}: ${issue?.message ?? 'not a scorecard'}`);
  }
  return parsed.data;
}

/** A new workspace's scorecard file, so the user sees and edits what it counts. */
export async function writeDefaultScorecard(workspaceDir: string): Promise<void> {
  const path = join(workspaceDir, SCORECARD_FILE);
  if (await exists(path)) return;
  await writeFile(path, `${JSON.stringify(DEFAULT_SCORECARD, null, 2)}\n`);
}

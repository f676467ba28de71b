import type { Connection } from '../../kernel/workspace/db.js';
import { ident, literal } from '../../kernel/util/sql.js';
import { UserError, errorMessage } from '../../kernel/util/errors.js';
import { readRows } from '../event-sets.js';
import type { ScorecardDefinition } from './definition.js';
import { PERIODS, periodBounds } from './periods.js';
import type {
  Period,
  PeriodBounds,
  PeriodValue,
  Scorecard,
  ScorecardLeaderboard,
  ScorecardMetric,
} from '../../shared/scorecard.js';

export type { Scorecard };

const EMPTY: PeriodValue = { value: null, previous_to_date: null, previous: null, change: null, change_pct: null };

const ts = (iso: string) => `TIMESTAMPTZ ${literal(iso)}`;
/** Rows of a window: `from` included, `to` included for a period so far, excluded for a whole previous period. */
const within = (from: string, to: string, toIncluded: boolean) =>
  `occurred_at >= ${ts(from)} AND occurred_at ${toIncluded ? '<=' : '<'} ${ts(to)}`;

function windows(bounds: PeriodBounds): { kind: 'value' | 'previous_to_date' | 'previous'; where: string }[] {
  return [
    { kind: 'value', where: within(bounds.from, bounds.to, true) },
    { kind: 'previous_to_date', where: within(bounds.previous_from, bounds.previous_to_date, true) },
    { kind: 'previous', where: within(bounds.previous_from, bounds.previous_to, false) },
  ];
}

/**
 * The scorecard over a set of events (`eventsSql`: the lake's events, with the live events the lake lacks): each
 * metric over each period and the two it is compared with, and each leaderboard ranked now and at the same point of
 * the previous period. Each aggregate runs over exactly its window's rows, so a metric means what it would over a
 * `WHERE` of those dates.
 */
export async function computeScorecard(
  connection: Connection,
  definition: ScorecardDefinition,
  eventsSql: string,
  options: { at: Date; timezone: string },
): Promise<Scorecard> {
  const periods = await periodBounds(connection, options.at, options.timezone);
  const earliest = PERIODS.map((p) => periods[p].previous_from).sort()[0] as string;
  // Read once: every window lies between the earliest previous period's start and now.
  const events = `events AS MATERIALIZED (SELECT * FROM (${eventsSql}) WHERE ${within(earliest, options.at.toISOString(), true)})`;

  const metrics: ScorecardMetric[] = definition.metrics.map((m) => ({
    name: m.name,
    label: m.label ?? m.name,
    format: m.format,
    better: m.better,
    today: EMPTY,
    week: EMPTY,
    month: EMPTY,
  }));
  if (definition.metrics.length > 0) {
    const selects = PERIODS.flatMap((p) =>
      windows(periods[p]).map(
        (w) =>
          `SELECT ${literal(p)} AS period, ${literal(w.kind)} AS kind, ${definition.metrics
            .map((m) => `(${m.sql}) AS ${ident(m.name)}`)
            .join(', ')} FROM events WHERE ${w.where}`,
      ),
    );
    const changes = definition.metrics.flatMap((m) => {
      const [c, p] = [`c.${ident(m.name)}`, `p.${ident(m.name)}`];
      return [
        `${c} AS ${ident(`${m.name}__value`)}`,
        `${p} AS ${ident(`${m.name}__previous_to_date`)}`,
        `q.${ident(m.name)} AS ${ident(`${m.name}__previous`)}`,
        `${c} - ${p} AS ${ident(`${m.name}__change`)}`,
        `CAST(${c} - ${p} AS DOUBLE) / nullif(CAST(${p} AS DOUBLE), 0) * 100 AS ${ident(`${m.name}__change_pct`)}`,
      ];
    });
    const sql = `WITH ${events}, v AS (${selects.join(' UNION ALL ')})
      SELECT c.period, ${changes.join(', ')}
      FROM v c JOIN v p ON p.period = c.period AND p.kind = 'previous_to_date'
        JOIN v q ON q.period = c.period AND q.kind = 'previous'
      WHERE c.kind = 'value'`;
    const rows = await run(connection, sql, 'the scorecard metrics');
    for (const row of rows) {
      const period = row.period as Period;
      for (const metric of metrics) {
        const get = (part: string) => row[`${metric.name}__${part}`] ?? null;
        const pct = get('change_pct');
        metric[period] = {
          value: get('value'),
          previous_to_date: get('previous_to_date'),
          previous: get('previous'),
          change: get('change'),
          change_pct: typeof pct === 'number' && Number.isFinite(pct) ? pct : null,
        };
      }
    }
  }

  const leaderboards: ScorecardLeaderboard[] = [];
  for (const board of definition.leaderboards) {
    const bounds = periods[board.period];
    const ranked = (where: string) =>
      `SELECT k AS key, v AS value, rank() OVER (ORDER BY v DESC NULLS LAST) AS rank
       FROM (SELECT (${board.dimension}) AS k, (${board.metric}) AS v FROM (${board.from}) r WHERE ${where} GROUP BY 1) WHERE k IS NOT NULL`;
    const sql = `WITH ${events},
      now_ranked AS (${ranked(within(bounds.from, bounds.to, true))}),
      then_ranked AS (${ranked(within(bounds.previous_from, bounds.previous_to_date, true))})
      SELECT n.key, n.value, CAST(n.rank AS INTEGER) AS rank, CAST(t.rank AS INTEGER) AS previous_rank
      FROM now_ranked n LEFT JOIN then_ranked t ON t.key IS NOT DISTINCT FROM n.key
      ORDER BY n.rank, n.key LIMIT ${board.limit}`;
    const rows = await run(connection, sql, `the leaderboard ${board.name}`);
    leaderboards.push({
      name: board.name,
      label: board.label ?? board.name,
      format: board.format,
      period: board.period,
      rows: rows.map((r) => ({
        key: r.key ?? null,
        value: r.value ?? null,
        rank: Number(r.rank),
        previous_rank: r.previous_rank === null || r.previous_rank === undefined ? null : Number(r.previous_rank),
      })),
    });
  }
  return { at: options.at.toISOString(), timezone: options.timezone, periods, metrics, leaderboards };
}

async function run(connection: Connection, sql: string, what: string) {
  try {
    return await readRows(connection, sql);
  } catch (error) {
    throw new UserError(`scorecard.json: ${what} failed: ${errorMessage(error)}`);
  }
}

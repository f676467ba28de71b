import { formatSigned, type MetricValue } from '../chart/numbers';
import { reasonInfo } from './reconcile';

/** The most ids a drill-down's query names: past this the cell says how many it left out. */
export const DRILL_SQL_IDS = 1000;

/** Reasons whose events are in the lake (`events`); the others are the live log's lines. */
const LAKE_REASONS = new Set(['not_yet_in_batch', 'not_seen_live']);

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * The SQL of a reason's rows, for a new SQL cell: the lake's events by id for reasons about the lake, else the live
 * log's own lines (every arrival, so a duplicate shows each time it came), read from the log file. A log that is not
 * a file (a stream) has no lines to read here: the query then lists the ids alone.
 */
export function drillSql(
  drill: { reason: string; partition: string; metric: string; key: string; value: MetricValue },
  ids: readonly (string | number)[],
  log: string | null,
): string {
  const named = ids.slice(0, DRILL_SQL_IDS).map((id) => quote(String(id)));
  const header = [
    `-- ${reasonInfo(drill.reason).label} · ${drill.partition} · ${drill.metric}${drill.key ? ` (${drill.key})` : ''} ${formatSigned(drill.value)}`,
    ...(ids.length > named.length ? [`-- the first ${named.length} of its ${ids.length} events`] : []),
  ];
  const list = [];
  for (let i = 0; i < named.length; i += 2) list.push(`  ${named.slice(i, i + 2).join(', ')}`);
  const inList = `(\n${list.join(',\n')}\n)`;
  if (LAKE_REASONS.has(drill.reason)) {
    return [...header, `SELECT * FROM events`, `WHERE event_id IN ${inList}`, `ORDER BY occurred_at, event_id`].join('\n');
  }
  if (log && !/^[a-z][\w+.-]*:\/\//i.test(log)) {
    return [
      ...header,
      `SELECT * FROM read_json(${quote(log)}, format = 'newline_delimited', ignore_errors = true)`,
      `WHERE event_id IN ${inList}`,
      drill.reason === 'duplicate_arrivals' ? `ORDER BY event_id` : `ORDER BY occurred_at, event_id`,
    ].join('\n');
  }
  return [...header, `SELECT unnest([${named.join(', ')}]) AS event_id`].join('\n');
}

import type { Result } from '../api';
import { isZero, sameValue, sum, toNumber, type MetricValue } from '../chart/numbers';
import { DAY_MS, nextPartition, type Grain } from '../../../engine/shared/calendar';

/**
 * Reconciliation as the compare cell shows it: per partition and metric, batch, realtime (naive and
 * exact) and served values, and `realtime_naive − batch` broken into reasons.
 */
export type Reconciliation = Result<'reconcile.compare'>;
export type ReconciliationRow = Reconciliation['rows'][number];
export type RecountResult = Result<'reconcile.recount'>;

export interface ReasonInfo {
  key: string;
  label: string;
  help: string;
}

/** The reasons in the order a reader follows them: what the log adds, then what it lacks. */
export const REASONS: ReasonInfo[] = [
  {
    key: 'duplicate_arrivals',
    label: 'Duplicates',
    help: 'Duplicate arrivals: lines the log carried more than once. Naive counts each; exact, batch and served count the event once.',
  },
  {
    key: 'not_in_lake',
    label: 'Not in lake',
    help: 'Log events after the batch watermark that the lake does not have yet. A recount imports them.',
  },
  {
    key: 'late',
    label: 'Late',
    help: 'Log events for partitions up to the batch watermark that the lake does not have: they arrived after the batch ran. A recount imports and reruns them.',
  },
  {
    key: 'not_yet_in_batch',
    label: 'Not yet in batch',
    help: 'Events imported into the lake whose partition has not been run since (stale partitions only). A recount runs them.',
  },
  {
    key: 'not_seen_live',
    label: 'Not seen live',
    help: 'Lake events the log never carried (imported from other files, or from before the log began). Negative: realtime lacks them.',
  },
  {
    key: 'rejected',
    label: 'Rejected',
    help: 'Log lines that are not events. They have no partition, so they are listed by line below the table.',
  },
];

/** The reasons a recount resolves: it imports the log and runs the batch. */
export const CATCH_UP_REASONS = ['not_in_lake', 'late', 'not_yet_in_batch'];

export function reasonInfo(key: string): ReasonInfo {
  return REASONS.find((r) => r.key === key) ?? { key, label: key.replace(/_/g, ' '), help: key };
}

/** The reasons the rows carry, known ones in their order, then any others the engine added. */
export function reasonKeys(result: Reconciliation): string[] {
  const present = new Set(result.rows.flatMap((r) => Object.keys(r.reasons)));
  return [
    ...REASONS.map((r) => r.key).filter((k) => present.has(k)),
    ...[...present].filter((k) => !REASONS.some((r) => r.key === k)),
  ];
}

/** Reasons with a value other than zero in some row: the table's columns (the others are named in a note). */
export function activeReasons(result: Reconciliation, rows: ReconciliationRow[] = result.rows): string[] {
  return reasonKeys(result).filter((k) => rows.some((r) => !isZero(r.reasons[k] ?? null)));
}

export function metricsOf(result: Reconciliation): string[] {
  return [...new Set(result.rows.map((r) => r.metric))];
}

/** "product_id P1001", or '' for a pipeline without keys. */
export function keyLabel(key: Record<string, unknown> | undefined): string {
  if (!key) return '';
  return Object.entries(key)
    .map(([k, v]) => `${k} ${v === null || v === undefined ? '∅' : typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}

export function keyLabels(result: Reconciliation): string[] {
  return [...new Set(result.rows.map((r) => keyLabel(r.key)))].filter(Boolean).sort();
}

/** The log never carried events of this partition: realtime has nothing, so the gap is only history. */
export function beforeLog(row: ReconciliationRow): boolean {
  return row.realtime_naive === null && row.realtime_exact === null;
}

/**
 * Whether the row shows a disagreement worth a look: realtime (naive or exact) or served differs from
 * batch, or the reasons leave a residual. A partition the log never carried differs only when served
 * does, since realtime having nothing there is the log starting later, not a disagreement.
 */
export function differs(row: ReconciliationRow): boolean {
  if (!isZero(row.residual)) return true;
  if (!sameValue(row.served, row.batch)) return true;
  if (beforeLog(row)) return false;
  return !sameValue(row.realtime_naive, row.batch) || !sameValue(row.realtime_exact, row.batch);
}

export interface TableRow {
  id: string;
  row: ReconciliationRow;
  key: string;
  differs: boolean;
  /** The first row of its partition (the table draws a rule above it and names the partition once). */
  first: boolean;
}

/** Newest partition first, then key, then metric in the pipeline's order; only differing rows unless `all`. */
export function tableRows(result: Reconciliation, all: boolean): { rows: TableRow[]; total: number; differing: number } {
  const metricOrder = metricsOf(result);
  const sorted = [...result.rows].sort((a, b) => {
    if (a.partition !== b.partition) return a.partition < b.partition ? 1 : -1;
    const ka = keyLabel(a.key);
    const kb = keyLabel(b.key);
    if (ka !== kb) return ka < kb ? -1 : 1;
    return metricOrder.indexOf(a.metric) - metricOrder.indexOf(b.metric);
  });
  const marked = sorted.map((row) => ({ row, key: keyLabel(row.key), differs: differs(row) }));
  const shown = all ? marked : marked.filter((r) => r.differs);
  const rows = shown.map((r, i) => ({
    ...r,
    id: `${r.row.partition}|${r.key}|${r.row.metric}`,
    first: i === 0 || shown[i - 1]!.row.partition !== r.row.partition,
  }));
  return { rows, total: marked.length, differing: marked.filter((r) => r.differs).length };
}

export interface SeriesPoint {
  partition: string;
  batch: number | null;
  naive: number | null;
  exact: number | null;
  served: number | null;
}

/**
 * One metric per partition, ascending, as doubles for the chart. With keys, either one key's rows or
 * the sum over keys (exact, then converted).
 */
export function metricSeries(result: Reconciliation, metric: string, key = ''): SeriesPoint[] {
  const byPartition = new Map<string, ReconciliationRow[]>();
  for (const row of result.rows) {
    if (row.metric !== metric || (key && keyLabel(row.key) !== key)) continue;
    const list = byPartition.get(row.partition) ?? [];
    list.push(row);
    byPartition.set(row.partition, list);
  }
  const total = (rows: ReconciliationRow[], pick: (r: ReconciliationRow) => MetricValue) => toNumber(sum(rows.map(pick)));
  return [...byPartition.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([partition, rows]) => ({
      partition,
      batch: total(rows, (r) => r.batch),
      naive: total(rows, (r) => r.realtime_naive),
      exact: total(rows, (r) => r.realtime_exact),
      served: total(rows, (r) => r.served),
    }));
}

/** Rows where a reason a recount resolves is not zero: what the batch has not caught up with. */
export function pendingDifferences(result: Reconciliation): number {
  return result.rows.filter((r) => CATCH_UP_REASONS.some((k) => !isZero(r.reasons[k] ?? null))).length;
}

/** Each reason's contributions to one metric, summed over partitions and keys. */
export function reasonTotals(result: Reconciliation, metric: string): Record<string, MetricValue> {
  const rows = result.rows.filter((r) => r.metric === metric);
  return Object.fromEntries(reasonKeys(result).map((k) => [k, sum(rows.map((r) => r.reasons[k] ?? null))]));
}

export interface RecountOutcome {
  imported: number;
  duplicates: number;
  importStatus: 'imported' | 'skipped' | 'failed';
  importError: string | undefined;
  partitionsRun: number;
  partitionsFailed: number;
  before: number;
  after: number;
  metric: string;
  /** Per reason a recount resolves, for the chosen metric: the total before and after (0 when none). */
  reasons: { key: string; before: MetricValue; after: MetricValue }[];
}

/** What a recount changed: what it imported and ran, and the differences before and after. */
export function recountOutcome(
  recount: RecountResult,
  before: Reconciliation | undefined,
  after: Reconciliation,
  metric: string,
): RecountOutcome {
  const beforeTotals = before ? reasonTotals(before, metric) : {};
  const afterTotals = reasonTotals(after, metric);
  const keys = [...new Set([...(before ? reasonKeys(before) : []), ...reasonKeys(after)])].filter((k) =>
    CATCH_UP_REASONS.includes(k),
  );
  return {
    imported: recount.import.rows,
    duplicates: recount.import.duplicates,
    importStatus: recount.import.status,
    importError: recount.import.error ?? recount.import.message,
    partitionsRun: recount.run.partitions.filter((p) => p.status === 'succeeded').length,
    partitionsFailed: recount.run.partitions.filter((p) => p.status === 'failed').length,
    before: before ? pendingDifferences(before) : 0,
    after: pendingDifferences(after),
    metric,
    reasons: REASONS.map((r) => r.key)
      .filter((k) => keys.includes(k))
      .concat(keys.filter((k) => !REASONS.some((r) => r.key === k)))
      .map((key) => ({ key, before: beforeTotals[key] ?? 0, after: afterTotals[key] ?? 0 })),
  };
}

/**
 * Where the watermark line goes on a time axis: after the watermark's partition, halfway to the next
 * (a bar or point of a partition sits on its start), so batch partitions are left of it and live ones right.
 */
export function watermarkPosition(watermark: string, grain: Grain, parse: (d: string) => number | null): number | null {
  const start = parse(watermark);
  if (start === null) return null;
  const next = grain === 'month' ? parse(nextPartition(watermark, grain)) : start + (grain === 'week' ? 7 : 1) * DAY_MS;
  return next === null ? null : (start + next) / 2;
}

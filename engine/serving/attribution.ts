import type { Json } from '@duckdb/node-api';
import { addExact, parseExact, type ExactNumber } from '../kernel/util/exact.js';
import type { Row } from './event-sets.js';
import { union } from './event-sets.js';

/**
 * How much of realtime − batch each reason explains, for a metric that does not add up over event sets (a distinct
 * count, a ratio): the pipeline over the batch's events, then over the same with each reason's events taken away or
 * added in turn, until the set is realtime's arrivals. A reason's share is the metric with its events minus the metric
 * without them, given the reasons before it, so a reason that changes nothing (a duplicate arrival of a visitor
 * already counted) explains 0, and the shares add up to the difference exactly. The metric over the reason's events
 * alone, which is right for counts and sums, would say a duplicate adds a visitor.
 */
export const STEPS = ['not_yet_in_batch', 'not_seen_live', 'late', 'not_in_lake', 'duplicate_arrivals'] as const;
export type Step = (typeof STEPS)[number];

export interface StepSets {
  /** Lake events (one row per event). */
  lake: string;
  /** Lake events the batch has not counted yet. */
  notYetInBatch: string;
  /** Lake events that realtime also saw (the log carried them). */
  lakeSeenLive: string;
  late: string;
  notInLake: string;
  duplicateArrivals: string;
}

/** The event set before and after each step, in order: batch's events, then one reason at a time, to realtime's. */
export function stepSets(s: StepSets): { before: string; after: Record<Step, string> } {
  const batch = `SELECT l.* FROM (${s.lake}) l ANTI JOIN (${s.notYetInBatch}) y ON y.event_id = l.event_id`;
  const withLate = union(s.lakeSeenLive, s.late);
  const withNotInLake = union(s.lakeSeenLive, s.late, s.notInLake);
  return {
    before: batch,
    after: {
      not_yet_in_batch: s.lake,
      not_seen_live: s.lakeSeenLive,
      late: withLate,
      not_in_lake: withNotInLake,
      duplicate_arrivals: union(s.lakeSeenLive, s.late, s.notInLake, s.duplicateArrivals),
    },
  };
}

type Lookup = (rows: Map<string, Row>, metric: string) => Json;

/** Over no events (no row for the partition) a metric counts as 0, so a partition new to one side has a share. */
const valueOf = (v: Json): ExactNumber | null => parseExact(v) ?? parseExact(0);

/** Each step's share of the metric: the metric after the step minus before it. */
export function stepShares(
  metric: string,
  value: Lookup,
  before: Map<string, Row>,
  after: Record<Step, Map<string, Row>>,
): Record<Step, ExactNumber | null> {
  const shares = {} as Record<Step, ExactNumber | null>;
  let previous = valueOf(value(before, metric));
  for (const step of STEPS) {
    const next = valueOf(value(after[step], metric));
    shares[step] = addExact(next, previous, -1);
    previous = next;
  }
  return shares;
}

/** A float residual left by rounding alone (the shares telescope, so exact numbers leave none) is 0. */
export function roundingOnly(residual: ExactNumber | null, scale: number): boolean {
  return residual?.kind === 'float' && Math.abs(residual.value) <= 1e-9 * Math.max(1, Math.abs(scale));
}

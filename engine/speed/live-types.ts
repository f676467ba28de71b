import type { Json } from '@duckdb/node-api';

export const LIVE_MODES = ['naive', 'exact'] as const;
/**
 * naive counts every arriving line, as a stream that adds one per line would (duplicates included); exact counts
 * each event identity once.
 */
export type LiveMode = (typeof LIVE_MODES)[number];

export interface LiveBatch {
  /** Complete NDJSON lines, each ending in '\n'. */
  data: Buffer;
  /** The line number of each line in `data`. */
  lineNumbers: Float64Array | number[];
  count: number;
}

export interface LiveReject {
  line: number;
  reason: string;
  raw: string;
}

export type LiveRow = Record<string, Json>;

export interface LiveUpdate {
  pipeline: string;
  mode: LiveMode;
  /** The rows that changed, whole. */
  rows: LiveRow[];
}

export interface LiveIngest {
  lines: number;
  /** Lines that became events (naive mode counts them all). */
  events: number;
  /** Events whose identity had not been seen (exact mode counts these). */
  newEvents: number;
  rejects: LiveReject[];
  updates: LiveUpdate[];
}

export interface LiveProblem {
  pipeline: string;
  error: string;
}

export interface LiveCounters {
  lines: number;
  events: number;
  newEvents: number;
  rejects: number;
}

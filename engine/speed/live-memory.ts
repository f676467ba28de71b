import type { Connection } from '../kernel/workspace/db.js';
import type { ArrivalStore } from './arrivals.js';
import type { IdentitySet } from './identity-set.js';
import type { CompiledPipeline } from './live-lanes.js';

/** Live state sizes: what a million events costs is measured from these (`npm run bench`). */
export interface LiveMemory {
  /** Groups held in the pipelines' states, every mode. */
  groups: number;
  /** Values held in distinct counts' hash tables. */
  distinctValues: number;
  /** Exact events in the arrival store (0 without exact mode, or before the schema is fixed). */
  exactEvents: number;
  /** What DuckDB holds in memory, the arrival store included. */
  duckdbBytes: number;
  identityIndexBytes: number;
  distinctValuesBytes: number;
}

/** Measures the live view's state: its pipelines' states, its identity index and DuckDB's memory. */
export async function measureMemory(view: {
  compiled: readonly CompiledPipeline[];
  /** The arrival store, where it holds exact events to count. */
  exactStore: ArrivalStore | undefined;
  seen: IdentitySet;
  connection: Connection;
}): Promise<LiveMemory> {
  let groups = 0;
  let distinctValues = 0;
  let distinctValuesBytes = 0;
  for (const p of view.compiled) {
    for (const s of p.states.values()) {
      groups += s.size;
      distinctValues += s.distinctValues();
      distinctValuesBytes += s.distinctBytes();
    }
  }
  const exact = view.exactStore ? await view.exactStore.countExact() : 0;
  const mem = await view.connection.one<{ b: number }>(`SELECT sum(memory_usage_bytes)::DOUBLE AS b FROM duckdb_memory()`);
  return {
    groups,
    distinctValues,
    exactEvents: exact,
    duckdbBytes: Number(mem?.b ?? 0),
    identityIndexBytes: view.seen.bytes,
    distinctValuesBytes,
  };
}

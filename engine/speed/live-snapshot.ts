import type { SourceField } from '../kernel/events/plan.js';
import type { ArrivalStore } from './arrivals.js';
import type { IdentitySet } from './identity-set.js';
import type { PipelineState, SerializedState } from './state.js';
import type { CompiledPipeline, Lanes } from './live-lanes.js';
import type { LiveCounters, LiveMode, LiveRow } from './live-types.js';

/**
 * A live view as JSON: its schema, counters and every pipeline's state. The exact events are saved beside it as rows
 * (ArrivalStore.save), since the identity index is rebuilt from them.
 */
export interface LiveSnapshot {
  /** 2: distinct counts hold hashes of their values (1: the values). */
  version: 2;
  fields: SourceField[];
  arrivals: number;
  counters: LiveCounters;
  states: Record<string, Partial<Record<LiveMode, SerializedState>>>;
}

/** A snapshot of a live view's schema (none before it is fixed), counters and pipelines' states. */
export function snapshotOf(view: {
  fields: SourceField[] | undefined;
  arrivals: number;
  counters: LiveCounters;
  compiled: readonly CompiledPipeline[];
}): LiveSnapshot {
  return {
    version: 2,
    fields: view.fields ?? [],
    arrivals: view.arrivals,
    counters: { ...view.counters },
    states: Object.fromEntries(
      view.compiled.map((p) => [p.definition.name, Object.fromEntries([...p.states].map(([m, s]) => [m, s.serialize()]))]),
    ),
  };
}

/** The types a snapshot's schema was fixed with, by field. */
export function snapshotTypes(snapshot: LiveSnapshot): Map<string, string> {
  return new Map(snapshot.fields.map((f) => [f.key, f.type]));
}

/**
 * Restores each pipeline's state, every mode, from a snapshot (a pipeline or mode it lacks keeps its state), then
 * recomputes the live rows from state.
 */
export async function restoreStates(lanes: Lanes, modes: readonly LiveMode[], snapshot: LiveSnapshot): Promise<void> {
  for (const p of lanes.compiled) {
    for (const mode of modes) {
      const saved = snapshot.states[p.definition.name]?.[mode];
      if (saved) (p.states.get(mode) as PipelineState).restore(saved);
      (p.rows.get(mode) as Map<string, LiveRow>).clear();
      await lanes.finalize(p, mode);
    }
  }
}

/** Restores the exact events saved beside a snapshot into the store, and the identity index from their keys. */
export async function restoreEvents(store: ArrivalStore, seen: IdentitySet, path: string): Promise<void> {
  const [k1, k2] = await store.restore(path);
  seen.clear();
  seen.addAll(k1, k2);
}

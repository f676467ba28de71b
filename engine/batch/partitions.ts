import type { Grain } from '../kernel/pipeline/definition.js';
import { datesBetween, inputRange, partitionOf } from '../shared/calendar.js';

// The partition calendar itself is shared with the renderer; batch callers keep importing it from here.
export { inputRange, lastClosedPartition, partitionOf } from '../shared/calendar.js';

/**
 * What the batch layer knows about each event date of the lake: the newest import that added events
 * to it. A partition's input version lists these for its input dates; a new import with new events
 * for any of them changes it (an import of duplicates only does not).
 */
export type DateVersions = Map<string, number>;

export function inputVersion(partition: string, grain: Grain, versions: DateVersions): string {
  const { start, end } = inputRange(partition, grain);
  return datesBetween(start, end)
    .filter((d) => versions.has(d))
    .map((d) => `${d}:${versions.get(d)}`)
    .join(',');
}

/** Output partitions that have input data. */
export function partitionsWithData(grain: Grain, versions: DateVersions): string[] {
  return [...new Set([...versions.keys()].map((d) => partitionOf(d, grain)))].sort();
}

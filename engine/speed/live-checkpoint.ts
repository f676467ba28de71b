import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { fsyncFile } from '../kernel/util/fsx.js';
import { writeCheckpoint } from './checkpoint.js';
import type { LiveSnapshot, LiveView } from './live-view.js';

/** A live view's snapshot in a checkpoint. */
export const LiveSnapshotSchema = z.custom<LiveSnapshot>(
  (v) => typeof v === 'object' && v !== null && (v as { version?: number }).version === 2,
  // Format 1 held distinct values where format 2 holds their hashes, which only DuckDB can make from them.
  'a live view snapshot of format 2 (an earlier version of Recount wrote format 1, which is read no longer)',
);

/**
 * Writes a live view's state with where its source stands, as one checkpoint in `dir`: the exact events to a Parquet
 * file of their own first, then checkpoint.json naming it (atomically, the previous one kept beside it). Event files of
 * older checkpoints are removed, but for the one the previous checkpoint names (checkpoint.json.prev, which a damaged
 * checkpoint falls back to). Returns the name of the events file written (null without exact mode).
 */
export async function writeLiveCheckpoint(
  dir: string,
  view: LiveView,
  position: Record<string, unknown>,
  previousEvents: string | null,
): Promise<string | null> {
  let events: string | null = null;
  if (view.modes.includes('exact')) {
    // Never the name of the file the current checkpoint names, however soon after it this one comes.
    events = `exact-events-${Date.now()}-${randomBytes(4).toString('hex')}.parquet`;
    await view.saveEvents(join(dir, events));
    await fsyncFile(join(dir, events)).catch(() => {});
  }
  await writeCheckpoint(join(dir, 'checkpoint.json'), { ...position, live: view.snapshot(), events });
  for (const f of await readdir(dir))
    if (f.startsWith('exact-events-') && f !== events && f !== previousEvents) await rm(join(dir, f), { force: true });
  return events;
}

import type { Workspace } from '../../kernel/workspace/workspace.js';
import type { Scorecard } from '../../shared/scorecard.js';
import { lakeEvents, union } from '../event-sets.js';
import { liveOnlyEvents } from '../served.js';
import { computeScorecard } from './compute.js';
import { readScorecard } from './definition.js';
import { LiveView } from '../../speed/live-view.js';
import { replayLog } from '../../speed/replay.js';
import type { OperationOptions } from '../../shared/progress.js';

/**
 * The scorecard as served numbers: the lake's events and the live events the lake lacks (exact mode: each identity
 * once), which is the set a recount would leave in the lake. Live events keep only the fields some realtime pipeline
 * reads; a metric over another field counts the lake's events alone for it.
 */
export async function servedScorecard(workspace: Workspace, view: LiveView | undefined, at = new Date()): Promise<Scorecard> {
  const definition = await readScorecard(workspace.dir);
  const live = view?.ready && view.modes.includes('exact') ? view : undefined;
  const events = live
    ? union(lakeEvents(workspace.catalogName), liveOnlyEvents(workspace, live))
    : lakeEvents(workspace.catalogName);
  const connection = await workspace.connect();
  try {
    return await computeScorecard(connection, definition, events, { at, timezone: workspace.settings.timezone });
  } finally {
    connection.close();
  }
}

/** The scorecard with a log's events beside the lake's, as `recount scorecard --log` gives it: the log replayed whole. */
export async function scorecardWithLog(
  workspace: Workspace,
  log: string,
  at: Date,
  options: OperationOptions = {},
): Promise<Scorecard> {
  const view = await LiveView.create(workspace, { source: log, modes: ['exact'] });
  try {
    await replayLog(view, { path: log, maxLineBytes: workspace.settings.import.maxLineBytes }, options);
    return await servedScorecard(workspace, view, at);
  } finally {
    await view.close();
  }
}

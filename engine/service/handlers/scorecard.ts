import { servedScorecard } from '../../serving/scorecard/served.js';
import type { WorkspaceSession } from '../session.js';
import type { Handlers } from './handler.js';

/** The scorecard over served numbers: the lake and the live log, each event once. */
export function scorecardHandlers(session: WorkspaceSession): Handlers<'scorecard.get'> {
  return {
    'scorecard.get': async ({ at }) => servedScorecard(session.workspace, session.live.view, at ? new Date(at) : new Date()),
  };
}

import type { WorkspaceSession } from '../session.js';
import type { Handlers } from './handler.js';

/** The live view of the workspace's log (or of a RabbitMQ stream chosen instead), and the demo traffic written into it. */
export function liveHandlers(session: WorkspaceSession): Handlers<'live.state' | 'live.rows' | 'live.follow' | 'live.simulate'> {
  return {
    'live.state': async () => session.live.state(),
    'live.follow': async (source) => session.live.follow(source),
    'live.rows': async ({ pipeline, mode }) => session.live.rows(pipeline, mode),
    'live.simulate': async ({ running, rate }) => session.live.simulate(running, rate),
  };
}

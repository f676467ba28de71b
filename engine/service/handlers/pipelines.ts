import { runPipelines } from '../../batch/runner.js';
import { workspaceStatus } from '../../batch/status.js';
import { runHistory } from '../../batch/history.js';
import type { WorkspaceSession } from '../session.js';
import type { Handlers, ParsedParams } from './handler.js';
import { changedByRun } from '../cell-results.js';

/** How a run from the app reads in the run history: as the CLI command that would do the same. */
function runCommand(params: ParsedParams<'pipelines.run'>): string {
  return [
    'app: run',
    ...(params.pipelines?.length ? [params.pipelines.join(' ')] : []),
    ...(params.full ? ['--full'] : []),
    ...(params.from ? [`--from ${params.from}`] : []),
    ...(params.to ? [`--to ${params.to}`] : []),
    ...(params.retry !== undefined ? [`--retry ${params.retry}`] : []),
  ].join(' ');
}

/** The summary pipelines: their partitions' freshness, runs, and the run history. */
export function pipelineHandlers(session: WorkspaceSession): Handlers<'pipelines.status' | 'pipelines.run' | 'pipelines.runs'> {
  return {
    'pipelines.status': async () => ({
      ...(await workspaceStatus(session.workspace)),
      foreignFiles: session.workspace.recovery.foreign,
    }),
    'pipelines.run': async (params, context) => {
      const result = await runPipelines(session.workspace, {
        ...(params.pipelines ? { pipelines: params.pipelines } : {}),
        ...(params.from ? { from: params.from } : {}),
        ...(params.to ? { to: params.to } : {}),
        ...(params.full ? { full: true } : {}),
        ...(params.retry !== undefined ? { retry: params.retry } : {}),
        command: params.command ?? runCommand(params),
        signal: context.signal,
        onProgress: context.progress,
      });
      session.changed('pipelines');
      session.tablesChanged(changedByRun(result));
      return result;
    },
    'pipelines.runs': async ({ limit }) => runHistory(session.workspace, limit),
  };
}

import { Workspace, type InitResult, type OpenStep } from '../kernel/workspace/workspace.js';
import { copyDefaultPipelines } from '../batch/defaults.js';
import { createLakeViews, recoverLakeAtOpen } from '../lake/recovery.js';
import { recoverRuns } from '../batch/recovery.js';

/** What each layer repairs at open, in order: the lake first (nothing may read it half-committed), then the runs. */
const OPEN_STEPS: readonly OpenStep[] = [recoverLakeAtOpen, recoverRuns];

/** Opens a workspace with every layer's recovery: the one way the engine, the CLI and tests open one. */
export function openWorkspace(dir: string): Promise<Workspace> {
  return Workspace.open(dir, OPEN_STEPS);
}

/** `recount init`: a new workspace with the default pipelines; an existing one is left as it is. */
export async function initWorkspace(dir: string, options: { timezone?: string } = {}): Promise<InitResult> {
  return Workspace.init(dir, {
    ...options,
    seed: (paths) => copyDefaultPipelines(paths.pipelines).then(() => {}),
    steps: [createLakeViews],
  });
}

import { Workspace, type InitResult } from '../workspace/workspace.js';
import { copyDefaultPipelines } from '../batch/defaults.js';

/** `recount init`: a new workspace with the default pipelines; an existing one is left as it is. */
export async function initWorkspace(dir: string, options: { timezone?: string } = {}): Promise<InitResult> {
  return Workspace.init(dir, { ...options, seed: (paths) => copyDefaultPipelines(paths.pipelines).then(() => {}) });
}

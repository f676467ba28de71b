import { Workspace, type InitResult, type OpenStep } from '../kernel/workspace/workspace.js';
import { copyDefaultPipelines } from '../batch/defaults.js';
import { writeDefaultScorecard } from '../serving/scorecard/definition.js';
import { createLakeViews, recoverLakeAtOpen } from '../lake/recovery.js';
import { migrateLakeCatalog } from '../lake/catalog.js';
import { recoverRuns } from '../batch/recovery.js';
import { migrateBatchCatalog } from '../batch/schema.js';

/** Each layer's tables, created or migrated before anything reads them. */
const SCHEMA_STEPS: readonly OpenStep[] = [migrateLakeCatalog, migrateBatchCatalog];

/** What each layer repairs at open, in order: the lake first (nothing may read it half-committed), then the runs. */
const OPEN_STEPS: readonly OpenStep[] = [...SCHEMA_STEPS, recoverLakeAtOpen, recoverRuns];

/** Opens a workspace with every layer's recovery: the one way the engine, the CLI and tests open one. */
export function openWorkspace(dir: string): Promise<Workspace> {
  return Workspace.open(dir, OPEN_STEPS);
}

/** `recount init`: a new workspace with the default pipelines; an existing one is left as it is. */
export async function initWorkspace(dir: string, options: { timezone?: string } = {}): Promise<InitResult> {
  return Workspace.init(dir, {
    ...options,
    seed: async (paths) => {
      await copyDefaultPipelines(paths.pipelines);
      await writeDefaultScorecard(paths.root);
    },
    steps: [...SCHEMA_STEPS, createLakeViews],
  });
}

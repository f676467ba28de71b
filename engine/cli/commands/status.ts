import type { Command } from 'commander';
import { workspaceStatus } from '../../batch/status.js';
import { humanCount, printJson, runCommand, viaEngine, workspaceOption } from '../common.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('every partition of every pipeline: fresh or stale and why, last run, rows, checksum; and the batch watermark')
    .addOption(workspaceOption())
    .option('--json', 'print one JSON document')
    .action((options: { workspace: string; json?: boolean }) =>
      runCommand(async () => {
        const { foreignFiles, ...status } = await viaEngine(
          options.workspace,
          (engine) => engine.call('pipelines.status', {}),
          async (workspace) => ({ ...(await workspaceStatus(workspace)), foreignFiles: workspace.recovery.foreign }),
        );
        const foreign = foreignFiles ?? [];
        if (options.json) {
          // foreignFiles: what only the command reports, beside the contract's status.
          printJson('pipelines.status', status, { foreignFiles: foreign });
          return status.problems.length ? 1 : 0;
        }
        if (foreign.length > 0) {
          process.stdout.write(
            `${foreign.length} file${foreign.length === 1 ? '' : 's'} in the lake Recount did not write, left as they are:\n` +
              foreign.map((f) => `  ${f}\n`).join('') +
              '\n',
          );
        }
        for (const problem of status.problems) process.stdout.write(`invalid   ${problem.file}\n          ${problem.error}\n\n`);
        for (const p of status.pipelines) {
          const stale = p.partitions.filter((x) => !x.fresh);
          process.stdout.write(
            `${p.name} (${p.grain}${p.realtime ? ', realtime' : ''}): ${p.partitions.length - stale.length}/${p.partitions.length} fresh, watermark ${p.watermark ?? 'none'}\n`,
          );
          for (const x of p.partitions) {
            const state = x.fresh ? 'fresh' : `stale (${x.reason})`;
            const last = x.lastRun ? `run ${x.lastRun.runId} ${x.lastRun.ranAt}` : 'never run';
            const rows = x.rows === undefined ? '' : `${humanCount(x.rows)} rows  ${x.checksum?.slice(0, 12)}`;
            const error = x.lastError ? `  last failure (run ${x.lastError.runId}): ${x.lastError.error.split('\n')[0]}` : '';
            process.stdout.write(`  ${x.partition}  ${state.padEnd(28)} ${last.padEnd(34)} ${rows}${error}\n`);
          }
          process.stdout.write('\n');
        }
        return status.problems.length ? 1 : 0;
      }),
    );
}

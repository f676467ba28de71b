import type { Command } from 'commander';
import { runHistory } from '../../batch/history.js';
import { humanCount, printJson, runCommand, viaEngine, workspaceOption } from '../common.js';

export function registerRuns(program: Command): void {
  program
    .command('runs')
    .description('run history: who ran what, when, definition hashes, partitions, rows, duration, status, errors')
    .addOption(workspaceOption())
    .option('--limit <n>', 'newest runs to show', '20')
    .option('--json', 'print one JSON document')
    .action((options: { workspace: string; limit: string; json?: boolean }) =>
      runCommand(async () => {
        const limit = Number(options.limit) || 20;
        const runs = await viaEngine(
          options.workspace,
          // The contract's bound: an engine is asked for at most 500 runs at a time.
          (engine) => engine.call('pipelines.runs', { limit: Math.min(Math.max(Math.trunc(limit), 1), 500) }),
          (w) => runHistory(w, limit),
        );
        if (options.json) {
          printJson('pipelines.runs', runs);
          return;
        }
        if (runs.length === 0) process.stdout.write('No runs yet: recount run computes the summary tables.\n');
        for (const r of runs) {
          process.stdout.write(
            `run ${r.runId}  ${(r.cancelled ? `${r.status} (cancelled)` : r.status).padEnd(10)} ${r.startedAt}  by ${r.runBy}  ${r.succeeded}/${r.partitions} partitions, ${humanCount(r.rows)} rows, ` +
              `${r.durationMs === null ? '?' : (r.durationMs / 1000).toFixed(1)} s\n    ${r.command}\n`,
          );
          for (const [pipeline, hash] of Object.entries(r.definitionHashes))
            process.stdout.write(`    ${pipeline} definition ${hash.slice(0, 12)}\n`);
          for (const f of r.failures)
            process.stdout.write(`    failed ${f.pipeline} ${f.partition}: ${f.error.split('\n')[0]}\n`);
          if (r.error) process.stdout.write(`    ${r.error.replace(/\n/g, '\n    ')}\n`);
        }
      }),
    );
}

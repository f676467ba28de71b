import type { Command } from 'commander';
import { runPipelines } from '../../batch/runner.js';
import type { Result } from '../../shared/contract.js';
import { UserError } from '../../kernel/util/errors.js';
import { counted, plural } from '../../shared/words.js';
import {
  ProgressBar,
  humanCount,
  interruptSignal,
  printJson,
  printNotice,
  runCommand,
  viaEngine,
  workspaceOption,
} from '../common.js';

interface RunOptions {
  workspace: string;
  from?: string;
  to?: string;
  full?: boolean;
  retry?: string;
  json?: boolean;
}

type RunResult = Result<'pipelines.run'>;

function print(result: RunResult): void {
  for (const problem of result.problems) process.stdout.write(`invalid   ${problem.file}\n          ${problem.error}\n`);
  if (result.status === 'nothing-to-do') {
    process.stdout.write('Nothing to do: every partition is fresh.\n');
    return;
  }
  const byPipeline = new Map<string, RunResult['partitions']>();
  for (const p of result.partitions) byPipeline.set(p.pipeline, [...(byPipeline.get(p.pipeline) ?? []), p]);
  const cancelled = (p: RunResult['partitions'][number]) => p.status === 'failed' && /^cancelled\b/.test(p.error ?? '');
  for (const [pipeline, partitions] of byPipeline) {
    const ok = partitions.filter((p) => p.status === 'succeeded');
    const reasons = [...new Set(partitions.map((p) => p.reason))].join(', ');
    const rows = ok.reduce((s, p) => s + (p.rows ?? 0), 0);
    process.stdout.write(
      `${pipeline.padEnd(24)} ${ok.length}/${counted(partitions.length, 'partition')} (${reasons}), ${humanCount(rows)} ${plural(rows, 'row')}\n`,
    );
    for (const p of partitions.filter((p) => p.status === 'failed' && !cancelled(p)))
      process.stdout.write(`  failed ${p.partition}: ${p.error}\n`);
    const notRun = partitions.filter(cancelled).length;
    if (notRun) process.stdout.write(`  cancelled: ${counted(notRun, 'partition')} not run\n`);
  }
  const seconds = `${(result.durationMs / 1000).toFixed(1)} s`;
  const failures = result.partitions.filter((p) => p.status === 'failed' && !cancelled(p)).length;
  if (result.cancelled) {
    const done = result.partitions.filter((p) => p.status === 'succeeded').length;
    process.stdout.write(
      `run ${result.runId}: cancelled after ${done} of ${counted(result.partitions.length, 'partition')} in ${seconds}; ` +
        `the others are as they were (recount run computes what is still stale)` +
        (failures ? `; ${counted(failures, 'partition')} failed: recount run --retry ${result.runId}` : '') +
        '\n',
    );
    return;
  }
  process.stdout.write(
    `run ${result.runId}: ${result.status} in ${seconds}` +
      (result.status === 'partial' || result.status === 'failed'
        ? `; retry the failures with: recount run --retry ${result.runId}`
        : '') +
      '\n',
  );
}

/** The command as typed, for the run history, without the workspace folder (the history lives in it). */
function withoutWorkspace(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '-w' || arg === '--workspace') i++;
    else if (!arg.startsWith('--workspace=')) out.push(arg);
  }
  return out;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('recompute summary pipelines partition by partition (stale partitions by default)')
    .argument('[pipelines...]', 'pipelines to run (default: all)')
    .addOption(workspaceOption())
    .option('--from <date>', 'recompute partitions from this date (a backfill)')
    .option('--to <date>', 'recompute partitions up to this date')
    .option('--full', 'recompute every partition')
    .option('--retry <run_id>', "re-run only that run's failed partitions")
    .option('--json', 'print one JSON document')
    .action((pipelines: string[], options: RunOptions) =>
      runCommand(async () => {
        const retry = options.retry === undefined ? undefined : Number(options.retry);
        if (retry !== undefined && !Number.isInteger(retry)) throw new UserError('--retry takes a run id (see recount runs)');
        for (const [name, value] of [
          ['from', options.from],
          ['to', options.to],
        ] as const)
          if (value !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(value))
            throw new UserError(`--${name} must be a date, YYYY-MM-DD`);
        const signal = interruptSignal();
        const bar = ProgressBar.forTerminal('run', Boolean(options.json));
        const command = ['recount run', ...withoutWorkspace(process.argv.slice(3))].join(' ');
        const request = {
          pipelines,
          ...(options.from ? { from: options.from } : {}),
          ...(options.to ? { to: options.to } : {}),
          full: Boolean(options.full),
          ...(retry !== undefined ? { retry } : {}),
          command,
        };
        const result: RunResult = await viaEngine(
          options.workspace,
          (engine) => engine.call('pipelines.run', request, { signal, onProgress: bar.update, onNotice: printNotice }),
          (workspace) => runPipelines(workspace, { ...request, signal, onProgress: bar.update }),
        );
        bar.stop();
        if (options.json) {
          printJson('pipelines.run', result);
        } else print(result);
        if (result.cancelled) return 130;
        return result.status === 'partial' || result.status === 'failed' ? 1 : 0;
      }),
    );
}

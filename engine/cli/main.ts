import { Command } from 'commander';
import { registerInit } from './commands/init.js';
import { registerImport } from './commands/import.js';
import { registerImports, registerRemoveImport } from './commands/imports.js';
import { registerQuery } from './commands/query.js';
import { registerGenerate } from './commands/generate.js';
import { registerRun } from './commands/run.js';
import { registerStatus } from './commands/status.js';
import { registerRuns } from './commands/runs.js';
import { registerExport } from './commands/export.js';
import { registerLive } from './commands/live.js';
import { registerServe } from './commands/serve.js';
import { registerScorecard } from './commands/scorecard.js';
import { recountVersion } from './version.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('recount')
    .description('Recount: event analytics that are both live and right. A local event lake, batch recounts and a live view.')
    .version(recountVersion(), '-V, --version', 'print the version of Recount')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: false });
  registerInit(program);
  registerImport(program);
  registerImports(program);
  registerRemoveImport(program);
  registerQuery(program);
  registerRun(program);
  registerStatus(program);
  registerRuns(program);
  registerExport(program);
  registerLive(program);
  registerScorecard(program);
  registerServe(program);
  registerGenerate(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // `recount status | head`: the reader went away. Nothing more can be said to it, and that is no error of ours.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  await buildProgram().parseAsync(argv);
}

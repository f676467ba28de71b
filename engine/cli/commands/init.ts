import type { Command } from 'commander';
import { initWorkspace } from '../../service/init.js';
import { runCommand, workspaceOption } from '../common.js';

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('create a workspace (settings, lake, catalog, default pipelines); changes nothing if one exists')
    .addOption(workspaceOption())
    .option('--timezone <zone>', "IANA time zone that decides each event's partition date", 'UTC')
    .option('--json', 'print the result as JSON')
    .action((options: { workspace: string; timezone: string; json?: boolean }) =>
      runCommand(async () => {
        const result = await initWorkspace(options.workspace, { timezone: options.timezone });
        if (options.json) {
          process.stdout.write(
            `${JSON.stringify({ created: result.created, workspace: result.paths.root, timezone: result.settings.timezone })}\n`,
          );
        } else if (result.created) {
          process.stdout.write(`Created workspace ${result.paths.root} (time zone ${result.settings.timezone}).\n`);
        } else {
          process.stdout.write(
            `${result.paths.root} is already a workspace (time zone ${result.settings.timezone}); nothing changed.\n`,
          );
        }
      }),
    );
}

import type { Command } from 'commander';
import { allImports } from '../../lake/catalog.js';
import { removeImport } from '../../lake/remove.js';
import { UserError } from '../../kernel/util/errors.js';
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

const plural = (n: number, noun: string) => `${humanCount(n)} ${noun}${n === 1 ? '' : 's'}`;

export function registerImports(program: Command): void {
  program
    .command('imports')
    .description('every import in the lake: its id, file, rows, rejects, duplicates and the dates it landed on')
    .addOption(workspaceOption())
    .option('--json', 'print one JSON document')
    .action((options: { workspace: string; json?: boolean }) =>
      runCommand(async () => {
        const imports = await viaEngine(
          options.workspace,
          (engine) => engine.call('lake.imports', {}),
          (workspace) => allImports(workspace.catalog),
        );
        if (options.json) {
          printJson('lake.imports', imports);
          return;
        }
        if (imports.length === 0) process.stdout.write('No imports yet: recount import FILE… adds events to the lake.\n');
        for (const i of imports) {
          const dates =
            i.firstDate === null ? 'no dates' : i.firstDate === i.lastDate ? i.firstDate : `${i.firstDate} … ${i.lastDate}`;
          process.stdout.write(
            `#${i.importId}  ${i.importedAt}  ${i.path} (${i.format})\n` +
              `    ${plural(i.rows, 'row')} into ${plural(i.partitions, 'partition')} (${dates}), ` +
              `${plural(i.duplicates, 'duplicate arrival')}, ${humanCount(i.rejected)} rejected\n`,
          );
        }
      }),
    );
}

export function registerRemoveImport(program: Command): void {
  program
    .command('remove-import')
    .description('undo an import: its rows and rejects leave the lake in one commit, and the dates it held are stale')
    .argument('<id>', 'the import to remove, as recount imports numbers it')
    .addOption(workspaceOption())
    .option('--json', 'print one JSON document')
    .action((id: string, options: { workspace: string; json?: boolean }) =>
      runCommand(async () => {
        if (!/^#?\d+$/.test(id) || Number(id.replace('#', '')) < 1) {
          throw new UserError(`remove-import: ${id} is no import id (a number, as recount imports lists them)`);
        }
        const importId = Number(id.replace('#', ''));
        const signal = interruptSignal();
        const bar = ProgressBar.forTerminal('remove-import', Boolean(options.json));
        const removed = await viaEngine(
          options.workspace,
          (engine) => engine.call('lake.removeImport', { importId }, { signal, onProgress: bar.update, onNotice: printNotice }),
          (workspace) => removeImport(workspace, importId, { signal, onProgress: bar.update }),
        );
        bar.stop();
        if (options.json) {
          printJson('lake.removeImport', removed);
          return;
        }
        const dates = removed.partitions;
        process.stdout.write(
          `removed   import #${removed.importId} of ${removed.sourcePath} (${removed.importedAt})\n` +
            `          ${plural(removed.rows, 'row')} and ${humanCount(removed.rejected)} rejected lines left the lake; ` +
            `${plural(removed.events, 'event')} gone` +
            (removed.kept > 0 ? `, ${plural(removed.kept, 'event')} kept from other imports that also have them` : '') +
            '\n' +
            (dates.length > 0
              ? `          ${plural(dates.length, 'partition')} to recount (${dates[0]}${dates.length > 1 ? ` … ${dates[dates.length - 1]}` : ''}): recount run\n`
              : ''),
        );
      }),
    );
}

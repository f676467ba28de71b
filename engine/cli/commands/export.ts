import { resolve } from 'node:path';
import type { Command } from 'commander';
import { exportData, type ExportFormat } from '../../batch/export.js';
import { UserError } from '../../kernel/util/errors.js';
import { ProgressBar, humanCount, interruptSignal, printJson, runCommand, viaEngine, workspaceOption } from '../common.js';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('write a table, view or SELECT result to CSV (RFC 4180, formula-safe) or Parquet, atomically')
    .argument('<table_or_select>', 'a table or view name, or a SELECT statement')
    .requiredOption('--out <file>', 'file to write')
    .addOption(workspaceOption())
    .option('--format <format>', 'csv | parquet (default: from the extension, else csv)')
    .option('--json', 'print a JSON summary')
    .action((source: string, options: { out: string; workspace: string; format?: ExportFormat; json?: boolean }) =>
      runCommand(async () => {
        if (options.format && !['csv', 'parquet'].includes(options.format))
          throw new UserError('--format must be csv or parquet');
        const signal = interruptSignal();
        const bar = ProgressBar.forTerminal('export', Boolean(options.json));
        const out = resolve(options.out);
        const result = await viaEngine(
          options.workspace,
          // The contract's own default is CSV: the format the extension names is said outright.
          (engine) =>
            engine.call(
              'export.file',
              {
                source: { sql: source },
                path: out,
                format: options.format ?? (out.toLowerCase().endsWith('.parquet') ? 'parquet' : 'csv'),
              },
              { signal, onProgress: bar.update },
            ),
          (w) =>
            exportData(w, { source, out, ...(options.format ? { format: options.format } : {}), signal, onProgress: bar.update }),
        );
        bar.stop();
        if (options.json) printJson('export.file', result);
        else
          process.stdout.write(
            `Wrote ${humanCount(result.rows)} rows to ${result.out} (${result.format}, ${humanCount(result.bytes)} bytes)\n`,
          );
      }),
    );
}

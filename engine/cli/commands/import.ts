import { resolve } from 'node:path';
import type { Command } from 'commander';
import { importFiles, parseFieldMap } from '../../lake/import.js';
import { IMPORT_FORMATS, type ImportFormat } from '../../lake/detect.js';
import { UserError } from '../../kernel/util/errors.js';
import { describeNote, type ImportNote } from '../../lake/notes.js';
import { importSummaryResult, type ApiImportFile } from '../../service/shapes.js';
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

interface ImportOptions {
  workspace: string;
  format: ImportFormat | 'auto';
  strict?: boolean;
  json?: boolean;
  map: string[];
  timeFormat?: string;
}

function describe(result: ApiImportFile): string {
  if (result.status === 'failed') return `failed    ${result.path}\n          ${result.error}`;
  if (result.status === 'skipped') return `skipped   ${result.path}: ${result.message}`;
  const lines = [
    `imported  ${result.path} (${result.format})`,
    `          ${humanCount(result.rows)} rows into ${result.partitions.length} partition${result.partitions.length === 1 ? '' : 's'}` +
      (result.partitions.length ? ` (${result.partitions[0]} … ${result.partitions[result.partitions.length - 1]})` : '') +
      `, ${humanCount(result.duplicates)} duplicate arrivals, ${humanCount(result.rejected)} rejected`,
  ];
  if (result.range && result.range.bytesFrom > 0)
    lines.push(`          new part only: lines ${result.range.linesFrom + 1}–${result.range.linesTo}`);
  if (result.fields)
    lines.push(
      `          fields: event_id ← ${result.fields.event_id}, event_type ← ${result.fields.event_type}, occurred_at ← ${result.fields.occurred_at}`,
    );
  if (result.message) lines.push(`          ${result.message}`);
  if (result.dialect) lines.push(`          dialect: ${result.dialect}`);
  for (const note of result.notes ?? []) lines.push(`          ${describeNote(note as ImportNote)}`);
  if (result.heldTailBytes)
    lines.push(`          held back an incomplete last line (${result.heldTailBytes} bytes) for the next import`);
  if (result.rejected)
    lines.push(`          see them with: recount query "SELECT * FROM rejects WHERE import_id = ${result.importId}"`);
  return lines.join('\n');
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import event files (NDJSON, JSON, CSV/TSV, Parquet; .gz) into the date-partitioned lake')
    .argument('<files...>', 'files to import')
    .addOption(workspaceOption())
    .option('--format <format>', `auto | ${IMPORT_FORMATS.join(' | ')}`, 'auto')
    .option('--strict', 'reject the whole file if any row is bad')
    .option('--json', 'print one JSON document')
    .option(
      '--map <target=source>',
      'read a canonical field (event_id, event_type, occurred_at) from another source field',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option('--time-format <strptime>', 'how event times are written, when their values do not tell (e.g. %d/%m/%Y %H:%M)')
    .action((files: string[], options: ImportOptions) =>
      runCommand(async () => {
        if (options.format !== 'auto' && !(IMPORT_FORMATS as readonly string[]).includes(options.format)) {
          throw new UserError(`--format must be auto or one of ${IMPORT_FORMATS.join(', ')}`);
        }
        const map = parseFieldMap(options.map);
        const signal = interruptSignal();
        const bar = ProgressBar.forTerminal('import', Boolean(options.json));
        const request = {
          format: options.format,
          strict: Boolean(options.strict),
          map,
          ...(options.timeFormat ? { timeFormat: options.timeFormat } : {}),
        };
        const summary = await viaEngine(
          options.workspace,
          // The engine runs in another folder: it is given the files as this shell names them.
          (engine) =>
            engine.call(
              'lake.import',
              { paths: files.map((f) => resolve(f)), ...request },
              { signal, onProgress: bar.update, onNotice: printNotice },
            ),
          async (workspace) =>
            importSummaryResult(await importFiles(workspace, files, { ...request, signal, onProgress: bar.update })),
        );
        bar.stop();
        if (options.json) {
          printJson('lake.import', summary);
        } else {
          for (const result of summary.files) process.stdout.write(`${describe(result)}\n`);
          if (summary.files.length > 1) {
            process.stdout.write(`total     ${humanCount(summary.rows)} rows, ${humanCount(summary.rejected)} rejected\n`);
          }
        }
        return summary.files.some((f) => f.status === 'failed') ? 1 : 0;
      }),
    );
}

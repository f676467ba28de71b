import type { Command } from 'commander';
import Table from 'cli-table3';
import { openQueryStream } from '../../kernel/workspace/query.js';
import { summaryTables } from '../../batch/state.js';
import { UserError, duckdbMessage } from '../../kernel/util/errors.js';
import { cellText, rowJson } from '../../kernel/util/values.js';
import { csvLine } from '../../kernel/util/csv.js';
import { interruptSignal, runCommand, withWorkspace, workspaceOption } from '../common.js';

interface QueryOptions {
  workspace: string;
  format: 'table' | 'csv' | 'json';
  maxRows: string;
}

function write(text: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(text)) resolve();
    else process.stdout.once('drain', () => resolve());
  });
}

export function registerQuery(program: Command): void {
  program
    .command('query')
    .description('run DuckDB SQL against the workspace (tables: raw_events, events, rejects, and summary tables)')
    .argument('<sql>', 'the SQL to run')
    .addOption(workspaceOption())
    .option('--format <format>', 'table | csv | json', 'table')
    .option('--max-rows <n>', 'rows shown in table format', '100')
    .action((sql: string, options: QueryOptions) =>
      runCommand(async () => {
        if (!['table', 'csv', 'json'].includes(options.format)) throw new UserError('--format must be table, csv or json');
        const signal = interruptSignal();
        return withWorkspace(options.workspace, async (workspace) => {
          const connection = await workspace.connect();
          try {
            let stream;
            try {
              stream = await openQueryStream(connection, sql, workspace.settings.timezone, {
                signal,
                summaryTables: await summaryTables(workspace.catalog),
              });
            } catch (error) {
              if ((error as Error).name === 'CancelledError') throw error;
              process.stderr.write(`${duckdbMessage(error)}\n`);
              return 1;
            }
            const { columns, batches } = stream;
            let total = 0;
            try {
              if (options.format === 'csv') {
                await write(csvLine(columns.map((c) => c.name)));
                for await (const rows of batches) {
                  total += rows.length;
                  await write(rows.map((r) => csvLine(r.map(cellText))).join(''));
                }
              } else if (options.format === 'json') {
                await write('[');
                for await (const rows of batches) {
                  await write(rows.map((r, i) => `${total + i === 0 ? '' : ',\n'}${rowJson(columns, r)}`).join(''));
                  total += rows.length;
                }
                await write(']\n');
              } else {
                const limit = Math.max(0, Number(options.maxRows) || 100);
                const table = new Table({
                  head: columns.map((c) => `${c.name}\n${c.type.toLowerCase()}`),
                  style: { head: [], border: [], compact: true },
                });
                for await (const rows of batches) {
                  for (const row of rows) {
                    if (total < limit) table.push(row.map((v) => cellText(v) ?? 'NULL'));
                    total++;
                  }
                }
                await write(`${table.toString()}\n`);
                await write(
                  total > limit
                    ? `${total} rows (${limit} shown; use --format csv for all)\n`
                    : `${total} row${total === 1 ? '' : 's'}\n`,
                );
              }
            } catch (error) {
              if ((error as Error).name === 'CancelledError') throw error;
              process.stderr.write(`${duckdbMessage(error)}\n`);
              return 1;
            }
            return 0;
          } finally {
            connection.close();
          }
        });
      }),
    );
}

import type { Command } from 'commander';
import Table from 'cli-table3';
import type { Json } from '@duckdb/node-api';
import { openQueryStream, type QueryStream } from '../../kernel/workspace/query.js';
import { summaryTables } from '../../batch/state.js';
import { CancelledError, UserError, duckdbMessage } from '../../kernel/util/errors.js';
import { cellText, rowJson } from '../../kernel/util/values.js';
import { csvLine } from '../../kernel/util/csv.js';
import type { Workspace } from '../../kernel/workspace/workspace.js';
import { interruptSignal, runCommand, viaEngine, workspaceOption } from '../common.js';
import type { EngineClient } from '../engine-client.js';

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

/** Rows read back from a result the engine holds, a page at a time, the same chunks the local stream gives. */
const PAGE = 2048;

/** Prints a result as the format asks; a failure while rows stream is the SQL's, said on stderr (exit 1). */
async function print(stream: QueryStream, options: QueryOptions): Promise<number> {
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
        total > limit ? `${total} rows (${limit} shown; use --format csv for all)\n` : `${total} row${total === 1 ? '' : 's'}\n`,
      );
    }
  } catch (error) {
    if ((error as Error).name === 'CancelledError') throw error;
    process.stderr.write(`${duckdbMessage(error)}\n`);
    return 1;
  }
  return 0;
}

async function queryHere(workspace: Workspace, sql: string, options: QueryOptions, signal: AbortSignal): Promise<number> {
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
    return await print(stream, options);
  } finally {
    connection.close();
  }
}

/** In the engine: the result is held there (as a SQL cell's is) and read back a page at a time, then let go. */
async function queryInEngine(engine: EngineClient, sql: string, options: QueryOptions, signal: AbortSignal): Promise<number> {
  let result;
  try {
    result = await engine.call('query.run', { sql }, { signal });
  } catch (error) {
    if (error instanceof UserError && error.code === 'sql-error') {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const { queryId, rowCount } = result;
  async function* batches(): AsyncGenerator<Json[][]> {
    for (let offset = 0; offset < rowCount; offset += PAGE) {
      if (signal.aborted) throw new CancelledError();
      yield (await engine.call('query.page', { queryId, offset, limit: PAGE }, { signal })).rows as Json[][];
    }
  }
  try {
    return await print({ columns: result.columns, batches: batches() }, options);
  } finally {
    await engine.call('query.close', { queryId }).catch(() => {});
  }
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
        return viaEngine(
          options.workspace,
          (engine) => queryInEngine(engine, sql, options, signal),
          (workspace) => queryHere(workspace, sql, options, signal),
        );
      }),
    );
}

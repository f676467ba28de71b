import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Connection } from '../workspace/db.js';
import { leadingSelect, outputName, parseStatement } from './ast.js';
import { GRAINS, type Grain } from '../../shared/calendar.js';

export { GRAINS, type Grain };

/** The first output column of a pipeline names its partition, by grain. */
export const PARTITION_COLUMN: Record<Grain, string> = { day: 'event_date', week: 'week_start', month: 'month_start' };

export interface PipelineDefinition {
  /** File name without .sql: also the name of its summary table. */
  name: string;
  file: string;
  grain: Grain;
  realtime: boolean;
  description: string;
  /** Every `-- key: value` header line. */
  meta: Record<string, string>;
  /** The SQL without its header comments. */
  sql: string;
  /** Hash of the parse tree: the definition changed when this changed (whitespace and comments do not count). */
  definitionHash: string;
  partitionColumn: string;
}

export interface PipelineProblem {
  name: string;
  file: string;
  error: string;
}

const NAME = /^[a-z_][a-z0-9_]*$/;

/** Splits the leading `-- key: value` lines from the query. */
export function parseHeader(text: string): { meta: Record<string, string>; sql: string } {
  const meta: Record<string, string> = {};
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let i = 0;
  for (; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    const match = /^--\s*([A-Za-z_][\w-]*)\s*:\s*(.*)$/.exec(line);
    if (match) {
      meta[(match[1] as string).toLowerCase()] = (match[2] as string).trim();
      continue;
    }
    if (line.startsWith('--')) continue;
    break;
  }
  return { meta, sql: lines.slice(i).join('\n').trim().replace(/;\s*$/, '') };
}

/**
 * Reads and checks one pipeline file: its header, that DuckDB parses its SQL as one SELECT, and that
 * the first output column is the partition column of its grain.
 */
export async function loadPipeline(connection: Connection, file: string): Promise<PipelineDefinition | PipelineProblem> {
  const name = basename(file, '.sql');
  const problem = (error: string): PipelineProblem => ({ name, file, error });
  if (!NAME.test(name))
    return problem(`the file name must be a lower-case SQL identifier (it names the summary table), like daily_visits.sql`);
  const { meta, sql } = parseHeader(await readFile(file, 'utf8'));
  const missing = ['grain', 'realtime', 'description'].filter((k) => meta[k] === undefined);
  if (missing.length)
    return problem(`missing header line${missing.length > 1 ? 's' : ''}: ${missing.map((k) => `-- ${k}: …`).join(', ')}`);
  const grain = meta.grain as Grain;
  if (!(GRAINS as readonly string[]).includes(grain)) return problem(`grain must be day, week or month, not "${meta.grain}"`);
  if (meta.realtime !== 'true' && meta.realtime !== 'false')
    return problem(`realtime must be true or false, not "${meta.realtime}"`);
  if (sql === '') return problem('the file has no SQL after its header');
  const parsed = await parseStatement(connection, sql);
  if (!parsed.ok) return problem(parsed.notSelect ? 'a pipeline is one SELECT statement' : parsed.error);
  const select = leadingSelect(parsed.statement);
  if (!select) return problem('a pipeline is a SELECT statement');
  const first = ((select.select_list as Record<string, unknown>[] | undefined) ?? [])[0];
  const partitionColumn = PARTITION_COLUMN[grain];
  const firstName = first ? outputName(first) : undefined;
  if (firstName !== partitionColumn) {
    return problem(
      `the first output column of a ${grain} pipeline must be ${partitionColumn}${firstName ? `, not ${firstName}` : ' (name it with AS)'}`,
    );
  }
  return {
    name,
    file,
    grain,
    realtime: meta.realtime === 'true',
    description: meta.description ?? '',
    meta,
    sql,
    definitionHash: parsed.fingerprint,
    partitionColumn,
  };
}

export function isProblem(value: PipelineDefinition | PipelineProblem): value is PipelineProblem {
  return 'error' in value;
}

/** Every pipeline in a folder, in name order, with the files that are not valid pipelines reported apart. */
export async function loadPipelines(
  connection: Connection,
  dir: string,
): Promise<{ pipelines: PipelineDefinition[]; problems: PipelineProblem[] }> {
  let files: string[] = [];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  } catch {
    // no pipelines folder: no pipelines
  }
  const pipelines: PipelineDefinition[] = [];
  const problems: PipelineProblem[] = [];
  for (const file of files) {
    const loaded = await loadPipeline(connection, join(dir, file));
    if (isProblem(loaded)) problems.push(loaded);
    else pipelines.push(loaded);
  }
  return { pipelines, problems };
}

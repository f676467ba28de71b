import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeEvents, type GenerateOptions, type Truth } from '../engine/generator/generate.js';

export const BENCH_DIR = join(process.cwd(), '.bench');

/** A generated dataset, cached across runs by its parameters (generation is deterministic). */
export async function dataset(name: string, options: GenerateOptions): Promise<{ path: string; lines: number; bytes: number }> {
  const key = `${name}-d${options.days}-e${options.eventsPerDay}-s${options.seed}-dup${options.duplicates}-late${options.late}-bad${options.malformed}`;
  const path = join(BENCH_DIR, 'data', `${key}.ndjson`);
  const meta = `${path}.lines`;
  try {
    const [info, lines] = await Promise.all([stat(path), import('node:fs/promises').then((fs) => fs.readFile(meta, 'utf8'))]);
    return { path, lines: Number(lines), bytes: info.size };
  } catch {
    process.stdout.write(`  generating ${key} …\n`);
    const truth: Truth = await writeEvents(path, options, 'ndjson', { truth: false });
    await (await import('node:fs/promises')).writeFile(meta, String(truth.lines));
    return { path, lines: truth.lines, bytes: (await stat(path)).size };
  }
}

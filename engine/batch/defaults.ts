import { copyFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exists } from '../kernel/util/fsx.js';

/** The pipelines every new workspace starts with (plain .sql files the user can edit or delete). */
export const DEFAULT_PIPELINES_DIR = fileURLToPath(new URL('../../pipelines/', import.meta.url));

export async function copyDefaultPipelines(targetDir: string): Promise<string[]> {
  const copied: string[] = [];
  for (const file of (await readdir(DEFAULT_PIPELINES_DIR)).filter((f) => f.endsWith('.sql')).sort()) {
    const target = join(targetDir, file);
    if (await exists(target)) continue;
    await copyFile(join(DEFAULT_PIPELINES_DIR, file), target);
    copied.push(file);
  }
  return copied;
}

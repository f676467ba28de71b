import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Recount's version, from its package.json: the nearest one above this module named "recount", so the same code finds
 * it from the sources (engine/cli) and from the build (dist/engine/cli).
 */
export function recountVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'recount' && pkg.version) return pkg.version;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Recount's package.json was not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

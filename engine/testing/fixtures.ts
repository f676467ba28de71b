import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Workspace } from '../kernel/workspace/workspace.js';
import { initWorkspace, openWorkspace } from '../service/init.js';

/** Test support: temporary folders and workspaces that clean up after themselves. */
export async function tempDir(prefix = 'recount-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface TestWorkspace {
  dir: string;
  root: string;
  workspace: Workspace;
  /** Closes and reopens the workspace, as a restart would. */
  reopen(): Promise<Workspace>;
  cleanup(): Promise<void>;
}

export async function testWorkspace(options: { timezone?: string } = {}): Promise<TestWorkspace> {
  const { dir: root, cleanup } = await tempDir();
  const dir = join(root, 'ws');
  await initWorkspace(dir, options);
  const handle: TestWorkspace = {
    dir,
    root,
    workspace: await openWorkspace(dir),
    async reopen() {
      await handle.workspace.close();
      handle.workspace = await openWorkspace(dir);
      return handle.workspace;
    },
    async cleanup() {
      await handle.workspace.close().catch(() => {});
      await cleanup();
    },
  };
  return handle;
}

/** The local calendar date of an instant in a time zone, computed with Intl (independently of DuckDB). */
export { localDate } from '../generator/expected.js';

/** Counts rows by a key: the shape most expectations take. */
export function countBy<T>(items: Iterable<T>, key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

export function sortedEntries<V>(map: Map<string, V>): [string, V][] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Where a live view writes its batch files: memory-backed /dev/shm where there is one (DuckDB reads
 * them fastest there), else the workspace's tmp folder.
 */
export async function scratchDir(fallback: string): Promise<string> {
  const shm = await stat('/dev/shm')
    .then((s) => s.isDirectory())
    .catch(() => false);
  return shm ? '/dev/shm' : fallback;
}

const BATCH_FILE = /^recount-live-(\d+)-[0-9a-z_]+-batch-\d+\.ndjson$/;

/** A batch file's name: the process that owns it is in it, so that one left by a process that died can be told. */
export function batchFileName(view: string, index: number): string {
  return `recount-live-${process.pid}-${view}-batch-${index}.ndjson`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes batch files whose process is gone: a view that was killed leaves its batch files behind, and in
 * /dev/shm each holds up to a batch (64 MB) of memory until the machine restarts. Returns the names removed.
 */
export async function removeOrphanBatchFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const orphans = names.filter((name) => {
    const pid = BATCH_FILE.exec(name)?.[1];
    return pid !== undefined && Number(pid) !== process.pid && !alive(Number(pid));
  });
  await Promise.all(orphans.map((name) => rm(join(dir, name), { force: true })));
  return orphans;
}

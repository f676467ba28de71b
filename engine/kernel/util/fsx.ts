import { link, open, rename, rm, mkdir, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** fsyncs a directory so that a rename into it survives a power loss (a no-op where directories cannot be opened). */
export async function fsyncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows cannot open directories; rename there is already durable enough for our purposes.
  } finally {
    await handle?.close();
  }
}

export async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes a file so that readers see either the old or the new content, never a torn one: tmp, fsync, rename, fsync dir. */
/**
 * Replaces a file atomically: tmp → fsync → rename → fsync dir. With `keepPrevious`, the file it replaces stays as
 * `<path>.prev` (a hard link, no copy), so a reader that finds the new one damaged can fall back to the one before.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { keepPrevious?: boolean } = {},
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (options.keepPrevious) {
    const previous = `${path}.prev`;
    await rm(`${previous}.tmp-${process.pid}`, { force: true });
    const linked = await link(path, `${previous}.tmp-${process.pid}`)
      .then(() => true)
      .catch(() => false);
    if (linked) await rename(`${previous}.tmp-${process.pid}`, previous);
  }
  await rename(tmp, path);
  await fsyncDir(dirname(path));
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Every file below `dir`, as paths relative to it (no symlink following). */
export async function listFilesRecursive(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    let entries;
    try {
      entries = await readdir(join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const child = rel ? join(rel, entry.name) : entry.name;
      if (entry.isDirectory()) await walk(child);
      else if (entry.isFile()) out.push(child);
    }
  };
  await walk('');
  return out;
}

export async function removeQuietly(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}

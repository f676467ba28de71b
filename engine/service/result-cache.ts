import { createHash } from 'node:crypto';
import { readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { exists, writeFileAtomic } from '../kernel/util/fsx.js';
import { SavedResultSchema, type SavedResult } from '../shared/contract.js';
import { SAVED_BYTES, SAVED_ROWS } from '../shared/saved-results.js';

/** Writes to one file, one after another: two runs of a cell finishing together must not share a temporary file. */
const writing = new Map<string, Promise<void>>();

function serialized(path: string, work: () => Promise<void>): Promise<void> {
  const next = (writing.get(path) ?? Promise.resolve()).then(work, work);
  const settled = next.catch(() => undefined);
  writing.set(path, settled);
  void settled.then(() => {
    if (writing.get(path) === settled) writing.delete(path);
  });
  return next;
}

/** The first rows of a result that fit the bounds: at most SAVED_ROWS, and at most SAVED_BYTES of JSON. */
export function boundedRows(rows: readonly unknown[][], maxRows = SAVED_ROWS, maxBytes = SAVED_BYTES): unknown[][] {
  const out: unknown[][] = [];
  let bytes = 0;
  for (const row of rows) {
    if (out.length >= maxRows) break;
    bytes += JSON.stringify(row).length + 1;
    if (bytes > maxBytes) break;
    out.push(row);
  }
  return out;
}

/** A cell's file name: its id when that is a plain name, else a hash of it (an id in a hand-edited file can be anything). */
export function cellFileName(cellId: string): string {
  if (/^[A-Za-z0-9_-]{1,100}$/.test(cellId)) return `${cellId}.json`;
  return `cell-${createHash('sha256').update(cellId).digest('hex').slice(0, 24)}.json`;
}

/**
 * Each notebook's cells' last results, kept in the workspace at `.recount/cache/<notebook>/<cell>.json`, one file
 * per cell, each replaced atomically. Only Recount writes them; a file that does not read back as a saved result
 * (damaged, or from another version) is passed over and the cell runs again. Pruned as cells and notebooks go.
 */
export class ResultCache {
  private readonly root: string;

  constructor(workspaceDir: string) {
    this.root = join(workspaceDir, '.recount', 'cache');
  }

  dir(notebook: string): string {
    return join(this.root, notebook);
  }

  path(notebook: string, cellId: string): string {
    return join(this.dir(notebook), cellFileName(cellId));
  }

  async save(notebook: string, result: SavedResult): Promise<void> {
    const path = this.path(notebook, result.cellId);
    const text = JSON.stringify(SavedResultSchema.parse(result));
    await serialized(path, () => writeFileAtomic(path, text));
  }

  /** Every saved result of a notebook's cells, in cell-id order. */
  async read(notebook: string): Promise<SavedResult[]> {
    const dir = this.dir(notebook);
    const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort();
    const out: SavedResult[] = [];
    for (const file of files) {
      const parsed = SavedResultSchema.safeParse(
        await readFile(join(dir, file), 'utf8')
          .then((text) => JSON.parse(text) as unknown)
          .catch(() => undefined),
      );
      if (parsed.success && cellFileName(parsed.data.cellId) === file) out.push(parsed.data);
    }
    return out.sort((a, b) => (a.cellId < b.cellId ? -1 : a.cellId > b.cellId ? 1 : 0));
  }

  /** Removes the saved results of cells the notebook no longer has (only files named as this cache names them). */
  async prune(notebook: string, cellIds: readonly string[]): Promise<void> {
    const keep = new Set(cellIds.map(cellFileName));
    const dir = this.dir(notebook);
    for (const file of await readdir(dir).catch(() => [] as string[])) {
      if (/^[A-Za-z0-9_-]{1,100}\.json$/.test(file) && !keep.has(file)) await rm(join(dir, file), { force: true });
    }
  }

  /** A renamed notebook keeps its results; a notebook's results replace none that another one kept. */
  async rename(from: string, to: string): Promise<void> {
    if (!(await exists(this.dir(from)))) return;
    await rm(this.dir(to), { recursive: true, force: true });
    await rename(this.dir(from), this.dir(to));
  }

  async remove(notebook: string): Promise<void> {
    await rm(this.dir(notebook), { recursive: true, force: true });
  }
}

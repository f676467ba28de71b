import { tick } from 'svelte';
import { newCellId } from '../../../engine/shared/notebook-format';
import type { NotebookDoc } from './notebook.svelte';

/**
 * Opens rows as a new SQL cell and runs it: drill-downs (a reason's events, the lake's rejects) land where the
 * analyst goes on from, a query they can read, change and keep. The cell goes below `after` (or last) and is focused.
 */
export async function openSqlCell(doc: NotebookDoc | undefined, sql: string, after?: string): Promise<string | undefined> {
  if (!doc) return undefined;
  const id = newCellId('sql');
  const index = after === undefined ? doc.cells.length : doc.cells.findIndex((c) => c.id === after) + 1;
  doc.insert({ kind: 'sql', id, sql }, index > 0 ? index : doc.cells.length);
  // The cell registers its runner once it is mounted.
  await tick();
  await doc.run(id);
  return id;
}

import type { Toasts } from '../ui/toasts.svelte';
import { formatCount } from '../ui/format';
import type { PageLoader } from './page-cache';
import { copyPlan, rectCols, rectRows, type Rect } from './selection';
import { toTsv } from './tsv';

/** A copy holds at most this many cells: enough for a spreadsheet paste, small enough to stay responsive. */
export const COPY_CAP = 100_000;

/** What a copy reads: the result's rows and columns, and the selection when there is one. */
export interface CopySource {
  loader: PageLoader<unknown[]>;
  columns: readonly { name: string }[];
  rowCount: number;
  selection: Rect | undefined;
  /** Rows copied when nothing is selected. */
  firstRows: number;
  /** A first line of column names (Copy with headers), or the values alone (Copy). */
  headers: boolean;
}

async function writeClipboard(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // The async clipboard can refuse (no focus, no permission); the old command still works in a user gesture.
    const area = document.createElement('textarea');
    area.value = text;
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.append(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    if (!ok) throw new Error('The clipboard is not available here');
  }
}

/** Copies cells to the clipboard as TSV, one copy at a time, and says in a toast how much was copied. */
export class CellCopier {
  copying = $state(false);

  constructor(private readonly toasts: Toasts) {}

  /** Copies the selected cells as TSV, or the first rows when nothing is selected; with a header row when asked. */
  async copy({ loader, columns, rowCount, selection, firstRows, headers }: CopySource): Promise<void> {
    if (this.copying) return;
    const toasts = this.toasts;
    const whole = !selection;
    const rect = selection ?? { top: 0, left: 0, bottom: Math.min(rowCount, firstRows) - 1, right: columns.length - 1 };
    if (rect.bottom < rect.top || columns.length === 0) {
      toasts.show('info', 'Nothing to copy', 'This result has no rows.');
      return;
    }
    const plan = copyPlan(rect, COPY_CAP);
    this.copying = true;
    try {
      const fetched = await loader.rows(rect.top, plan.end);
      const values = fetched.map((r) => r.slice(rect.left, rect.right + 1));
      const names = headers ? columns.slice(rect.left, rect.right + 1).map((c) => c.name) : undefined;
      await writeClipboard(toTsv(values, names));
      const cols = rectCols(rect);
      const shape = `${formatCount(values.length)} ${values.length === 1 ? 'row' : 'rows'} × ${cols} ${cols === 1 ? 'column' : 'columns'}`;
      if (plan.truncated)
        toasts.show(
          'info',
          `Copied the first ${formatCount(values.length)} of ${formatCount(rectRows(rect))} rows`,
          `A copy holds at most ${formatCount(COPY_CAP)} cells; use Export CSV for the whole result.`,
        );
      else if (whole && rowCount > values.length)
        toasts.show(
          'success',
          `Copied the first ${formatCount(values.length)} rows`,
          `${shape}${names ? ', with column names' : ''}. Select cells (click, Shift+click) to copy others.`,
        );
      else
        toasts.show(
          'success',
          `Copied ${shape}`,
          `Tab-separated${names ? ', with column names' : ''}: paste into a spreadsheet.`,
        );
    } catch (error) {
      toasts.show('error', 'Could not copy', error instanceof Error ? error.message : String(error));
    } finally {
      this.copying = false;
    }
  }
}

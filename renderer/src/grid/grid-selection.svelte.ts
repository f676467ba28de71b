import { moveBy, rectOf, type CellPos } from './selection';

/** What the keyboard needs from the rest of the grid. */
export interface KeyboardNav {
  /** Copies the selection (Ctrl+C). */
  copy: () => void;
  /** Rows a Page Down moves. */
  pageRows: number;
  /** The first row in view: where the arrows start when no cell is active. */
  topRow: number;
  /** Scrolls a cell into view. */
  reveal: (pos: CellPos) => void;
}

/** The cell under a pointer event's target, by the row's `data-row` and the cell's `data-col`. */
function cellAt(target: EventTarget | null): CellPos | undefined {
  const cell = (target as HTMLElement | null)?.closest<HTMLElement>('[data-col]');
  const row = cell?.closest<HTMLElement>('[data-row]');
  if (!cell || !row) return undefined;
  return { row: Number(row.dataset.row), col: Number(cell.dataset.col) };
}

/**
 * The selected cells: a rectangle from the anchor (where the selection started) to the focus (the active cell),
 * made with the pointer (click, Shift+click, drag; a row number selects its row, a header its column) or the keys.
 */
export class GridSelection {
  anchor = $state<CellPos>();
  focus = $state<CellPos>();
  readonly rect = $derived(this.anchor && this.focus ? rectOf(this.anchor, this.focus) : undefined);
  private dragging = false;

  constructor(
    private readonly size: () => { rows: number; cols: number },
    /** Focuses the grid, so the keys act on it, without scrolling it. */
    private readonly focusGrid: () => void,
  ) {}

  clear(): void {
    this.anchor = this.focus = undefined;
  }

  pointerdown(e: PointerEvent): void {
    if (e.button !== 0) return;
    const { cols } = this.size();
    const rowHead = (e.target as HTMLElement).closest<HTMLElement>('[data-row-number]');
    if (rowHead) {
      const row = Number(rowHead.dataset.rowNumber);
      if (e.shiftKey && this.anchor) this.focus = { row, col: cols - 1 };
      else {
        this.anchor = { row, col: 0 };
        this.focus = { row, col: cols - 1 };
      }
      this.focusGrid();
      return;
    }
    const pos = cellAt(e.target);
    if (!pos) return;
    if (e.shiftKey && this.anchor) this.focus = pos;
    else this.anchor = this.focus = pos;
    this.dragging = true;
    this.focusGrid();
  }

  /** Extends the selection while the pointer drags across cells. */
  pointermove(e: PointerEvent): void {
    if (!this.dragging || !(e.buttons & 1)) return;
    const pos = cellAt(e.target);
    if (pos && (pos.row !== this.focus?.row || pos.col !== this.focus?.col)) this.focus = pos;
  }

  pointerup(): void {
    this.dragging = false;
  }

  selectColumn(col: number, extend: boolean): void {
    const { rows } = this.size();
    if (rows === 0) return;
    if (extend && this.anchor) this.focus = { row: rows - 1, col };
    else {
      this.anchor = { row: 0, col };
      this.focus = { row: rows - 1, col };
    }
    this.focusGrid();
  }

  selectAll(): void {
    const { rows, cols } = this.size();
    if (rows === 0 || cols === 0) return;
    this.anchor = { row: 0, col: 0 };
    this.focus = { row: rows - 1, col: cols - 1 };
  }

  /** Ctrl+C copies, Ctrl+A selects all, Escape clears; the arrows, Page Up/Down, Home and End move (Shift extends). */
  keydown(e: KeyboardEvent, nav: KeyboardNav): void {
    const mod = e.ctrlKey || e.metaKey;
    if (mod && e.key.toLowerCase() === 'c') {
      e.preventDefault();
      nav.copy();
      return;
    }
    if (mod && e.key.toLowerCase() === 'a') {
      e.preventDefault();
      this.selectAll();
      return;
    }
    if (e.key === 'Escape' && this.anchor) {
      e.stopPropagation();
      this.clear();
      return;
    }
    const { rows, cols } = this.size();
    const page = nav.pageRows;
    const steps: Record<string, [number, number]> = {
      ArrowDown: [1, 0],
      ArrowUp: [-1, 0],
      ArrowLeft: [0, -1],
      ArrowRight: [0, 1],
      PageDown: [page, 0],
      PageUp: [-page, 0],
      Home: mod ? [-rows, 0] : [0, -cols],
      End: mod ? [rows, 0] : [0, cols],
    };
    const step = steps[e.key];
    if (!step || rows === 0) return;
    e.preventDefault();
    const from = this.focus ?? { row: nav.topRow, col: 0 };
    const to = moveBy(from, step[0], step[1], rows, cols);
    if (e.shiftKey && this.anchor) this.focus = to;
    else this.anchor = this.focus = to;
    nav.reveal(to);
  }
}

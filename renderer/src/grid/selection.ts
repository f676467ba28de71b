/** A rectangular selection of grid cells, by row index and column index, both ends inclusive. */
export interface CellPos {
  row: number;
  col: number;
}

export interface Rect {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

export function rectOf(anchor: CellPos, focus: CellPos): Rect {
  return {
    top: Math.min(anchor.row, focus.row),
    bottom: Math.max(anchor.row, focus.row),
    left: Math.min(anchor.col, focus.col),
    right: Math.max(anchor.col, focus.col),
  };
}

export function contains(rect: Rect, row: number, col: number): boolean {
  return row >= rect.top && row <= rect.bottom && col >= rect.left && col <= rect.right;
}

export function rectRows(rect: Rect): number {
  return rect.bottom - rect.top + 1;
}

export function rectCols(rect: Rect): number {
  return rect.right - rect.left + 1;
}

/** A position moved by a step, kept inside the grid. */
export function moveBy(pos: CellPos, rows: number, cols: number, rowCount: number, colCount: number): CellPos {
  return {
    row: Math.min(Math.max(0, rowCount - 1), Math.max(0, pos.row + rows)),
    col: Math.min(Math.max(0, colCount - 1), Math.max(0, pos.col + cols)),
  };
}

export interface CopyPlan {
  /** Rows to copy: top..end-1. */
  end: number;
  rows: number;
  cells: number;
  /** Whether the cap cut the selection short. */
  truncated: boolean;
}

/** How much of a selection to copy: whole rows, at most `cap` cells. */
export function copyPlan(rect: Rect, cap: number): CopyPlan {
  const cols = rectCols(rect);
  const wanted = rectRows(rect);
  const rows = Math.max(1, Math.min(wanted, Math.floor(cap / cols)));
  return { end: rect.top + rows, rows, cells: rows * cols, truncated: rows < wanted };
}

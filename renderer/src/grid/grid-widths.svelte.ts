import type { CellResult } from '../notebook/notebook.svelte';
import { columnWidth } from './columns';
import { cellText } from './cell-text';

type Column = CellResult['columns'][number];
type Row = unknown[];

/** How far a column can be narrowed by hand. */
const MIN_RESIZE = 48;
/** Rows of the first page the widths are fitted to (with the widest values across the result, from the engine). */
const FIT_ROWS = 200;

/**
 * Column widths: fitted from the header first, then once more from the first page of values, so columns settle
 * once. After that a number column only grows, when a longer number scrolls into view: a cut-off number reads as a
 * different number, a cut-off text does not. A column the user sized by hand is left as it is.
 */
export class ColumnWidths {
  widths = $state<number[]>([]);
  private fittedToRows = false;
  /** Longest value (in characters) seen per column, so growing number columns measures only what is new. */
  private longest: number[] = [];
  /** Columns the user sized by hand: left as they are. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, nothing renders from it
  private resized = new Set<number>();
  /** The widest value of each column across the result, as the engine found it; fitted to with the first rows. */
  private widest: readonly unknown[] = [];
  private resizing: { col: number; startX: number; startWidth: number } | undefined;
  private canvas: CanvasRenderingContext2D | null | undefined;
  private measuring: ReturnType<ColumnWidths['makeMeasures']> | undefined;

  /** `element` gives the fonts the cells are drawn in. */
  constructor(private readonly element: () => HTMLElement | undefined) {}

  /** The sum of the columns' widths. */
  readonly total = $derived(this.widths.reduce((a, b) => a + b, 0));

  /** A new result: fitted again to its first rows, and no column kept from being resized. */
  reset(): void {
    this.fittedToRows = false;
    this.widest = [];
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, nothing renders from it
    this.resized = new Set();
  }

  /** A column's edges in the row, after the row-number column `pinned` wide. */
  span(col: number, pinned: number): { left: number; right: number } {
    const left = pinned + this.widths.slice(0, col).reduce((a, b) => a + b, 0);
    return { left, right: left + (this.widths[col] ?? 0) };
  }

  /**
   * Fits the widths to the header and the first rows held (`row(i)`), until rows have been seen; after that grows
   * number columns to the longer values among the rows in view.
   */
  update(
    cols: Column[],
    rowCount: number,
    row: (index: number) => Row | undefined,
    visible: readonly { row: Row | undefined }[],
  ): void {
    if (!this.element()) return;
    if (this.widths.length !== cols.length || !this.fittedToRows) {
      const sample: Row[] = [];
      for (let i = 0; i < Math.min(rowCount, FIT_ROWS); i++) {
        const held = row(i);
        if (held) sample.push(held);
      }
      if (this.widths.length === cols.length && sample.length === 0) return;
      this.widths = this.fit(cols, sample);
      this.fittedToRows = sample.length > 0;
      this.longest = cols.map((_, c) => Math.max(0, ...sample.map((r) => cellText(r[c], cols[c]?.numeric).length)));
      return;
    }
    let grown: number[] | undefined;
    cols.forEach((column, c) => {
      if (!column.numeric || this.resized.has(c)) return;
      for (const { row: held } of visible) {
        const value = held ? cellText(held[c], column.numeric) : '';
        if (value.length <= (this.longest[c] ?? 0)) continue;
        this.longest[c] = value.length;
        const width = columnWidth(column.name, column.type, [value], this.measures());
        if (width > ((grown ?? this.widths)[c] ?? 0)) (grown ??= [...this.widths])[c] = width;
      }
    });
    if (grown) this.widths = grown;
  }

  /**
   * Widens columns to the widest values the engine found across the whole result (query.widest), beyond the rows
   * fetched so far; never narrows, and leaves alone a column sized by hand.
   */
  widen(cols: Column[], values: readonly unknown[]): void {
    this.widest = values;
    if (!this.element() || this.widths.length !== cols.length) return;
    let grown: number[] | undefined;
    cols.forEach((column, c) => {
      if (this.resized.has(c) || c >= values.length) return;
      const text = cellText(values[c], column.numeric);
      this.longest[c] = Math.max(this.longest[c] ?? 0, text.length);
      const width = columnWidth(column.name, column.type, [text], this.measures());
      if (width > ((grown ?? this.widths)[c] ?? 0)) (grown ??= [...this.widths])[c] = width;
    });
    if (grown) this.widths = grown;
  }

  startResize(e: PointerEvent, col: number): void {
    e.preventDefault();
    e.stopPropagation();
    (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
    this.resizing = { col, startX: e.clientX, startWidth: this.widths[col] ?? 100 };
    this.resized.add(col);
  }

  /** Follows the pointer while a column is resized; false when none is. */
  moveResize(e: PointerEvent): boolean {
    if (!this.resizing) return false;
    const next = [...this.widths];
    next[this.resizing.col] = Math.max(MIN_RESIZE, Math.round(this.resizing.startWidth + e.clientX - this.resizing.startX));
    this.widths = next;
    return true;
  }

  endResize(): void {
    this.resizing = undefined;
  }

  private fit(cols: Column[], sample: Row[]): number[] {
    const measure = this.measures();
    return cols.map((c, i) =>
      columnWidth(
        c.name,
        c.type,
        [
          ...sample.map((r) => cellText(r[i], c.numeric)),
          ...(i < this.widest.length ? [cellText(this.widest[i], c.numeric)] : []),
        ],
        measure,
      ),
    );
  }

  private measures() {
    return (this.measuring ??= this.makeMeasures());
  }

  private makeMeasures() {
    const grid = this.element();
    const family = grid ? getComputedStyle(grid).fontFamily : 'sans-serif';
    const mono = grid ? getComputedStyle(grid).getPropertyValue('--font-mono') : 'monospace';
    return {
      // Beside the name, a sort arrow; beside the type, the filter and profile buttons (GridHeader).
      header: this.measurer(`600 12px ${family}`, 16),
      type: this.measurer(`11px ${mono}`, 42),
      value: this.measurer(`13px ${family}`),
    };
  }

  private measurer(font: string, beside = 0) {
    this.canvas ??= document.createElement('canvas').getContext('2d');
    return (text: string) => {
      if (!this.canvas) return text.length * 7 + beside;
      this.canvas.font = font;
      return this.canvas.measureText(text).width + beside;
    };
  }
}

import { isScaled, maxVirtual, revealRow, scrollSpace, toScroll, toVirtual, visibleRows } from './scroll-scale';

/** The header row's height: the rows scroll in what is left of the grid's height. */
export const HEADER_HEIGHT = 44;
/** Rows rendered above and below the viewport, so a small scroll shows no blank before the next frame. */
const OVERSCAN = 3;

/**
 * The grid's vertical scrolling: which rows are in view and where they are drawn. Past the browser's limit on an
 * element's height the scroll position is scaled (scroll-scale.ts): `scrollTop` is what the element has, `virtual`
 * the offset into the full content it shows, and the two differ.
 */
export class GridScroll {
  element = $state<HTMLDivElement>();
  rowHeight = $state(28);
  clientHeight = $state(0);
  clientWidth = $state(0);
  /** Height the horizontal scrollbar takes from the rows. */
  scrollbarX = $state(0);
  /** The scrollTop the element has, and the content offset it shows (they differ once scaled). */
  scrollTop = $state(0);
  virtual = $state(0);
  /** A scrollTop we set ourselves; its scroll event must not re-derive the offset we chose. */
  private ownScrollTop: number | undefined;

  readonly viewport = $derived(Math.max(this.rowHeight, this.clientHeight - HEADER_HEIGHT));
  readonly space = $derived.by(() => scrollSpace(this.rowCount(), this.rowHeight, this.viewport));
  readonly shown = $derived(visibleRows(this.space, this.virtual));
  readonly renderFirst = $derived(Math.max(0, this.shown.first - OVERSCAN));
  readonly renderEnd = $derived.by(() => Math.min(this.rowCount(), this.shown.end + OVERSCAN));
  /** Where the rendered rows start inside the spacer: the viewport's top plus the first row's offset. */
  readonly layerTop = $derived(this.scrollTop + this.shown.offset - (this.shown.first - this.renderFirst) * this.rowHeight);
  /** Height of all rows, or of two rows' room for "No rows". */
  readonly bodyHeight = $derived.by(() => {
    const count = this.rowCount();
    return count === 0 ? this.rowHeight * 2 : count * this.rowHeight;
  });

  constructor(private readonly rowCount: () => number) {}

  /** Back to the top, for a new result. */
  reset(): void {
    this.virtual = 0;
    if (this.element) this.element.scrollTop = 0;
  }

  /** The row height the stylesheet gives (`--row-height`). */
  measureRowHeight(): void {
    if (!this.element) return;
    const value = parseFloat(getComputedStyle(this.element).getPropertyValue('--row-height'));
    if (value > 0) this.rowHeight = value;
  }

  /** The horizontal scrollbar takes height from the rows; measured so short results show every row. */
  measureScrollbar(): void {
    if (this.element) this.scrollbarX = this.element.offsetHeight - this.element.clientHeight;
  }

  setVirtual(next: number): void {
    const grid = this.element;
    if (!grid) return;
    this.virtual = Math.min(maxVirtual(this.space), Math.max(0, next));
    const target = Math.round(toScroll(this.space, this.virtual));
    if (grid.scrollTop !== target) {
      grid.scrollTop = target;
      // Read back: at fractional device pixel ratios the browser snaps scrollTop to device pixels.
      this.ownScrollTop = grid.scrollTop;
    }
    this.scrollTop = grid.scrollTop;
  }

  onscroll = (): void => {
    const grid = this.element;
    if (!grid) return;
    const top = grid.scrollTop;
    if (top !== this.scrollTop) {
      if (this.ownScrollTop === undefined || Math.abs(top - this.ownScrollTop) >= 1) {
        this.virtual = toVirtual(this.space, top);
      }
      this.ownScrollTop = undefined;
      this.scrollTop = top;
    }
  };

  /**
   * Listens to the wheel on the element, returning the removal. Wheel events are taken over only when scaled: one
   * wheel notch then moves a few rows, not dozens.
   */
  listenToWheel(el: HTMLElement): () => void {
    const onwheel = (e: WheelEvent) => {
      if (!isScaled(this.space) || e.ctrlKey) return;
      const unit = e.deltaMode === 1 ? this.rowHeight : e.deltaMode === 2 ? this.viewport : 1;
      const dy = (e.shiftKey && !e.deltaX ? 0 : e.deltaY) * unit;
      const dx = (e.shiftKey && !e.deltaX ? e.deltaY : e.deltaX) * unit;
      e.preventDefault();
      if (dx) el.scrollLeft += dx;
      if (dy) this.setVirtual(this.virtual + dy);
    };
    el.addEventListener('wheel', onwheel, { passive: false });
    return () => el.removeEventListener('wheel', onwheel);
  }

  /**
   * Scrolls a cell into view, moving as little as possible: its row, and its column given by its left and right
   * edges in the row (the sticky row-number column, `pinned` wide, covers the left of the view).
   */
  reveal(row: number, column: { left: number; right: number }, pinned: number): void {
    this.setVirtual(revealRow(this.space, this.virtual, row));
    const grid = this.element;
    if (!grid) return;
    const { left, right } = column;
    if (left - pinned < grid.scrollLeft) grid.scrollLeft = left - pinned;
    else if (right > grid.scrollLeft + grid.clientWidth) grid.scrollLeft = right - grid.clientWidth;
  }
}

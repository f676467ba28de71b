/**
 * The scroll space of a virtualized grid over millions of rows.
 *
 * Browsers cap how tall an element can be (Chrome near 33.5M px, Firefox near 17.9M px); ten million rows
 * of 28 px need 280M px. So the scrolling spacer is capped at a safe height and the scroll position maps
 * proportionally onto the full content: the top of the spacer is the first row, the bottom is the last row,
 * and the rows in view are drawn relative to the viewport. Below the cap the mapping is the identity, so
 * ordinary results scroll exactly as the browser would.
 */

/** Well under every browser's limit, and small enough that float32 layer offsets stay within half a pixel. */
export const MAX_SCROLL_HEIGHT = 8_000_000;

export interface ScrollSpace {
  rowCount: number;
  rowHeight: number;
  /** Height of the area the rows are drawn in. */
  viewport: number;
  /** Full height of all rows. */
  content: number;
  /** Height of the element that scrolls: the content, capped. */
  spacer: number;
}

export function scrollSpace(rowCount: number, rowHeight: number, viewport: number, max = MAX_SCROLL_HEIGHT): ScrollSpace {
  const content = Math.max(0, rowCount) * rowHeight;
  return { rowCount: Math.max(0, rowCount), rowHeight, viewport: Math.max(0, viewport), content, spacer: Math.min(content, max) };
}

/** Whether the scroll position is scaled (the content is taller than the spacer). */
export function isScaled(space: ScrollSpace): boolean {
  return space.content > space.spacer;
}

/** The largest scrollTop the spacer allows. */
export function maxScroll(space: ScrollSpace): number {
  return Math.max(0, space.spacer - space.viewport);
}

/** The largest offset into the content: the last row's bottom at the viewport's bottom. */
export function maxVirtual(space: ScrollSpace): number {
  return Math.max(0, space.content - space.viewport);
}

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));

/** The offset into the full content (px) shown at the top of the viewport for a scrollTop. */
export function toVirtual(space: ScrollSpace, scrollTop: number): number {
  const scroll = maxScroll(space);
  if (scroll === 0) return 0;
  const top = clamp(scrollTop, 0, scroll);
  if (!isScaled(space)) return top;
  return (top * maxVirtual(space)) / scroll;
}

/** The scrollTop that shows a content offset: the inverse of toVirtual. */
export function toScroll(space: ScrollSpace, virtual: number): number {
  const high = maxVirtual(space);
  if (high === 0) return 0;
  const offset = clamp(virtual, 0, high);
  if (!isScaled(space)) return offset;
  return (offset * maxScroll(space)) / high;
}

export interface VisibleRows {
  /** First row index in view (inclusive). */
  first: number;
  /** One past the last row index in view. */
  end: number;
  /** Where the first row's top is, relative to the viewport's top (0 or negative). */
  offset: number;
}

/** The rows a content offset shows, with where the first one starts. */
export function visibleRows(space: ScrollSpace, virtual: number): VisibleRows {
  if (space.rowCount === 0 || space.rowHeight <= 0) return { first: 0, end: 0, offset: 0 };
  const top = clamp(virtual, 0, maxVirtual(space));
  const first = Math.min(space.rowCount - 1, Math.floor(top / space.rowHeight));
  const offset = first * space.rowHeight - top;
  const count = Math.ceil((space.viewport - offset) / space.rowHeight);
  return { first, end: Math.min(space.rowCount, first + Math.max(1, count)), offset };
}

/** The content offset that brings a row fully into view, moving as little as possible. */
export function revealRow(space: ScrollSpace, virtual: number, row: number): number {
  const top = row * space.rowHeight;
  const bottom = top + space.rowHeight;
  if (top < virtual) return clamp(top, 0, maxVirtual(space));
  if (bottom > virtual + space.viewport) return clamp(bottom - space.viewport, 0, maxVirtual(space));
  return virtual;
}

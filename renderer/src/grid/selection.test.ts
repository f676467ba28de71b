import { describe, expect, it } from 'vitest';
import { contains, copyPlan, moveBy, rectCols, rectOf, rectRows } from './selection';

describe('selection', () => {
  it('normalizes a range dragged in any direction', () => {
    expect(rectOf({ row: 10, col: 3 }, { row: 2, col: 1 })).toEqual({ top: 2, bottom: 10, left: 1, right: 3 });
    const r = rectOf({ row: 2, col: 1 }, { row: 10, col: 3 });
    expect(rectRows(r)).toBe(9);
    expect(rectCols(r)).toBe(3);
    expect(contains(r, 2, 1)).toBe(true);
    expect(contains(r, 10, 3)).toBe(true);
    expect(contains(r, 11, 3)).toBe(false);
    expect(contains(r, 5, 0)).toBe(false);
  });

  it('moves within the grid', () => {
    expect(moveBy({ row: 0, col: 0 }, -1, -1, 100, 5)).toEqual({ row: 0, col: 0 });
    expect(moveBy({ row: 98, col: 4 }, 10, 1, 100, 5)).toEqual({ row: 99, col: 4 });
    expect(moveBy({ row: 5, col: 2 }, 1, -1, 100, 5)).toEqual({ row: 6, col: 1 });
  });

  it('copies whole rows up to the cell cap', () => {
    // 3 columns × 10 rows = 30 cells, under the cap.
    expect(copyPlan({ top: 5, bottom: 14, left: 0, right: 2 }, 100)).toEqual({ end: 15, rows: 10, cells: 30, truncated: false });
    // A whole 10,000,000-row column of 3 columns: 100,000 / 3 = 33,333 rows.
    expect(copyPlan({ top: 0, bottom: 9_999_999, left: 0, right: 2 }, 100_000)).toEqual({
      end: 33_333,
      rows: 33_333,
      cells: 99_999,
      truncated: true,
    });
    // More columns than the cap still copies one row.
    expect(copyPlan({ top: 0, bottom: 3, left: 0, right: 199 }, 100)).toEqual({ end: 1, rows: 1, cells: 200, truncated: true });
  });
});

import { describe, expect, it } from 'vitest';
import { isScaled, maxScroll, maxVirtual, revealRow, scrollSpace, toScroll, toVirtual, visibleRows } from './scroll-scale';

// Ten million rows of 28 px in a 392 px viewport with an 8,000,000 px spacer:
// content 280,000,000 px; scrollTop runs 0..7,999,608 and the content offset 0..279,999,608.
const big = scrollSpace(10_000_000, 28, 392, 8_000_000);

describe('scaled scroll space (10,000,000 rows)', () => {
  it('caps the spacer and scales', () => {
    expect(big.content).toBe(280_000_000);
    expect(big.spacer).toBe(8_000_000);
    expect(isScaled(big)).toBe(true);
    expect(maxScroll(big)).toBe(7_999_608);
    expect(maxVirtual(big)).toBe(279_999_608);
  });

  it('shows the first row at the top', () => {
    expect(toVirtual(big, 0)).toBe(0);
    expect(visibleRows(big, 0)).toEqual({ first: 0, end: 14, offset: 0 });
  });

  it('reaches the last row at the bottom, its bottom edge on the viewport bottom', () => {
    const v = toVirtual(big, 7_999_608);
    expect(v).toBe(279_999_608);
    // 279,999,608 / 28 = 9,999,986 exactly: rows 9,999,986..9,999,999 fill the 14 rows of the viewport.
    expect(visibleRows(big, v)).toEqual({ first: 9_999_986, end: 10_000_000, offset: 0 });
    // Scrolling past the end (overscroll, stale scrollTop) stays at the end.
    expect(toVirtual(big, 9_000_000)).toBe(279_999_608);
  });

  it('maps the middle of the scrollbar to the middle of the rows', () => {
    // Half of 7,999,608 is 3,999,804, and half of 279,999,608 is 139,999,804 = 4,999,993 × 28.
    const v = toVirtual(big, 3_999_804);
    expect(v).toBe(139_999_804);
    expect(visibleRows(big, v).first).toBe(4_999_993);
  });

  it('is monotonic in scrollTop', () => {
    let previous = -1;
    let previousRow = -1;
    for (let s = 0; s <= 7_999_608; s += 9_973) {
      const v = toVirtual(big, s);
      const { first } = visibleRows(big, v);
      expect(v).toBeGreaterThan(previous);
      expect(first).toBeGreaterThanOrEqual(previousRow);
      previous = v;
      previousRow = first;
    }
  });

  it('round-trips scrollTop → offset → scrollTop', () => {
    for (const s of [0, 1, 2, 27, 28, 1_000, 123_457, 3_999_804, 7_999_607, 7_999_608]) {
      expect(toScroll(big, toVirtual(big, s))).toBeCloseTo(s, 6);
      expect(Math.round(toScroll(big, toVirtual(big, s)))).toBe(s);
    }
    expect(toScroll(big, 279_999_608)).toBe(7_999_608);
    expect(toScroll(big, 0)).toBe(0);
  });

  it('brings any row into view through the content offset', () => {
    for (const row of [0, 1, 13, 14, 5_000_000, 9_999_985, 9_999_999]) {
      const v = revealRow(big, 0, row);
      const shown = visibleRows(big, v);
      expect(row).toBeGreaterThanOrEqual(shown.first);
      expect(row).toBeLessThan(shown.end);
    }
    // The last row, revealed from the top, is aligned to the bottom: offset 279,999,608.
    expect(revealRow(big, 0, 9_999_999)).toBe(279_999_608);
  });
});

describe('unscaled scroll space', () => {
  const small = scrollSpace(100, 28, 392, 8_000_000);

  it('is the identity below the cap', () => {
    expect(isScaled(small)).toBe(false);
    expect(small.spacer).toBe(2_800);
    expect(toVirtual(small, 0)).toBe(0);
    expect(toVirtual(small, 40)).toBe(40);
    expect(toScroll(small, 40)).toBe(40);
    // 2,800 - 392
    expect(toVirtual(small, 5_000)).toBe(2_408);
  });

  it('offsets a partly scrolled first row', () => {
    // 40 px down: row 1 starts 12 px above the viewport, and 15 rows cover 392 + 12 px.
    expect(visibleRows(small, 40)).toEqual({ first: 1, end: 16, offset: -12 });
  });

  it('ends on the last row', () => {
    // 2,408 / 28 = 86: rows 86..99.
    expect(visibleRows(small, toVirtual(small, 2_408))).toEqual({ first: 86, end: 100, offset: 0 });
  });

  it('reveals a row with the least movement', () => {
    expect(revealRow(small, 0, 3)).toBe(0);
    // Row 20's bottom is at 588; 588 - 392 = 196.
    expect(revealRow(small, 0, 20)).toBe(196);
    // Row 2 is above an offset of 100: its top, 56.
    expect(revealRow(small, 100, 2)).toBe(56);
  });
});

describe('short and empty results', () => {
  it('shows every row when they fit', () => {
    const five = scrollSpace(5, 28, 392);
    expect(maxScroll(five)).toBe(0);
    expect(toVirtual(five, 100)).toBe(0);
    expect(visibleRows(five, 0)).toEqual({ first: 0, end: 5, offset: 0 });
  });

  it('shows nothing for no rows', () => {
    const none = scrollSpace(0, 28, 392);
    expect(toVirtual(none, 10)).toBe(0);
    expect(toScroll(none, 10)).toBe(0);
    expect(visibleRows(none, 0)).toEqual({ first: 0, end: 0, offset: 0 });
  });
});

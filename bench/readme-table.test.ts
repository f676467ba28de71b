import { describe, expect, it } from 'vitest';
import { mergeRows, parseTable, renderTable } from './readme-table.js';
import type { Figure } from './report.js';

const figure = (section: string, name: string, value: number): Figure => ({ section, name, value, unit: 's' });

describe("the README's bench table", () => {
  it("replaces the rows of the sections a run measured and keeps the others'", () => {
    const before = renderTable([
      ['lake', 'import', '3 s', '', '', '', '2026-12-01'],
      ['batch', 'full run', '9 s', '', '', '', '2026-12-01'],
    ]);
    const rows = mergeRows(parseTable(before), [figure('batch', 'full run', 8.5), figure('batch', 're-run', 0.07)], '2026-12-07');
    expect(rows).toEqual([
      ['lake', 'import', '3 s', '', '', '', '2026-12-01'],
      ['batch', 'full run', '8.5 s', '', '', '', '2026-12-07'],
      ['batch', 're-run', '0.07 s', '', '', '', '2026-12-07'],
    ]);
    expect(parseTable(renderTable(rows))).toEqual(rows);
  });
});

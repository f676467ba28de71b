import { describe, expect, it } from 'vitest';
import {
  basename,
  formatDateRange,
  importName,
  nextNotebookName,
  notebookNameProblem,
  partitionsSummary,
  shortPartition,
  sparkBars,
  timeZoneGroups,
} from './lake';

describe('basename', () => {
  it('takes the last part of POSIX and Windows paths', () => {
    expect(basename('/tmp/uploads/abc/events.ndjson')).toBe('events.ndjson');
    expect(basename('C:\\data\\events.csv.gz')).toBe('events.csv.gz');
    expect(basename('/work/shop/')).toBe('shop');
  });
});

describe('importName', () => {
  it('drops the upload prefix of browser-mode uploads only', () => {
    expect(importName('/ws/.tmp/uploads/8b2c2b0f-big-week.ndjson')).toBe('big-week.ndjson');
    expect(importName('/data/8b2c2b0f-big-week.ndjson')).toBe('8b2c2b0f-big-week.ndjson');
    expect(importName('/ws/.tmp/uploads/events.ndjson')).toBe('events.ndjson');
  });
});

describe('formatDateRange', () => {
  it('names the year once within a year, twice across years', () => {
    expect(formatDateRange('2026-10-28', '2026-11-25')).toBe('Oct 28 – Nov 25, 2026');
    expect(formatDateRange('2025-12-28', '2026-01-03')).toBe('Dec 28, 2025 – Jan 3, 2026');
    expect(formatDateRange('2026-11-03', '2026-11-03')).toBe('Nov 3, 2026');
  });
  it('summarizes an import’s partitions', () => {
    expect(partitionsSummary(['2026-11-11', '2026-11-10'])).toBe('Nov 10 – Nov 11, 2026 (2 days)');
    expect(partitionsSummary(['2026-11-10'])).toBe('Nov 10, 2026');
    expect(partitionsSummary([])).toBe('—');
  });
});

describe('sparkBars', () => {
  it('gives each day a slot, keeps gaps, and scales to the busiest day', () => {
    // Four days in 100px: 25px slots, 24px bars with the 1px gap; the max is 200 events.
    const bars = sparkBars(
      [
        { event_date: '2026-11-01', events: 200 },
        { event_date: '2026-11-02', events: 100 },
        { event_date: '2026-11-04', events: 50 },
      ],
      100,
      40,
    );
    expect(bars.map((b) => [b.date, b.events, b.x, b.width, b.height, b.y])).toEqual([
      ['2026-11-01', 200, 0, 24, 40, 0],
      ['2026-11-02', 100, 25, 24, 20, 20],
      ['2026-11-03', 0, 50, 24, 0, 40],
      ['2026-11-04', 50, 75, 24, 10, 30],
    ]);
  });
  it('keeps a quiet day visible', () => {
    const bars = sparkBars(
      [
        { event_date: '2026-11-01', events: 10_000 },
        { event_date: '2026-11-02', events: 1 },
      ],
      10,
      20,
    );
    expect(bars[1]?.height).toBe(1);
  });
  it('is empty for an empty lake', () => {
    expect(sparkBars([], 100, 40)).toEqual([]);
  });
});

describe('notebook names', () => {
  it('accepts what the engine accepts, and no duplicates', () => {
    expect(notebookNameProblem('Weekly report 2', ['Shop overview'])).toBeUndefined();
    expect(notebookNameProblem('  ', [])).toBe('Give the notebook a name');
    expect(notebookNameProblem('a/b', [])).toBe('Use letters, digits, spaces, dots, dashes or underscores');
    expect(notebookNameProblem('.hidden', [])).toBe('Use letters, digits, spaces, dots, dashes or underscores');
    expect(notebookNameProblem('shop overview', ['Shop overview'])).toBe('A notebook with this name exists');
    expect(notebookNameProblem('Shop overview', ['Shop overview'], 'Shop overview')).toBeUndefined();
  });
  it('suggests the first free "Notebook N"', () => {
    expect(nextNotebookName([])).toBe('Notebook 1');
    expect(nextNotebookName(['Notebook 1', 'notebook 2', 'Notebook 4'])).toBe('Notebook 3');
  });
});

describe('timeZoneGroups', () => {
  it('puts the system zone first and lists every other zone once', () => {
    const { common, other } = timeZoneGroups('Asia/Kolkata', ['Africa/Abidjan', 'Asia/Kolkata', 'UTC', 'Zulu/Test']);
    expect(common[0]).toBe('Asia/Kolkata');
    expect(common.filter((z) => z === 'Asia/Kolkata')).toHaveLength(1);
    expect(common).toContain('Europe/Berlin');
    expect(common).toContain('America/New_York');
    expect(other).toEqual(['Africa/Abidjan', 'Zulu/Test']);
  });
});

describe('shortPartition', () => {
  it('shortens each grain', () => {
    expect(shortPartition('2026-11-09', 'day')).toBe('Nov 9');
    expect(shortPartition('2026-11-02', 'week')).toBe('wk of Nov 2');
    expect(shortPartition('2026-11-01', 'month')).toBe('Nov 2026');
  });
});

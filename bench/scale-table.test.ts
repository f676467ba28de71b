import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCALE_END, SCALE_START, renderScaleTable, writeScaleTable, type ScaleRun } from './scale-table.js';

const run: ScaleRun = {
  small: { events: 1_034_045, days: 37 },
  large: { events: 10_200_000, days: 365 },
  rows: [
    {
      step: 'import',
      small: 4.5,
      large: 40,
      growth: 40 / 4.5,
      target: '≤ 10.36×',
      met: true,
      smallPeakMiB: 700,
      largePeakMiB: 1500,
      memoryMet: true,
    },
    {
      step: 'first rows',
      small: 0.25,
      large: 2.5,
      growth: 10,
      target: '≤ 2×',
      met: false,
      smallPeakMiB: 400,
      largePeakMiB: 9000,
      memoryMet: false,
    },
  ],
};

describe("the README's scale table", () => {
  it('shows each step at both sizes, its growth and peak memory, and whether each target was met', () => {
    expect(renderScaleTable(run, '2026-12-08 00:10 UTC').split('\n')).toEqual([
      'Measured 2026-12-08 00:10 UTC.',
      '',
      '| step       | 1.03M events (37 days) | 10.2M events (365 days) | growth | target            | peak RSS, 1.03M events | peak RSS, 10.2M events | < 8 GiB     |',
      '| ---------- | ---------------------- | ----------------------- | ------ | ----------------- | ---------------------- | ---------------------- | ----------- |',
      '| import     | 4.5 s                  | 40 s                    | 8.89×  | ≤ 10.36×: met     | 700 MiB                | 1,500 MiB              | met         |',
      '| first rows | 0.25 s                 | 2.5 s                   | 10.00× | ≤ 2×: **not met** | 400 MiB                | 9,000 MiB              | **not met** |',
    ]);
  });

  it('replaces only what is between its markers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scale-table-'));
    try {
      const readme = join(dir, 'README.md');
      await writeFile(readme, `# Title\n\nbefore\n\n${SCALE_START}\n\nold table\n\n${SCALE_END}\n\nafter\n`);
      await writeScaleTable(readme, run, '2026-12-08 00:10 UTC');
      const text = await readFile(readme, 'utf8');
      expect(text.startsWith(`# Title\n\nbefore\n\n${SCALE_START}\n\nMeasured 2026-12-08 00:10 UTC.\n\n| step `)).toBe(true);
      expect(text.endsWith(`| **not met** |\n\n${SCALE_END}\n\nafter\n`)).toBe(true);
      expect(text).not.toContain('old table');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails naming the README when it has no markers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scale-table-'));
    try {
      const readme = join(dir, 'README.md');
      await writeFile(readme, '# Title\n');
      await expect(writeScaleTable(readme, run, 'now')).rejects.toThrow(`${readme} has no scale table markers`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

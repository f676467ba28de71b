import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { SCREENSHOTS, openApp, startApp, type RunningApp, type Session } from './harness.js';

/**
 * The chart cell as an analyst uses it on a long result: one line per type, axis titles, one tick format
 * per axis, a histogram split by a column, and the source chosen again without losing the columns.
 * The data comes from SQL formulas, and what the chart must draw is computed here from the same
 * formulas, never read from the app.
 */
const TYPES = [
  { type: 'page_view', base: 9000, k: 0 },
  { type: 'add_to_cart', base: 3000, k: 1 },
  { type: 'order', base: 1200, k: 2 },
  { type: 'payment_failed', base: 80, k: 3 },
];
const DAYS = 14;
// No orders on the sixth and seventh day: that series has no point there.
const noRow = (type: string, d: number) => type === 'order' && (d === 5 || d === 6);
const SPLIT_SQL =
  "SELECT DATE '2026-11-02' + CAST(d.range AS INTEGER) AS day, t.type, t.base + ((d.range * 37 + t.k * 11) % 17) * (t.base // 20) AS n " +
  "FROM range(14) d, (VALUES ('page_view', 9000, 0), ('add_to_cart', 3000, 1), ('order', 1200, 2), ('payment_failed', 80, 3)) t(type, base, k) " +
  "WHERE NOT (t.type = 'order' AND d.range IN (5, 6)) ORDER BY day, t.type";
const HIST_SQL =
  "SELECT CASE WHEN i.range < 400 THEN 'mobile' ELSE 'desktop' END AS device, " +
  '((i.range // 100) + ((i.range // 10) % 10) + (i.range % 10)) AS digit_sum FROM range(1000) i';

interface Drawn {
  label: string;
  points: number;
  total: number;
  counts?: number[];
}

let app: RunningApp;
let session: Session;
let page: Page;

async function addSqlCell(sql: string): Promise<Locator> {
  const before = await page.locator('[data-cell-kind="sql"]').count();
  await page.locator('[data-testid="add-sql"]').last().click();
  const cell = page.locator('[data-cell-kind="sql"]').nth(before);
  const editor = cell.locator('[data-testid="sql-editor"]');
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await editor.pressSequentially(sql);
  await page.keyboard.press('Escape');
  await editor.click();
  await page.keyboard.press('Shift+Enter');
  await cell.locator('[data-testid="row-count"]').waitFor();
  return cell;
}

async function addChart(): Promise<Locator> {
  const before = await page.locator('[data-cell-kind="chart"]').count();
  await page.locator('[data-testid="add-chart"]').last().click();
  // By position, not .last(): a later chart must not take this one's place.
  const chart = page.locator('[data-cell-kind="chart"]').nth(before);
  await chart.locator('[data-testid="chart-canvas"]').waitFor();
  return chart;
}

const drawn = async (chart: Locator): Promise<Drawn[]> =>
  JSON.parse((await chart.locator('[data-testid="chart-plot"]').getAttribute('data-series')) ?? '[]') as Drawn[];

/** Light and dark at 1024 and 1920 px, the cell on its own. */
async function shoot(chart: Locator, name: string) {
  await mkdir(SCREENSHOTS, { recursive: true });
  for (const scheme of ['light', 'dark'] as const)
    for (const width of [1024, 1920]) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width, height: 1000 });
      await chart.scrollIntoViewIfNeeded();
      await page.waitForTimeout(250);
      const box = await chart.locator('[data-testid="chart-canvas"]').boundingBox();
      // A tooltip over the middle of the plot shows values in full.
      if (box) await page.mouse.move(box.x + box.width * 0.55, box.y + box.height * 0.5);
      await page.waitForTimeout(150);
      await chart.screenshot({ path: join(SCREENSHOTS, `chart-${name}-${width}-${scheme}.png`) });
    }
  await page.mouse.move(0, 0);
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1440, height: 900 });
}

beforeAll(async () => {
  app = await startApp();
  session = await openApp(app);
  page = session.page;
  await page.locator('[data-testid="notebook"][data-run-state="done"]').waitFor({ timeout: 90_000 });
});

afterAll(async () => {
  await session?.close();
  await app?.stop();
});

describe('the chart cell', () => {
  let split: Locator;

  it("titles the demo's charts by their columns", async () => {
    const charts = page.locator('[data-cell-kind="chart"]');
    const visits = charts.nth(0);
    expect(await visits.locator('[data-testid="chart-y-title"]').inputValue()).toBe('visits, visitors');
    expect(await visits.locator('[data-testid="chart-x-title"]').inputValue()).toBe('event_date');
    expect(await charts.nth(1).locator('[data-testid="chart-y-title"]').inputValue()).toBe('revenue');
    for (const [i, name] of ['visits', 'revenue'].entries()) {
      await charts.nth(i).scrollIntoViewIfNeeded();
      await charts.nth(i).screenshot({ path: join(SCREENSHOTS, `chart-demo-${name}-1440-light.png`) });
    }
  });

  it('draws a long result as one line per type, each with only its own days', async () => {
    await addSqlCell(SPLIT_SQL);
    split = await addChart();
    expect(await split.locator('[data-testid="chart-x"]').inputValue()).toBe('day');
    expect(await split.locator('[data-testid="chart-split"]').inputValue()).toBe('type');
    const expected = TYPES.map(({ type, base, k }) => {
      const values = Array.from({ length: DAYS }, (_, d) => d)
        .filter((d) => !noRow(type, d))
        .map((d) => base + ((d * 37 + k * 11) % 17) * (base / 20));
      return { label: type, points: values.length, total: values.reduce((a, b) => a + b, 0) };
    }).sort((a, b) => b.total - a.total);
    expect(await drawn(split)).toEqual(expected);
    expect(expected.find((s) => s.label === 'order')?.points).toBe(12);
    // Axis titles are the columns until edited; an edited one is kept.
    expect(await split.locator('[data-testid="chart-x-title"]').inputValue()).toBe('day');
    await split.locator('[data-testid="chart-y-title"]').fill('events per day');
    await split.locator('[data-testid="chart-y-title"]').press('Enter');
    await split.locator('[data-testid="chart-type"]').selectOption('area');
    await split.locator('[data-testid="chart-type"]').selectOption('line');
    expect(await split.locator('[data-testid="chart-y-title"]').inputValue()).toBe('events per day');
    expect(await split.locator('[data-testid="chart-note"]').count()).toBe(0);
    await shoot(split, 'split');
    for (const type of ['bar', 'stacked-bar', 'area']) {
      await split.locator('[data-testid="chart-type"]').selectOption(type);
      expect((await drawn(split)).map((s) => s.points)).toEqual(expected.map((s) => s.points));
      await split.scrollIntoViewIfNeeded();
      await split.screenshot({ path: join(SCREENSHOTS, `chart-split-${type}-1440-light.png`) });
    }
    await split.locator('[data-testid="chart-type"]').selectOption('line');
  });

  it('says so when the same long result is drawn without a split', async () => {
    await split.locator('[data-testid="chart-split"]').selectOption('');
    // 14 days with 4 types, less 2 missing orders: 54 rows on 14 days repeat a day 40 times.
    expect(await split.locator('[data-testid="chart-note"]').innerText()).toBe(
      '40 rows repeat an x value: to draw a line for each value of another column, choose it under Split by.',
    );
    await split.locator('[data-testid="chart-split"]').selectOption('type');
    expect((await drawn(split)).map((s) => s.label)).toEqual(['page_view', 'add_to_cart', 'order', 'payment_failed']);
  });

  it('bins a column into a histogram, split by another, by the Freedman–Diaconis rule', async () => {
    await addSqlCell(HIST_SQL);
    const chart = await addChart();
    await chart.locator('[data-testid="chart-type"]').selectOption('histogram');
    await chart.locator('[data-testid="chart-split"]').selectOption('device');
    // The digit sums of 0…999 have quartiles 10 and 17: 2 · 7 / ∛1000 = 1.4, rounded up to bins 2 wide from 0 to 28.
    expect(await chart.locator('[data-testid="chart-note"]').innerText()).toBe('14 bins 2 wide, by the Freedman–Diaconis rule.');
    const counts = { desktop: new Array<number>(14).fill(0), mobile: new Array<number>(14).fill(0) };
    for (let i = 0; i < 1000; i++) {
      const sum = Math.floor(i / 100) + (Math.floor(i / 10) % 10) + (i % 10);
      counts[i < 400 ? 'mobile' : 'desktop'][Math.floor(sum / 2)]!++;
    }
    expect(await drawn(chart)).toEqual([
      { label: 'desktop', points: 14, total: 600, counts: counts.desktop },
      { label: 'mobile', points: 14, total: 400, counts: counts.mobile },
    ]);
    expect(await chart.locator('[data-testid="chart-x-title"]').inputValue()).toBe('digit_sum');
    expect(await chart.locator('[data-testid="chart-y-title"]').inputValue()).toBe('rows');
    await shoot(chart, 'histogram');

    // Another source and back: the columns come back as they were.
    const source = chart.locator('[data-testid="chart-source"]');
    const own = await source.inputValue();
    const other = await split.locator('[data-testid="chart-source"]').inputValue();
    expect(other).not.toBe(own);
    await source.selectOption(other);
    await expect.poll(async () => (await drawn(chart)).length).toBe(4);
    await source.selectOption(own);
    await expect.poll(async () => (await drawn(chart)).map((s) => s.label)).toEqual(['desktop', 'mobile']);
    expect(await chart.locator('[data-testid="chart-split"]').inputValue()).toBe('device');
    expect(await chart.locator('[data-testid="chart-y"]').innerText()).toContain('digit_sum');
  });

  it('draws a scatter of two number columns', async () => {
    await addSqlCell('SELECT range AS x, (range * range) % 37 AS y FROM range(60)');
    const chart = await addChart();
    await chart.locator('[data-testid="chart-type"]').selectOption('scatter');
    expect(await drawn(chart)).toEqual([
      { label: 'y', points: 60, total: Array.from({ length: 60 }, (_, i) => (i * i) % 37).reduce((a, b) => a + b, 0) },
    ]);
    await chart.scrollIntoViewIfNeeded();
    await chart.screenshot({ path: join(SCREENSHOTS, 'chart-scatter-1440-light.png') });
  });

  it("keeps the split, the histogram and the edited axis title in the notebook's file", async () => {
    await page.locator('[data-testid="save-state"]', { hasText: 'Saved' }).waitFor({ timeout: 20_000 });
    const text = await readFile(join(app.dir, 'notebooks', 'Shop overview.md'), 'utf8');
    expect(text).toMatch(
      /```chart \{"id":"[^"]+","source":"[^"]+","type":"line","x":"day","y":\["n"\],"split":"type","yTitle":"events per day"\}/,
    );
    expect(text).toMatch(
      /```chart \{"id":"[^"]+","source":"[^"]+","type":"histogram","x":"device","y":\["digit_sum"\],"split":"device"\}/,
    );
    expect(session.errors).toEqual([]);
  });
});

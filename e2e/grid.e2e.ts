import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { openApp, screenshot, startApp, type RunningApp, type Session } from './harness.js';

/**
 * The result grid as an analyst explores a result: sort by a header, filter a column, open a column's profile, copy
 * with headers, and read each statement's result of a cell of several. The query's rows are known in closed form, so
 * every expected value is computed here, not read from the app.
 */
const N = 5000;
const FRUITS = ['apple', 'banana', 'cherry', null] as const;
const SQL = `SELECT range AS id, ['apple', 'banana', 'cherry', NULL][range % 4 + 1] AS fruit, (range * 1234.5)::DECIMAL(12,2) AS amount, DATE '2026-01-01' + (range % 30)::INTEGER AS day FROM range(${N})`;
const rows = Array.from({ length: N }, (_, i) => ({
  id: i,
  fruit: FRUITS[i % 4] ?? null,
  /** In cents, exactly. */
  cents: i * 123450,
  day: `2026-01-${String((i % 30) + 1).padStart(2, '0')}`,
}));
/** An amount as the grid shows it: thousands separators, the decimal's two digits. */
const shown = (cents: number) => `${Math.floor(cents / 100).toLocaleString('en-US')}.${String(cents % 100).padStart(2, '0')}`;
const plain = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

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

/** The first `n` rows of the grid as text, once they have arrived. */
async function firstRows(cell: Locator, n: number): Promise<string[][]> {
  const out: string[][] = [];
  for (let i = 0; i < n; i++) {
    const row = cell.locator(`[data-testid="grid-row"][data-row="${i}"]`);
    await row.locator('[data-testid="grid-cell"]').first().waitFor();
    out.push((await row.locator('[data-testid="grid-cell"]').allInnerTexts()).map((t) => t.trim()));
  }
  return out;
}

const header = (cell: Locator, name: string) => cell.locator('[data-testid="grid-header"]', { hasText: name }).first();

async function poll<T>(read: () => Promise<T>, expected: T, timeout = 15_000): Promise<void> {
  const until = Date.now() + timeout;
  let last: T | undefined;
  while (Date.now() < until) {
    last = await read();
    if (JSON.stringify(last) === JSON.stringify(expected)) return;
    await page.waitForTimeout(100);
  }
  expect(last).toEqual(expected);
}

/**
 * Screenshots in light and dark at 1024 and 1920 px. A panel under a header (`open`) is opened anew at each size, since
 * it closes when the page scrolls or resizes, and closed after.
 */
async function shots(name: string, target: Locator, open?: () => Promise<Locator>) {
  for (const scheme of ['light', 'dark'] as const) {
    for (const width of [1024, 1920]) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width, height: 900 });
      await target.scrollIntoViewIfNeeded();
      await page.waitForTimeout(250);
      const panel = open ? await open() : undefined;
      await page.waitForTimeout(200);
      await screenshot(page, `grid-${name}-${scheme}-${width}`);
      if (panel) {
        await page.keyboard.press('Escape');
        await panel.waitFor({ state: 'detached' });
      }
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1440, height: 900 });
}

beforeAll(async () => {
  app = await startApp();
  session = await openApp(app);
  page = session.page;
  await session.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(app.url).origin });
  await page.locator('[data-testid="notebook"][data-run-state="done"]').waitFor({ timeout: 90_000 });
});

afterAll(async () => {
  await session?.close();
  await app?.stop();
});

describe('the result grid in the browser', () => {
  let cell: Locator;

  it('shows numbers with thousands separators and sorts by a header, both ways and back', async () => {
    cell = await addSqlCell(SQL);
    expect(await cell.locator('[data-testid="row-count"]').innerText()).toBe('5,000 rows');
    expect(await firstRows(cell, 2)).toEqual(
      rows.slice(0, 2).map((r) => [String(r.id), r.fruit ?? 'NULL', shown(r.cents), r.day]),
    );
    await header(cell, 'amount').locator('.column-select').click();
    await poll(() => header(cell, 'amount').getAttribute('data-sort'), 'asc');
    await header(cell, 'amount').locator('.column-select').click();
    await poll(() => header(cell, 'amount').getAttribute('data-sort'), 'desc');
    const descending = [...rows].sort((a, b) => b.cents - a.cents);
    await poll(
      async () => (await firstRows(cell, 3)).map((r) => r[2]),
      descending.slice(0, 3).map((r) => shown(r.cents)),
    );
    expect((await firstRows(cell, 1))[0]).toEqual(['4,999', 'NULL', '6,171,265.50', rows[4999]!.day]);
    await shots('sorted', cell);
    await header(cell, 'amount').locator('.column-select').click();
    await poll(() => header(cell, 'amount').getAttribute('data-sort'), null);
    await poll(async () => (await firstRows(cell, 1))[0]?.[0], '0');
  });

  it('filters a column in the engine, and the row count follows', async () => {
    const popover = page.locator('[data-testid="filter-popover"]');
    const openFilter = async () => {
      await header(cell, 'fruit').hover();
      await header(cell, 'fruit').locator('[data-testid="filter-column"]').click();
      await popover.locator('[data-testid="filter-value"]').fill('AN');
      return popover;
    };
    await shots('filter-form', cell, openFilter);
    await openFilter();
    await popover.locator('[data-testid="filter-apply"]').click();
    const bananas = rows.filter((r) => r.fruit === 'banana');
    await poll(
      () => cell.locator('[data-testid="row-count"]').innerText(),
      `${bananas.length.toLocaleString('en-US')} of 5,000 rows`,
    );
    expect(await firstRows(cell, 3)).toEqual(bananas.slice(0, 3).map((r) => [String(r.id), 'banana', shown(r.cents), r.day]));
    // A number filter beside it: amounts of at least 1,000,000.00, sorted descending.
    await header(cell, 'amount').hover();
    await header(cell, 'amount').locator('[data-testid="filter-column"]').click();
    await page.locator('[data-testid="filter-op"]').selectOption('>=');
    await page.locator('[data-testid="filter-value"]').fill('1000000');
    await page.locator('[data-testid="filter-apply"]').click();
    const big = bananas.filter((r) => r.cents >= 100_000_000);
    await poll(
      () => cell.locator('[data-testid="row-count"]').innerText(),
      `${big.length.toLocaleString('en-US')} of 5,000 rows`,
    );
    await header(cell, 'amount').locator('.column-select').click();
    await header(cell, 'amount').locator('.column-select').click();
    await poll(() => header(cell, 'amount').getAttribute('data-sort'), 'desc');
    const top = [...big].sort((a, b) => b.cents - a.cents);
    await poll(
      async () => await firstRows(cell, 2),
      top.slice(0, 2).map((r) => [r.id.toLocaleString('en-US'), 'banana', shown(r.cents), r.day]),
    );
    await shots('filtered', cell);
  });

  it('copies with headers, and plain without them, in the order shown', async () => {
    await cell.locator('[data-testid="copy-with-headers"]').click();
    const top = rows.filter((r) => r.fruit === 'banana' && r.cents >= 100_000_000).sort((a, b) => b.cents - a.cents);
    const line = (r: (typeof rows)[number]) => [String(r.id), 'banana', plain(r.cents), r.day].join('\t');
    await poll(
      async () => (await page.evaluate(() => navigator.clipboard.readText())).split('\n').slice(0, 3),
      ['id\tfruit\tamount\tday', line(top[0]!), line(top[1]!)],
    );
    const copied = (await page.evaluate(() => navigator.clipboard.readText())).split('\n');
    // The first page: the filtered rows there are, up to a page of them, after the header line.
    expect(copied).toHaveLength(Math.min(top.length, 500) + 1);
    await cell.locator('[data-testid="copy-result"]').click();
    await poll(async () => (await page.evaluate(() => navigator.clipboard.readText())).split('\n')[0], line(top[0]!));
  });

  it("opens a column's profile: NULLs, distinct values, top values and a histogram", async () => {
    await cell.locator('[data-testid="clear-filters"]').click();
    await poll(() => cell.locator('[data-testid="row-count"]').innerText(), '5,000 rows');
    const profile = page.locator('[data-testid="profile-popover"]');
    const openProfile = (column: string, part: string) => async () => {
      await header(cell, column).hover();
      await header(cell, column).locator('[data-testid="profile-column"]').click();
      await profile.locator(`[data-testid="${part}"]`).waitFor();
      return profile;
    };
    await openProfile('fruit', 'profile-top')();
    // Every fourth row is NULL; the rest are apple, banana and cherry, 1,250 each.
    expect(await profile.locator('[data-testid="profile-nulls"]').innerText()).toBe('1,250 25.0%');
    expect(await profile.locator('[data-testid="profile-distinct"]').innerText()).toBe('3');
    const top = profile.locator('[data-testid="profile-top"] li');
    const values: string[][] = [];
    for (let i = 0; i < (await top.count()); i++)
      values.push([await top.nth(i).locator('.label').innerText(), await top.nth(i).locator('.count').innerText()]);
    expect(values).toEqual([
      ['apple', '1,250'],
      ['banana', '1,250'],
      ['cherry', '1,250'],
    ]);
    await page.keyboard.press('Escape');
    await shots('profile-text', cell, openProfile('fruit', 'profile-top'));
    await openProfile('amount', 'profile-histogram')();
    // 0 to 6,171,265.50 over 20 bins is 308,563 wide, rounded up to 500,000: 13 bins from 0.
    expect(await profile.locator('[data-testid="profile-histogram"] rect').count()).toBe(13);
    expect(await profile.locator('[data-testid="profile-distinct"]').innerText()).toBe('5,000');
    // i × 1234.5 is a different amount for every row.
    expect(await profile.locator('[data-testid="profile-unique"]').innerText()).toBe('Every value appears once.');
    await page.keyboard.press('Escape');
    await shots('profile-number', cell, openProfile('amount', 'profile-histogram'));
    await openProfile('day', 'profile-timeline')();
    // One row a day from 2026-01-01 to 2026-01-30, each day 5000 / 30 times (166 or 167).
    expect(await profile.locator('[data-testid="profile-timeline"] figcaption').innerText()).toMatch(
      /^2026-01-01\s+rows per day\s+2026-01-30$/,
    );
    await page.keyboard.press('Escape');
    await shots('profile-date', cell, openProfile('day', 'profile-timeline'));
  });

  it('fits a column to its widest value anywhere in the result, not only in the rows fetched', async () => {
    const long = 'a value far longer than any other in this column';
    const width = async (at: number) => {
      const c = await addSqlCell(`SELECT CASE WHEN range = ${at} THEN '${long}' ELSE 'short' END AS t FROM range(${N})`);
      return () =>
        c
          .locator('[data-testid="grid-header"]')
          .first()
          .evaluate((e) => e.getBoundingClientRect().width);
    };
    const first = await width(0);
    // Row 4,000 is past the first page: only the engine's look across the result finds it.
    const far = await width(4000);
    const near = await first();
    expect(near).toBeGreaterThan(200);
    await poll(far, near);
  });

  it("shows each statement's result of a cell of several, as tabs", async () => {
    const multi = await addSqlCell(
      "CREATE OR REPLACE TABLE grid_scratch AS SELECT range AS n FROM range(12); SELECT sum(n) AS total FROM grid_scratch; SELECT 'x' AS label, 2 AS two",
    );
    const tabs = multi.locator('[data-testid="statement-tab"]');
    expect(await tabs.count()).toBe(3);
    // The last statement's result is shown first.
    expect(await tabs.nth(2).getAttribute('aria-selected')).toBe('true');
    expect(await firstRows(multi, 1)).toEqual([['x', '2']]);
    await tabs.nth(1).click();
    // 0 + 1 + … + 11
    await poll(async () => (await firstRows(multi, 1))[0], ['66']);
    await tabs.nth(0).click();
    await poll(async () => (await firstRows(multi, 1))[0], ['12']);
    await tabs.nth(1).click();
    await poll(async () => (await firstRows(multi, 1))[0], ['66']);
    await shots('statements', multi);
    expect(session.errors).toEqual([]);
  });
});

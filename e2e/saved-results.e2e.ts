import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page, Route } from 'playwright-core';
import { writeEvents, type Truth } from '../engine/generator/generate.js';
import { openApp, screenshot, startApp, type RunningApp, type Session } from './harness.js';

/**
 * A notebook opens showing what its cells showed last, with how old it is, without running them; a cell whose tables
 * an import changed says it is stale, and is fresh once it runs again. Expected rows come from the generator's record.
 */
const BY_TYPE = `SELECT event_type, count(*) AS n FROM events WHERE event_date BETWEEN DATE '2025-03-03' AND DATE '2025-03-04' GROUP BY ALL ORDER BY event_type`;
const NOTEBOOK = join('notebooks', 'Shop overview.md');
/** What runs a cell's query: held back on reload, to see what shows before any answer. */
const QUERY_METHODS = new Set(['query.run', 'query.page', 'reconcile.compare']);

let app: RunningApp;
let session: Session;
let page: Page;
let truth: Truth;
let file: string;

async function gridRows(cell: Locator): Promise<string[][]> {
  const rows = cell.locator('[data-testid="grid-row"]');
  const out: string[][] = [];
  for (let i = 0; i < (await rows.count()); i++)
    out.push((await rows.nth(i).locator('[data-testid="grid-cell"]').allInnerTexts()).map((t) => t.trim()));
  return out;
}

function expectedByType(): string[][] {
  const counts = new Map<string, number>();
  for (const e of truth.events) counts.set(e.event_type, (counts.get(e.event_type) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([t, n]) => [t, String(n)]);
}

/** The notebook's own SQL cell: the one added last. */
const ourCell = () => page.locator('[data-cell-kind="sql"]').last();

/** Holds back every query answer until released; counts the query requests made meanwhile. */
async function holdQueries(): Promise<{ asked: string[]; release: () => Promise<void> }> {
  const asked: string[] = [];
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const pending: Promise<void>[] = [];
  const handler = (route: Route) => {
    const method = (route.request().postDataJSON() as { method?: string } | null)?.method ?? '';
    const held = QUERY_METHODS.has(method) ? gate : Promise.resolve();
    if (QUERY_METHODS.has(method)) asked.push(method);
    // A request the page gave up on (it reloaded) cannot be continued; that is no failure of the test.
    const done = held.then(() => route.continue()).catch(() => undefined);
    pending.push(done);
    return done;
  };
  await page.route('**/api/call', handler);
  return {
    asked,
    release: async () => {
      open();
      await Promise.all(pending);
      await page.unroute('**/api/call', handler);
    },
  };
}

beforeAll(async () => {
  app = await startApp();
  session = await openApp(app);
  page = session.page;
  file = join(app.dir, '..', 'march.ndjson');
  truth = await writeEvents(
    file,
    { days: 2, eventsPerDay: 150, seed: 12, duplicates: 0, late: 0, malformed: 0, start: '2025-03-03' },
    'ndjson',
  );
  // The first open of a new notebook runs every cell: nothing was saved yet.
  await page.locator('[data-testid="notebook"][data-run-state="done"]').waitFor({ timeout: 90_000 });
});

afterAll(async () => {
  await session?.close();
  await app?.stop();
});

describe('saved results and stale cells', () => {
  it('runs a new cell, and says when it ran', async () => {
    await page.locator('[data-testid="add-sql"]').last().click();
    const cell = ourCell();
    const editor = cell.locator('[data-testid="sql-editor"]');
    await editor.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await editor.pressSequentially(BY_TYPE);
    await page.keyboard.press('Escape');
    await editor.click();
    await page.keyboard.press('Shift+Enter');
    await cell.locator('[data-testid="row-count"]').waitFor();
    // Nothing of March 2025 is in the demo lake yet.
    expect(await cell.locator('[data-testid="row-count"]').innerText()).toBe('0 rows');
    expect(await cell.locator('[data-testid="cell-ran"]').innerText()).toBe('ran just now');
    expect(await cell.getAttribute('data-stale')).toBe('false');
  });

  it('marks the cell stale when an import changes the lake it read, and fresh after one click re-runs it', async () => {
    await page.getByRole('button', { name: 'Import' }).first().click();
    const dialog = page.locator('[data-testid="import-dialog"]');
    await dialog.waitFor();
    await page.locator('[data-testid="import-file-input"]').setInputFiles(file);
    await page.locator('[data-testid="import-start"]').click();
    const row = page.locator('[data-testid="import-file"]');
    await row.waitFor({ timeout: 60_000 });
    expect(await row.getAttribute('data-status')).toBe('imported');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    const cell = ourCell();
    const badge = cell.locator('[data-testid="stale-badge"]');
    await badge.waitFor({ timeout: 10_000 });
    expect(await cell.getAttribute('data-stale')).toBe('true');
    expect((await badge.getAttribute('data-tables'))?.split(' ')).toEqual(['duplicate_arrivals', 'events', 'raw_events']);
    expect(await badge.getAttribute('title')).toBe(
      'the lake changed since this ran: the numbers shown may be out of date. Click to run it again.',
    );
    // The demo's SQL cells read summary tables, which an import does not change: they stay fresh.
    const demoSql = page.locator('[data-cell-kind="sql"]').first();
    expect(await demoSql.getAttribute('data-stale')).toBe('false');
    // Still the old numbers, with the badge saying so.
    expect(await cell.locator('[data-testid="row-count"]').innerText()).toBe('0 rows');
    await cell.scrollIntoViewIfNeeded();
    await screenshot(page, 'saved-01-stale-after-import');

    await badge.click();
    await expect.poll(() => gridRows(cell), { timeout: 10_000 }).toEqual(expectedByType());
    expect(await cell.getAttribute('data-stale')).toBe('false');
    expect(await badge.count()).toBe(0);
    await screenshot(page, 'saved-02-fresh-after-rerun');
  });

  it('opens again showing every saved result before any query answers, with its age', async () => {
    await page.locator('[data-testid="save-state"]', { hasText: 'Saved' }).waitFor({ timeout: 20_000 });
    const held = await holdQueries();
    try {
      await page.reload();
      const cell = ourCell();
      await expect.poll(() => gridRows(cell), { timeout: 15_000 }).toEqual(expectedByType());
      expect(await cell.locator('[data-testid="row-count"]').innerText()).toBe(`${expectedByType().length} rows`);
      expect(await cell.locator('[data-testid="cell-ran"]').innerText()).toBe('saved, ran just now');
      expect(await cell.locator('[data-testid="cell-ran"]').getAttribute('data-saved')).toBe('true');
      // The demo's charts draw their sources' saved rows, and the compare cell its saved comparison.
      await page.locator('[data-testid="notebook"][data-run-state="done"]').waitFor({ timeout: 30_000 });
      expect(await page.locator('[data-testid="chart-canvas"]').count()).toBe(2);
      await page.locator('[data-testid="compare-watermark"]').waitFor();
      expect(await page.locator('[data-cell-kind="compare"] [data-testid="cell-ran"]').getAttribute('data-saved')).toBe('true');
      // Not one query was asked for: the notebook ran nothing to show all this.
      expect(held.asked).toEqual([]);
      await page.locator('[data-cell-kind="sql"]').first().scrollIntoViewIfNeeded();
      await screenshot(page, 'saved-03-opened-from-saved');
    } finally {
      await held.release();
    }
  });

  it('runs every cell on open when the notebook is set to', async () => {
    await page.locator('[data-testid="run-on-open"]').check({ force: true });
    await page.locator('[data-testid="save-state"]', { hasText: 'Saved' }).waitFor({ timeout: 20_000 });
    await page.locator('[data-testid="notebook"] header').first().scrollIntoViewIfNeeded();
    await screenshot(page, 'saved-04-run-on-open');
    expect(await readFile(join(app.dir, NOTEBOOK), 'utf8')).toContain('\n<!-- recount {"runOnOpen":true} -->\n');
    const held = await holdQueries();
    try {
      await page.reload();
      await page.locator('[data-testid="notebook"][data-run-state="running"]').waitFor();
      await expect.poll(() => held.asked.filter((m) => m === 'query.run').length, { timeout: 15_000 }).toBeGreaterThan(0);
    } finally {
      await held.release();
    }
    await page.locator('[data-testid="notebook"][data-run-state="done"]').waitFor({ timeout: 90_000 });
    expect(await ourCell().locator('[data-testid="cell-ran"]').innerText()).toBe('ran just now');
    await page.locator('[data-testid="run-on-open"]').uncheck({ force: true });
    await page.locator('[data-testid="save-state"]', { hasText: 'Saved' }).waitFor({ timeout: 20_000 });
    expect(await readFile(join(app.dir, NOTEBOOK), 'utf8')).not.toContain('recount {');
    expect(session.errors).toEqual([]);
  });
});

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openApp, screenshot, startApp, type RunningApp, type Session } from './harness.js';

/**
 * The notebook and the window around it: theme, sidebar, width, adding and deleting cells, the title and the file,
 * the compare table in a narrow window. Screenshots at 1024 and 1920 px, light and dark.
 */
let app: RunningApp;
let session: Session;
let page: Page;

const DARK_BG = 'rgb(15, 18, 23)';
const LIGHT_BG = 'rgb(247, 248, 250)';

const cellIds = () => page.locator('[data-cell-id]').evaluateAll((cells) => cells.map((c) => c.getAttribute('data-cell-id')));
const bodyBackground = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);

async function shoot(name: string, width: 1024 | 1920, scheme: 'light' | 'dark') {
  await page.setViewportSize({ width, height: 900 });
  await page.emulateMedia({ colorScheme: scheme });
  await page.waitForTimeout(400);
  await screenshot(page, `ui-${name}-${width}-${scheme}`);
}

/** Each test starts from the sidebar shown, whatever a test before it left. */
async function showSidebar() {
  const toggle = page.locator('[data-testid="sidebar-toggle"]');
  if ((await toggle.getAttribute('aria-expanded')) === 'false') await toggle.click();
  await page.locator('#sidebar').waitFor({ state: 'visible' });
}

async function openDemo() {
  await page.locator('[data-testid="notebook"][data-run-state="done"]').waitFor({ timeout: 120_000 });
}

beforeAll(async () => {
  app = await startApp();
  session = await openApp(app, { width: 1920, height: 900 });
  page = session.page;
  await openDemo();
});

afterAll(async () => {
  await session?.close();
  await app?.stop();
});

describe('the notebook and its window', () => {
  it('follows the system theme until one is chosen, then keeps the choice, charts and editor included', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(bodyBackground).toBe(DARK_BG);
    await page.emulateMedia({ colorScheme: 'light' });
    await expect.poll(bodyBackground).toBe(LIGHT_BG);
    const editor = page.locator('[data-cell-kind="sql"] .cm-content').first();
    const lightText = await editor.evaluate((e) => getComputedStyle(e).color);
    const canvas = page.locator('[data-testid="chart-canvas"]').first();
    const lightChart = await canvas.evaluate((c) => (c as HTMLCanvasElement).toDataURL());

    await page.locator('[data-theme-choice="dark"]').click();
    await expect.poll(bodyBackground).toBe(DARK_BG);
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    // The editor's text takes the dark theme's --text (#e6e9ef); the chart redraws in the dark palette.
    await expect.poll(() => editor.evaluate((e) => getComputedStyle(e).color)).not.toBe(lightText);
    await expect.poll(() => canvas.evaluate((c) => (c as HTMLCanvasElement).toDataURL())).not.toBe(lightChart);
    await canvas.scrollIntoViewIfNeeded();
    await screenshot(page, 'ui-theme-dark-chosen-1920-light-system');
    await page.locator('main.content').evaluate((e) => e.scrollTo(0, 0));

    await page.reload();
    await openDemo();
    expect(await bodyBackground()).toBe(DARK_BG);
    expect(await page.locator('[data-theme-choice="dark"]').getAttribute('aria-checked')).toBe('true');

    // From the keyboard: the checked option is the one tab stop; arrows move the choice.
    await page.locator('[data-theme-choice="dark"]').focus();
    await page.keyboard.press('ArrowLeft');
    expect(await page.locator('[data-theme-choice="light"]').getAttribute('aria-checked')).toBe('true');
    await expect.poll(bodyBackground).toBe(LIGHT_BG);
    await page.keyboard.press('ArrowLeft');
    expect(await page.locator('[data-theme-choice="system"]').getAttribute('aria-checked')).toBe('true');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(bodyBackground).toBe(DARK_BG);
  });

  it('uses a wide screen: the notebook column grows to 1600 px', async () => {
    await shoot('demo', 1920, 'light');
    await shoot('demo', 1920, 'dark');
    const wide = await page.locator('[data-testid="notebook"]').boundingBox();
    // 1920 less the 288 px sidebar leaves 1632 px: the column takes all of it up to its 1600 px.
    expect(wide?.width).toBe(1600);
    await shoot('demo', 1024, 'light');
    await shoot('demo', 1024, 'dark');
    const narrow = await page.locator('[data-testid="notebook"]').boundingBox();
    expect(narrow?.width).toBe(1024 - 288);
  });

  it('hides and shows the sidebar from the top bar, by mouse or keyboard, and remembers it', async () => {
    await page.setViewportSize({ width: 1024, height: 900 });
    const toggle = page.locator('[data-testid="sidebar-toggle"]');
    const sidebar = page.locator('#sidebar');
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await toggle.click();
    await sidebar.waitFor({ state: 'hidden' });
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await toggle.getAttribute('aria-label')).toBe('Show the sidebar');
    // The notebook takes the width the sidebar left.
    expect((await page.locator('[data-testid="notebook"]').boundingBox())?.width).toBe(1024);
    await shoot('sidebar-hidden', 1024, 'light');
    await shoot('sidebar-hidden', 1024, 'dark');

    await page.reload();
    await openDemo();
    expect(await sidebar.isHidden()).toBe(true);
    await toggle.focus();
    await page.keyboard.press('Enter');
    await sidebar.waitFor({ state: 'visible' });
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    expect((await page.locator('[data-testid="notebook"]').boundingBox())?.width).toBe(1024 - 288);
    await page.keyboard.press('Space');
    await sidebar.waitFor({ state: 'hidden' });
    await page.keyboard.press('Space');
    await sidebar.waitFor({ state: 'visible' });
  });

  it('adds a cell only from the + between cells, never from a click in the gap', async () => {
    await page.setViewportSize({ width: 1920, height: 900 });
    await page.emulateMedia({ colorScheme: 'light' });
    await showSidebar();
    await page.locator('[data-testid="notebook-title"]').focus();
    const before = await cellIds();
    const gap = page.locator('[data-testid="add-cell"]').nth(1);
    await gap.scrollIntoViewIfNeeded();
    const box = (await gap.boundingBox())!;
    // A click in the gap, well away from its +, as when clicking between two cells to leave an editor.
    await page.mouse.click(box.x + 40, box.y + box.height / 2);
    await page.mouse.click(box.x + box.width - 40, box.y + box.height / 2);
    expect(await cellIds()).toEqual(before);
    expect(await gap.locator('[data-testid="add-sql"]').count()).toBe(0);

    await page.mouse.move(box.x + box.width / 2 - 200, box.y + box.height / 2);
    await screenshot(page, 'ui-add-hover-1920-light');
    await gap.locator('[data-testid="add-cell-open"]').click();
    await gap.locator('[data-testid="add-sql"]').waitFor();
    await screenshot(page, 'ui-add-open-1920-light');
    // Escape closes the list without adding; focus returns to the +.
    await page.keyboard.press('Escape');
    await gap.locator('[data-testid="add-cell-open"]').waitFor();
    expect(await cellIds()).toEqual(before);
    await page.keyboard.press('Enter');
    await gap.locator('[data-testid="add-markdown"]').click();
    const after = await cellIds();
    expect(after).toHaveLength(before.length + 1);
    // The second gap is below the first cell: the new one is second.
    expect([after[0], ...after.slice(2)]).toEqual(before);
    expect(await page.locator(`[data-cell-id="${after[1]}"]`).getAttribute('data-cell-kind')).toBe('markdown');
    await page.locator(`[data-cell-id="${after[1]}"] [aria-label="Delete cell"]`).click();
    await page.locator('[data-testid="toast-action"]').click();
    expect(await cellIds()).toEqual(after);
    await page.locator(`[data-cell-id="${after[1]}"] [aria-label="Delete cell"]`).click();
    expect(await cellIds()).toEqual(before);
  });

  it('puts a deleted cell back with Undo or Ctrl+Z, in its place, with its SQL and its result', async () => {
    await page.setViewportSize({ width: 1920, height: 900 });
    await showSidebar();
    const before = await cellIds();
    const sql = page.locator('[data-cell-kind="sql"]').first();
    const id = (await sql.getAttribute('data-cell-id'))!;
    const index = before.indexOf(id);
    const text = await sql.locator('.cm-content').innerText();
    const rows = await sql.locator('[data-testid="grid-row"]').first().innerText();
    const count = await sql.locator('[data-testid="row-count"]').innerText();

    await sql.hover();
    await sql.locator('[aria-label="Delete cell"]').click();
    expect(await cellIds()).toEqual(before.filter((c) => c !== id));
    const toast = page.locator('.toast', { has: page.locator('[data-testid="toast-action"]') });
    await toast.waitFor();
    await screenshot(page, 'ui-undo-toast-1920-light');
    await toast.locator('[data-testid="toast-action"]').click();
    expect(await cellIds()).toEqual(before);
    const back = page.locator(`[data-cell-id="${id}"]`);
    expect(await back.locator('.cm-content').innerText()).toBe(text);
    expect(await back.locator('[data-testid="row-count"]').innerText()).toBe(count);
    expect(await back.locator('[data-testid="grid-row"]').first().innerText()).toBe(rows);

    // Ctrl+Z with no editor focused, also once the deletion has been saved.
    await back.locator('[aria-label="Delete cell"]').click();
    await page.locator('[data-testid="notebook-title"]').click();
    await page.keyboard.press('ControlOrMeta+S');
    await expect.poll(() => readFile(join(app.dir, 'notebooks', 'Shop overview.md'), 'utf8')).not.toContain(text.split('\n')[0]);
    await page.locator('body').click({ position: { x: 5, y: 890 } });
    await page.keyboard.press('ControlOrMeta+Z');
    expect(await cellIds()).toEqual(before);
    expect(await back.locator('[data-testid="row-count"]').innerText()).toBe(count);
    expect((await cellIds()).indexOf(id)).toBe(index);
    // A compare cell comes back showing its comparison (the one the engine saved for it), not an empty cell.
    const compare = page.locator('[data-cell-kind="compare"]');
    const reasons = await compare.locator('[data-testid="compare-table"], [data-testid="compare-agree"]').innerText();
    await compare.hover();
    await compare.locator('[aria-label="Delete cell"]').click();
    await compare.waitFor({ state: 'detached' });
    await page.locator('[data-testid="toast-action"]').click();
    await compare.locator('[data-testid="compare-table"], [data-testid="compare-agree"]').waitFor();
    expect(await compare.locator('[data-testid="compare-table"], [data-testid="compare-agree"]').innerText()).toBe(reasons);
    expect(await cellIds()).toEqual(before);

    // Ctrl+Z in an editor is the editor's own undo, not another cell coming back (the add test's text cell is
    // still there to put back).
    await back.locator('.cm-content').click();
    await page.keyboard.press('ControlOrMeta+Z');
    expect(await cellIds()).toEqual(before);
    expect(await back.locator('.cm-content').innerText()).toBe(text);
  });

  it('renames the file with the title, and the title with the file; a taken name is refused with a message', async () => {
    await showSidebar();
    const title = page.locator('[data-testid="notebook-title"]');
    await title.fill('Shop: overview & KPIs');
    await title.press('Enter');
    await page.locator('[data-testid="notebook-item"][data-name="Shop overview KPIs"]').waitFor();
    await expect.poll(() => page.locator('[data-testid="save-state"]').innerText()).toContain('notebooks/Shop overview KPIs.md');
    const file = await readFile(join(app.dir, 'notebooks', 'Shop overview KPIs.md'), 'utf8');
    expect(file.split('\n')[0]).toBe('# Shop: overview & KPIs');
    await expect(readFile(join(app.dir, 'notebooks', 'Shop overview.md'), 'utf8')).rejects.toThrow(/ENOENT/);

    // A second notebook, then the first titled as it: refused, both stay as they were.
    await page.locator('[data-testid="notebook-new"]').click();
    await page.locator('[data-testid="notebook-name-input"]').fill('Orders');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="notebook"][aria-label="Notebook Orders"]').waitFor();
    await page.locator('[data-testid="notebook-item"][data-name="Shop overview KPIs"]').click();
    await page.locator('[data-testid="notebook"][aria-label="Notebook Shop: overview & KPIs"]').waitFor();
    await title.fill('orders');
    await title.press('Enter');
    const problem = page.locator('[data-testid="title-problem"]');
    await problem.waitFor();
    expect(await problem.innerText()).toContain('notebooks/Orders.md');
    expect(await title.inputValue()).toBe('Shop: overview & KPIs');
    await shoot('title-taken', 1024, 'light');
    await shoot('title-taken', 1024, 'dark');
    const names = await page
      .locator('[data-testid="notebook-item"]')
      .evaluateAll((items) => items.map((i) => i.getAttribute('data-name')));
    expect(names.sort()).toEqual(['Orders', 'Shop overview KPIs']);

    // Renamed in the sidebar, the open notebook's title follows.
    await page.locator('[aria-label="Rename Shop overview KPIs"]').click({ force: true });
    await page.locator('[data-testid="notebook-name-input"]').fill('Shop overview');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="notebook-item"][data-name="Shop overview"]').waitFor();
    expect(await title.inputValue()).toBe('Shop overview');
    const renamed = await readFile(join(app.dir, 'notebooks', 'Shop overview.md'), 'utf8');
    expect(renamed.split('\n')[0]).toBe('# Shop overview');
  });

  it("keeps the compare table's partition column in view while its reasons scroll sideways at 1024 px", async () => {
    await page.setViewportSize({ width: 1024, height: 900 });
    await showSidebar();
    const cell = page.locator('[data-cell-kind="compare"]');
    await cell.scrollIntoViewIfNeeded();
    const scroll = cell.locator('[data-testid="compare-scroll"]');
    // Every partition's row, those that agree too: a table whatever today's live events are.
    await cell.locator('[data-testid="compare-show-all"]').check();
    await scroll.waitFor({ timeout: 60_000 });
    await cell.scrollIntoViewIfNeeded();
    await screenshot(page, 'ui-compare-1024-light');
    const box = (await scroll.boundingBox())!;
    // Many reasons make the table wider than the cell at 1024 px; with the demo's few, the test narrows the table's
    // box to make it so.
    const overflows = () => scroll.evaluate((e) => e.scrollWidth > e.clientWidth);
    if (!(await overflows())) await scroll.evaluate((e) => (e.style.width = '420px'));
    expect(await overflows()).toBe(true);
    // It scrolls inside the cell: the notebook does not widen.
    expect(await page.locator('main.content').evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true);
    const visible = await scroll.evaluate((e) => e.getBoundingClientRect().width);
    await scroll.evaluate((e) => e.scrollTo({ left: e.scrollWidth }));
    const partition = cell.locator('td.partition').first();
    await expect.poll(async () => (await partition.boundingBox())?.x).toBe(box.x);
    const last = (await cell.locator('th', { hasText: 'Residual' }).boundingBox())!;
    expect(last.x + last.width).toBeLessThanOrEqual(box.x + visible + 1);
    // What scrolled under the partition column is hidden by it, not drawn over it.
    const hit = await partition.evaluate((td) => {
      const r = td.getBoundingClientRect();
      return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)?.closest('td') === td;
    });
    expect(hit).toBe(true);
    await cell.scrollIntoViewIfNeeded();
    await screenshot(page, 'ui-compare-scrolled-1024-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(300);
    await screenshot(page, 'ui-compare-scrolled-1024-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });
});

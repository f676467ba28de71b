import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { openApp, screenshot, startApp, type RunningApp, type Session } from './harness.js';

/**
 * The SQL editor and the notebook's keys as an analyst uses them: DuckDB's own functions completed with their
 * signatures, Recount's bookkeeping tables kept out of the list, Ctrl+/ comments, Escape selects the cell, and the
 * cell keys add, move and delete cells and cancel a long query.
 */
let app: RunningApp;
let session: Session;
let page: Page;

/** A query that runs far longer than the test waits: the cross product of two ranges, summed. */
const LONG_QUERY = 'SELECT sum(a * b) FROM range(100000000) t(a), range(1000) u(b)';

const cells = () => page.locator('[data-testid="notebook"] [data-cell-id]');
const cellIds = () => cells().evaluateAll((list) => list.map((c) => c.getAttribute('data-cell-id')));
const editorText = (cell: Locator) => cell.locator('.cm-content').evaluate((e) => (e as HTMLElement).innerText.trimEnd());
const activeCellId = () => page.evaluate(() => document.activeElement?.getAttribute('data-cell-id') ?? null);
const shortcutsOpen = () => page.locator('dialog[open]', { hasText: 'Keyboard shortcuts' }).count();
const completionLabels = () => page.locator('.cm-tooltip-autocomplete li .cm-completionLabel').allInnerTexts();

/** Replaces the editor's text with what is typed, as a user would. */
async function typeSql(cell: Locator, sql: string) {
  await cell.locator('[data-testid="sql-editor"]').click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(sql);
}

async function newSqlCell(): Promise<Locator> {
  const before = await page.locator('[data-cell-kind="sql"]').count();
  await page.locator('[data-testid="add-sql"]').last().click();
  const cell = page.locator('[data-cell-kind="sql"]').nth(before);
  await cell.locator('.cm-editor.cm-focused').waitFor();
  return cell;
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

describe('the SQL editor', () => {
  let cell: Locator;

  it("completes DuckDB's own functions with their signatures", async () => {
    cell = await newSqlCell();
    await typeSql(cell, 'SELECT date_tr');
    const option = page.locator('.cm-tooltip-autocomplete li', { hasText: 'date_trunc' });
    await option.waitFor();
    // The list follows the typing: polled until it is the one for `date_tr`, date_trunc first and alone to begin so.
    await expect.poll(async () => (await completionLabels())[0]).toBe('date_trunc');
    expect((await completionLabels()).filter((l) => l.startsWith('date_tr'))).toEqual(['date_trunc']);
    expect((await option.locator('.cm-completionDetail').innerText()).trim()).toBe('(part, timestamp) scalar');
    // The side panel lists the overloads as DuckDB declares them, and its description.
    const info = page.locator('.cm-completionInfo');
    await info.waitFor();
    const text = await info.innerText();
    expect(text).toContain('date_trunc(part VARCHAR, timestamp TIMESTAMP) → TIMESTAMP');
    expect(text).toContain('Truncate to specified precision');
    // On screen, not clipped by the list's box: what is drawn at its middle is the panel itself.
    const seen = await info.evaluate((el) => {
      const box = el.getBoundingClientRect();
      const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      return box.width > 100 && box.right <= window.innerWidth && Boolean(hit && el.contains(hit));
    });
    expect(seen).toBe(true);
    await screenshot(page, 'editor-01-function-completion');

    await page.keyboard.press('Enter');
    expect(await editorText(cell)).toBe('SELECT date_trunc()');
    await typeSql(cell, 'SELECT strf');
    await page.locator('.cm-tooltip-autocomplete li', { hasText: 'strftime' }).waitFor();
    // First, and the only one it begins (the rest of the list are fuzzy matches: struct_indexof, json_transform…).
    await expect.poll(async () => (await completionLabels())[0]).toBe('strftime');
    expect((await completionLabels()).filter((l) => l.startsWith('strf'))).toEqual(['strftime']);
    await page.keyboard.press('Escape');
  });

  it("offers the lake's tables and not Recount's bookkeeping", async () => {
    await typeSql(cell, 'SELECT * FROM lake_');
    await page.keyboard.press('Control+Space');
    // The list may hold only functions (lake_…  has none): wait for the tables' source to have answered.
    await page.waitForTimeout(300);
    expect(await completionLabels()).not.toContain('lake_files');
    await page.keyboard.press('Escape');
    await typeSql(cell, 'SELECT * FROM ra');
    await page.locator('.cm-tooltip-autocomplete li', { hasText: 'raw_events' }).waitFor();
    await expect.poll(async () => (await completionLabels())[0]).toBe('raw_events');
    expect(await completionLabels()).not.toContain('runs');
    await page.keyboard.press('Escape');
    await typeSql(cell, 'SELECT * FROM imp');
    await page.keyboard.press('Control+Space');
    await page.waitForTimeout(300);
    expect(await completionLabels()).not.toContain('imports');
    await page.keyboard.press('Escape');
  });

  it('toggles a line comment with Ctrl+/ and leaves the shortcuts closed', async () => {
    await typeSql(cell, 'SELECT 42 AS answer');
    await page.keyboard.press('Control+/');
    expect(await editorText(cell)).toBe('-- SELECT 42 AS answer');
    expect(await shortcutsOpen()).toBe(0);
    await page.keyboard.press('Control+/');
    expect(await editorText(cell)).toBe('SELECT 42 AS answer');
    expect(await shortcutsOpen()).toBe(0);
  });

  it('hands the focus to the cell on Escape: Ctrl+A then selects within it, not the page', async () => {
    const id = await cell.getAttribute('data-cell-id');
    await page.keyboard.press('Escape');
    expect(await activeCellId()).toBe(id);
    await page.keyboard.press('ControlOrMeta+A');
    const selection = await page.evaluate(() => {
      const s = window.getSelection();
      const range = s && s.rangeCount ? s.getRangeAt(0) : undefined;
      const node = range?.commonAncestorContainer;
      const element = node instanceof Element ? node : node?.parentElement;
      return { text: s?.toString() ?? '', cell: element?.closest('[data-cell-id]')?.getAttribute('data-cell-id') ?? null };
    });
    expect(selection.cell).toBe(id);
    expect(selection.text).toContain('SELECT 42 AS answer');
    expect(selection.text).not.toContain('Run cells on open');
    await screenshot(page, 'editor-02-cell-selected');
  });
});

describe("a selected cell's keys", () => {
  it('add a cell below with B, move it with Alt+Up and Alt+Down, delete it with D D', async () => {
    const before = await cellIds();
    const selected = await activeCellId();
    const at = before.indexOf(selected);
    expect(at).toBeGreaterThan(0);

    await page.keyboard.press('b');
    await page.locator('.cm-editor.cm-focused').waitFor();
    const after = await cellIds();
    expect(after.length).toBe(before.length + 1);
    const added = after[at + 1]!;
    expect(after.filter((id) => id !== added)).toEqual(before);
    expect(await page.locator(`[data-cell-id="${added}"]`).getAttribute('data-cell-kind')).toBe('sql');

    await page.keyboard.press('Escape');
    expect(await activeCellId()).toBe(added);
    await page.keyboard.press('Alt+ArrowUp');
    await expect.poll(cellIds).toEqual([...before.slice(0, at), added, ...before.slice(at)]);
    expect(await activeCellId()).toBe(added);
    await page.keyboard.press('Alt+ArrowDown');
    await expect.poll(cellIds).toEqual(after);
    expect(await activeCellId()).toBe(added);

    // One D does nothing; two delete the cell, and the one below (or above) it is selected.
    await page.keyboard.press('d');
    expect(await cellIds()).toEqual(after);
    await page.keyboard.press('d');
    await expect.poll(cellIds).toEqual(before);
    expect(await activeCellId()).toBe(before[at + 1] ?? before[at]);
  });

  it('cancel a long query: Ctrl+. while editing, Escape once the cell is selected', async () => {
    const cell = await newSqlCell();
    await typeSql(cell, LONG_QUERY);
    await page.keyboard.press('Escape'); // the completion list
    await page.keyboard.press('Shift+Enter');
    const cancel = cell.locator('[data-testid="cancel-query"]');
    await cancel.waitFor();
    await screenshot(page, 'editor-03-long-query-running');
    await page.keyboard.press('Control+.');
    await cancel.waitFor({ state: 'detached', timeout: 10_000 });
    expect(await cell.locator('[data-testid="run-query"]').count()).toBe(1);
    expect(await cell.locator('[data-testid="row-count"]').count()).toBe(0);

    await cell.locator('[data-testid="sql-editor"]').click();
    await page.keyboard.press('Shift+Enter');
    await cancel.waitFor();
    await page.keyboard.press('Escape');
    expect(await activeCellId()).toBe(await cell.getAttribute('data-cell-id'));
    // Escape out of the editor selects the cell; only a second Escape, on the cell, cancels.
    expect(await cancel.count()).toBe(1);
    await page.keyboard.press('Escape');
    await cancel.waitFor({ state: 'detached', timeout: 10_000 });
    expect(await cell.locator('[data-testid="row-count"]').count()).toBe(0);
    // Not left in the notebook to run on the next open.
    const id = await cell.getAttribute('data-cell-id');
    await page.keyboard.press('d');
    await page.keyboard.press('d');
    await expect.poll(async () => (await cellIds()).includes(id)).toBe(false);
  });

  it('are listed in the shortcuts dialog, which Ctrl+/ opens outside the editor', async () => {
    await page.keyboard.press('Control+/');
    const dialog = page.locator('dialog[open]', { hasText: 'Keyboard shortcuts' });
    await dialog.waitFor();
    const cellKeys = await dialog.locator('[data-testid="shortcuts-cell"] dt').allInnerTexts();
    expect(cellKeys).toEqual(['Ctrl+.', 'Escape', 'Enter', 'B', 'A', 'Alt+↑ / Alt+↓', 'D D', '↑ / ↓', 'Ctrl+A']);
    const editorKeys = await dialog.locator('[data-testid="shortcuts-editor"] dt').allInnerTexts();
    expect(editorKeys).toEqual(['Shift+Enter', 'Ctrl+Enter', 'Ctrl+Space', 'Ctrl+/', 'Escape']);
    await screenshot(page, 'editor-04-shortcuts-light');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(session.errors).toEqual([]);
  });
});

describe('in dark mode', () => {
  it('shows the completion and the shortcuts legibly', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    const cell = await newSqlCell();
    await typeSql(cell, 'SELECT date_tr');
    await page.locator('.cm-tooltip-autocomplete li', { hasText: 'date_trunc' }).waitFor();
    await page.locator('.cm-completionInfo').waitFor();
    await screenshot(page, 'editor-05-function-completion-dark');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+/');
    await page.locator('dialog[open]', { hasText: 'Keyboard shortcuts' }).waitFor();
    await screenshot(page, 'editor-06-shortcuts-dark');
    await page.keyboard.press('Escape');
    expect(session.errors).toEqual([]);
  });
});

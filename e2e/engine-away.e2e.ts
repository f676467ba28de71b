import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialog, Locator, Page } from 'playwright-core';
import { REPO, openApp, screenshot, startApp, type RunningApp, type Session } from './harness.js';

/**
 * The engine going away and coming back, with the app open all day: `recount serve` stopped under an open tab, started
 * again on the same workspace, and another tab switching the one engine to another workspace.
 */
let app: RunningApp;
let session: Session;
let page: Page;
let before: string[][];

const EDITED_SQL = 'SELECT event_date, visits FROM daily_visits ORDER BY event_date';
/** What a page logs while the server is down: the browser's own report of each refused connection. */
const REFUSED = /ERR_CONNECTION_REFUSED|WebSocket connection to .* failed/;

/** The grid's rows as text, once every visible row has its cells (a page of results fills them in). */
async function gridRows(cell: Locator): Promise<string[][]> {
  const rows = cell.locator('[data-testid="grid-row"]');
  await rows.first().waitFor();
  for (let attempt = 0; attempt < 50; attempt++) {
    const out: string[][] = [];
    for (let i = 0; i < (await rows.count()); i++)
      out.push((await rows.nth(i).locator('[data-testid="grid-cell"]').allInnerTexts()).map((t) => t.trim()));
    if (out.length > 0 && out.every((r) => r.length > 0 && r.every((v) => v !== ''))) return out;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the grid never filled in');
}

/** Sends one contract call from the page, as the app does (its Origin, cookie and API header). */
function callFromPage(on: Page, method: string, params: unknown): Promise<unknown> {
  return on.evaluate(
    async ([m, p]) => {
      const response = await fetch('/api/call', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Recount-Request': '1' },
        body: JSON.stringify({ id: `e2e-${Date.now()}`, method: m, params: p }),
      });
      return (await response.json()) as unknown;
    },
    [method, params] as const,
  );
}

/** An element's text as read, whatever lines its inline parts break into. */
const text = async (of: Locator) => ((await of.textContent()) ?? '').replace(/\s+/g, ' ').trim();

const firstSqlCell = (on: Page) => on.locator('[data-cell-kind="sql"]').first();

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

describe('the engine going away', () => {
  it('keeps the last result of a cell re-run while the engine is down, says so, and greys out the live status', async () => {
    const cell = firstSqlCell(page);
    before = await gridRows(cell);
    // The demo's first query: visits and visitors per day, one row a day.
    expect(before[0]).toHaveLength(3);
    const live = page.locator('[data-testid="live-indicator"]');
    expect(await live.getAttribute('data-connected')).toBe('true');
    expect(await text(live)).toMatch(/^Live · [\d,]+ lines$/);
    // Survives only if the page is never reloaded.
    await page.evaluate(() => Object.assign(window, { e2eMarker: 'the same page' }));

    await app.kill();
    await page.locator('[data-testid="engine-status"][data-status="unreachable"]').waitFor();
    expect(await page.locator('[data-testid="engine-status"]').innerText()).toBe('Engine not reachable · reconnecting…');
    expect(await live.getAttribute('data-connected')).toBe('false');
    expect(await text(live)).toMatch(/^Not live · [\d,]+ lines$/);
    expect(await text(page.locator('[data-testid="panel-live-tail-state"]'))).toBe('Engine not reachable');

    await cell.locator('[data-testid="run-query"]').click();
    const error = cell.locator('[data-testid="query-error"]');
    await error.waitFor();
    expect(await error.innerText()).toBe(
      'Engine not reachable: is `recount serve` still running? This page reconnects when it is back.',
    );
    expect(await gridRows(cell)).toEqual(before);
    await screenshot(page, 'engine-away-01-not-reachable');
  });

  it('warns before the tab closes with edits the engine does not have', async () => {
    const cell = firstSqlCell(page);
    const editor = cell.locator('[data-testid="sql-editor"]');
    await editor.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await editor.pressSequentially(EDITED_SQL);
    await page.keyboard.press('Escape');
    await page.locator('[data-testid="save-state"]').filter({ hasText: 'Not saved' }).waitFor();

    const asked = new Promise<Dialog>((resolve) => page.once('dialog', resolve));
    await page.close({ runBeforeUnload: true });
    const dialog = await asked;
    expect(dialog.type()).toBe('beforeunload');
    await dialog.dismiss();
    expect(page.isClosed()).toBe(false);
    await screenshot(page, 'engine-away-02-unsaved');
  });

  it('reconnects when recount serve starts again on the workspace: same port, same page, edits saved, cells run again', async () => {
    const port = app.port;
    await page.locator('[data-testid="notebook"]').evaluate((n) => n.setAttribute('data-e2e-old', ''));
    await app.restart();
    expect(app.port).toBe(port);

    await page.locator('[data-testid="engine-status"]').waitFor({ state: 'detached', timeout: 30_000 });
    await page.getByText('The engine restarted').waitFor();
    const reopened = page.locator('[data-testid="notebook"][data-run-state="done"]:not([data-e2e-old])');
    await reopened.waitFor({ timeout: 90_000 });
    expect(await page.evaluate(() => (window as unknown as { e2eMarker?: string }).e2eMarker)).toBe('the same page');
    await page.locator('[data-testid="save-state"]').filter({ hasText: 'Saved to notebooks/' }).waitFor();

    // What was typed while the engine was away is in the notebook's file, and the cell ran it.
    const file = await readFile(join(app.dir, 'notebooks', 'Shop overview.md'), 'utf8');
    expect(file).toContain(EDITED_SQL);
    const cell = firstSqlCell(page);
    expect(await cell.locator('[data-testid="query-error"]').count()).toBe(0);
    expect(await gridRows(cell)).toEqual(before.map(([day, visits]) => [day, visits]));
    const live = page.locator('[data-testid="live-indicator"]');
    expect(await live.getAttribute('data-connected')).toBe('true');
    expect(await text(live)).toMatch(/^Live · [\d,]+ lines$/);
    await screenshot(page, 'engine-away-03-reconnected');
  });
});

describe('two tabs on one engine', () => {
  let other: string;
  let tab: Page;

  it('tells the other tab when one switches the workspace, and it can switch back, demo traffic and all', async () => {
    other = join(app.dir, '..', 'second-workspace');
    await promisify(execFile)(process.execPath, [join(REPO, 'bin', 'recount.js'), 'init', '--workspace', other]);
    expect(await callFromPage(page, 'live.simulate', { running: true })).toMatchObject({
      ok: true,
      result: { simulating: true },
    });
    const live = page.locator('[data-testid="live-indicator"]');
    await live.filter({ hasText: 'demo traffic' }).waitFor();

    // A second tab of the same browser: its cookie is the first tab's.
    tab = await session.context.newPage();
    await tab.goto(app.url);
    await tab.locator('[data-testid="notebook"][data-run-state="done"]').waitFor({ timeout: 90_000 });

    await page.locator('header .workspace').click();
    await page.locator('[data-testid="workspace-open-path"]').fill(other);
    await page.locator('[data-testid="workspace-open"]').click();
    await page.locator('header .workspace').filter({ hasText: 'second-workspace' }).waitFor();
    expect(await text(live)).not.toContain('demo traffic');

    const told = tab.locator('[data-testid="workspace-switched"]');
    await told.waitFor();
    expect(await told.getAttribute('data-to')).toBe(other);
    expect(await told.getAttribute('data-from')).toBe(app.dir);
    expect(await told.innerText()).toContain('Another tab switched the engine to second-workspace.');
    expect(await page.locator('[data-testid="workspace-switched"]').count()).toBe(0);
    await screenshot(tab, 'engine-away-04-other-tab-told');

    // Switching back from the told tab: its workspace is open again with its demo traffic, and the first tab is told.
    await tab.locator('[data-testid="switch-back"]').click();
    await told.waitFor({ state: 'detached' });
    await tab.locator('[data-testid="live-indicator"]').filter({ hasText: 'demo traffic' }).waitFor();
    expect(await callFromPage(tab, 'live.state', {})).toMatchObject({ ok: true, result: { simulating: true } });
    const back = page.locator('[data-testid="workspace-switched"]');
    await back.waitFor();
    expect(await back.getAttribute('data-to')).toBe(app.dir);
    expect(await back.getAttribute('data-from')).toBe(other);
    await screenshot(page, 'engine-away-05-switched-back');

    await page.locator('[data-testid="follow-switch"]').click();
    await back.waitFor({ state: 'detached' });
    await page.locator('header .workspace').filter({ hasText: 'workspace' }).waitFor();
    expect(await page.locator('header .workspace').innerText()).toBe('workspace');
    await page.locator('[data-testid="notebook"][data-run-state="done"]').waitFor({ timeout: 90_000 });
    expect(await callFromPage(page, 'live.simulate', { running: false })).toMatchObject({ ok: true });
  });

  it('closes a tab without asking when nothing is unsaved', async () => {
    let asked = false;
    tab.on('dialog', (d) => {
      asked = true;
      void d.dismiss();
    });
    const closed = tab.waitForEvent('close');
    await tab.close({ runBeforeUnload: true });
    await closed;
    expect(asked).toBe(false);
    expect(session.errors.filter((e) => !REFUSED.test(e))).toEqual([]);
  });
});

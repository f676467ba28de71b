import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openApp, screenshot, startApp, type RunningApp, type Session } from './harness.js';

/**
 * The compare cell as an analyst reads it: the chart shows realtime beside batch, the watermark's label above the
 * data, and a reason's number opens the rows behind it as a new SQL cell. Expected rows come from the log file itself.
 */
let app: RunningApp;
let session: Session;
let page: Page;

async function logIds(): Promise<string[]> {
  const text = await readFile(join(app.dir, 'logs', 'events.log'), 'utf8');
  return text
    .split('\n')
    .slice(0, -1)
    .flatMap((line) => {
      try {
        const id = (JSON.parse(line) as { event_id?: unknown }).event_id;
        return typeof id === 'string' ? [id] : [];
      } catch {
        return [];
      }
    });
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

describe('the compare cell', () => {
  it('draws realtime beside batch, with the watermark labelled above the bars', async () => {
    // Demo traffic for a moment, then still; then three paid orders of the log again, as a retrying shipper sends
    // them: duplicate arrivals the orders pipeline's revenue counts twice naively, whatever the demo's day holds.
    const log = join(app.dir, 'logs', 'events.log');
    const paid = async () =>
      (await readFile(log, 'utf8'))
        .split('\n')
        .slice(0, -1)
        .filter((line) => line.includes('"PaymentSucceeded"'))
        // Paid before now: a simulated session's later events may be stamped minutes ahead, which no view counts yet.
        .filter((line) => {
          try {
            return Date.parse((JSON.parse(line) as { occurred_at: string }).occurred_at) < Date.now() - 1000;
          } catch {
            return false;
          }
        });
    await page.locator('[data-testid="live-simulate"]').check({ force: true });
    await expect.poll(async () => (await paid()).length, { timeout: 60_000 }).toBeGreaterThan(0);
    await page.locator('[data-testid="live-simulate"]').uncheck({ force: true });
    await page.waitForTimeout(1500);
    // Three paid orders of a minute ago, each sent twice: duplicate arrivals in today's partition whatever the demo holds.
    const at = new Date(Date.now() - 60_000).toISOString();
    const orders = [1, 2, 3].map((i) =>
      JSON.stringify({
        event_id: `e2e-paid-${i}-${Date.now()}`,
        event_type: 'PaymentSucceeded',
        occurred_at: at,
        user_id: `U9000${i}`,
        order_id: `O-e2e-${i}-${Date.now()}`,
        amount: 10 * i,
        items: [{ product_id: 'P1001', quantity: 1, price: 10 * i }],
      }),
    );
    await appendFile(log, `${[...orders, ...orders].join('\n')}\n`);
    const total = (await logIds()).length;
    await expect
      .poll(async () => Number(await page.locator('[data-counter="lines"]').getAttribute('data-value')), { timeout: 30_000 })
      .toBe(total);
    const cell = page.locator('[data-cell-kind="compare"]');
    await cell.locator('[data-testid="compare-run"]').click();
    await cell.locator('[data-testid="compare-table"]').waitFor({ timeout: 60_000 });
    // The table of the notebook's first comparison is there at once: wait for this one's duplicates.
    await expect
      .poll(() => cell.locator('button[data-testid="reason-cell"][data-reason="duplicate_arrivals"]').count(), {
        timeout: 60_000,
      })
      .toBeGreaterThan(0);
    const chart = cell.locator('[data-testid="compare-chart"]');
    await chart.scrollIntoViewIfNeeded();
    await page.waitForTimeout(600); // the chart's entry animation
    await chart.screenshot({ path: join(process.cwd(), 'e2e', 'screenshots', 'compare-chart-realtime.png') });
    await screenshot(page, 'compare-drill-01-chart');
  });

  it("opens a reason's rows as a new SQL cell below the compare cell, every log line of those events", async () => {
    const cell = page.locator('[data-cell-kind="compare"]');
    // A reason about the log if there is one (its rows are the log's lines), else one about the lake (its events).
    const buttons = cell.locator('button[data-testid="reason-cell"]');
    await buttons.first().waitFor();
    const reasons = await buttons.evaluateAll((els) => els.map((e) => e.getAttribute('data-reason') ?? ''));
    const duplicates = reasons.indexOf('duplicate_arrivals');
    const pick = Math.max(0, duplicates >= 0 ? duplicates : reasons.findIndex((r) => ['not_in_lake', 'late'].includes(r)));
    const fromLog = ['not_in_lake', 'late', 'duplicate_arrivals'].includes(reasons[pick] ?? '');
    await buttons.nth(pick).click();
    const list = page.locator('[data-testid="drilldown-id"]');
    await list.first().waitFor({ timeout: 60_000 });
    const ids = await list.allInnerTexts();
    expect(ids.length).toBeGreaterThan(0);
    await screenshot(page, 'compare-drill-02-dialog');
    const cellIds = await page.locator('[data-cell-kind]').evaluateAll((els) => els.map((e) => e.getAttribute('data-cell-kind')));
    const at = cellIds.indexOf('compare');
    await page.locator('[data-testid="drilldown-open-sql"]').click();
    const opened = page.locator('[data-cell-kind]').nth(at + 1);
    expect(await opened.getAttribute('data-cell-kind')).toBe('sql');
    const wanted = new Set(ids);
    const lines = fromLog ? (await logIds()).filter((id) => wanted.has(id)) : ids;
    await expect
      .poll(() => opened.locator('[data-testid="row-count"]').innerText(), { timeout: 30_000 })
      .toBe(`${lines.length.toLocaleString('en-US')} ${lines.length === 1 ? 'row' : 'rows'}`);
    await opened.scrollIntoViewIfNeeded();
    await screenshot(page, 'compare-drill-03-sql-cell');
    expect(session.errors).toEqual([]);
  });
});

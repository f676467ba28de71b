import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openApp, screenshot, startApp, type RunningApp, type Session } from './harness.js';

/**
 * The batch layer and the speed layer side by side, as the demo shows them: a pipeline run with its
 * progress, live numbers moving while the simulator writes the log, and a comparison that a recount
 * clears. Expected live values are counted from the log file itself.
 */
let app: RunningApp;
let session: Session;
let page: Page;

const today = () => new Date().toISOString().slice(0, 10);

async function logLines(): Promise<{ event_id: string; event_type: string; occurred_at: string }[]> {
  const text = await readFile(join(app.dir, 'logs', 'events.log'), 'utf8');
  // Complete lines only: a line still being written is not an event yet.
  return text
    .split('\n')
    .slice(0, -1)
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { event_id: string; event_type: string; occurred_at: string });
}

async function liveValue(metric: string, mode: 'naive' | 'exact'): Promise<number> {
  const cell = page.locator(
    `[data-testid="live-value"][data-partition="${today()}"][data-metric="${metric}"][data-mode="${mode}"]`,
  );
  if ((await cell.count()) === 0) return 0;
  return Number(await cell.getAttribute('data-value'));
}

beforeAll(async () => {
  app = await startApp({ simulate: true });
  session = await openApp(app);
  page = session.page;
  await page.locator('[data-testid="notebook"][data-run-state="done"]').waitFor({ timeout: 90_000 });
});

afterAll(async () => {
  await session?.close();
  await app?.stop();
});

describe('batch and live in the browser', () => {
  it('shows live numbers moving while the simulator writes, and exactly what the log holds when it stops', async () => {
    const live = page.locator('[data-cell-kind="live"]');
    await live.scrollIntoViewIfNeeded();
    const first = await liveValue('visits', 'naive');
    await expect.poll(() => liveValue('visits', 'naive'), { timeout: 30_000, interval: 250 }).toBeGreaterThan(first);
    await live.scrollIntoViewIfNeeded();
    await screenshot(page, 'live-01-moving');
    // Stop the demo traffic; once the live view has read the whole log, it must count exactly its lines.
    const simulate = live.locator('[data-testid="live-simulate"]');
    await simulate.uncheck({ force: true }); // the switch's own checkbox is visually hidden behind its track
    await expect.poll(() => simulate.isChecked()).toBe(false);
    await expect.poll(async () => (await logLines()).length, { timeout: 10_000 }).toBeGreaterThan(0);
    // Compared with the log as it is at each look: the switch shows off before the engine says the simulator stopped.
    let lines = await logLines();
    await expect
      .poll(
        async () => {
          lines = await logLines();
          const counted = Number(await live.locator('[data-counter="lines"]').getAttribute('data-value'));
          return counted === lines.length ? 'every line' : `${counted} of ${lines.length} lines`;
        },
        { timeout: 20_000, interval: 300 },
      )
      .toBe('every line');
    const visits = lines.filter((e) => e.event_type === 'UserVisitedWebsite' && e.occurred_at.slice(0, 10) === today());
    await expect.poll(() => liveValue('visits', 'naive'), { timeout: 10_000 }).toBe(visits.length);
    expect(await liveValue('visits', 'exact')).toBe(new Set(visits.map((e) => e.event_id)).size);
    await live.scrollIntoViewIfNeeded();
    await screenshot(page, 'live-02-stopped');
  });

  it('runs a pipeline in full, showing its progress, and every partition ends fresh', async () => {
    const cell = page.locator('[data-cell-kind="pipeline"]');
    await cell.scrollIntoViewIfNeeded();
    await cell.locator('[data-testid="run-full-open"]').click();
    const progressSeen = cell.locator('[data-testid="run-progress"]').waitFor({ state: 'attached', timeout: 30_000 });
    await cell.locator('[data-testid="run-full"]').click();
    await progressSeen;
    await screenshot(page, 'pipeline-01-progress');
    const result = cell.locator('[data-testid="run-result"]');
    await result.waitFor({ timeout: 60_000 });
    expect(await result.getAttribute('data-status')).toBe('succeeded');
    const states = await cell
      .locator('[data-testid="partition"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
    expect(states.filter((s) => s !== 'no-data').every((s) => s === 'fresh')).toBe(true);
    expect(states.filter((s) => s === 'fresh').length).toBe(28);
    await result.scrollIntoViewIfNeeded();
    await screenshot(page, 'pipeline-02-done');
  });

  it('compares batch, realtime and served, and a recount clears the differences it explains', async () => {
    const cell = page.locator('[data-cell-kind="compare"]');
    await cell.scrollIntoViewIfNeeded();
    await cell.locator('[data-testid="compare-run"]').click();
    await cell.locator('[data-testid="compare-table"]').waitFor({ timeout: 60_000 });
    // Today's orders are in the log, not yet in the lake.
    const pending = cell.locator(`[data-testid="reason-cell"][data-partition="${today()}"][data-reason="not_in_lake"]`).first();
    await pending.waitFor();
    expect(Number((await pending.innerText()).replace(/[^\d.]/g, ''))).toBeGreaterThan(0);
    await cell.scrollIntoViewIfNeeded();
    await screenshot(page, 'compare-01-before');
    // Demo traffic on again: the recount must explain what the log held when it read it, while the log grows.
    await page.locator('[data-testid="live-simulate"]').check({ force: true });
    await page.waitForTimeout(1500);
    const linesBefore = (await logLines()).length;
    await cell.locator('[data-testid="recount-button"]').click();
    await cell.locator('[data-testid="recount-outcome"]').waitFor({ timeout: 120_000 });
    expect(await cell.locator('[data-testid="recount-after"]').innerText()).toBe('0');
    expect(Number(await cell.locator('[data-testid="recount-before"]').innerText())).toBeGreaterThan(0);
    const through = Number((await cell.locator('[data-testid="compare-through"]').innerText()).replace(/[^\d]/g, ''));
    expect(through).toBeGreaterThanOrEqual(linesBefore);
    expect(through).toBeLessThanOrEqual((await logLines()).length);
    for (const reason of ['not_in_lake', 'late', 'not_yet_in_batch']) {
      const values = await cell.locator(`[data-testid="reason-cell"][data-reason="${reason}"]`).allInnerTexts();
      expect(
        values.every((v) => v === '—' || v === '0'),
        reason,
      ).toBe(true);
    }
    await cell.locator('[data-testid="recount-outcome"]').scrollIntoViewIfNeeded();
    await screenshot(page, 'compare-02-after-recount');
    expect(session.errors).toEqual([]);
  });
});

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { writeEvents, type Truth } from '../engine/generator/generate.js';
import { openApp, screenshot, startApp, type RunningApp, type Session } from './harness.js';

/**
 * The notebook as an analyst uses it: import a file of their own, query it, chart it, export it, and
 * find it all again in the notebook's file after a reload. Expected values come from the generator's
 * record of what it wrote, never from the app.
 */
const START = '2025-01-06';
const DAYS = ['2025-01-06', '2025-01-07', '2025-01-08'];
const BY_TYPE = `SELECT event_type, count(*) AS n FROM events WHERE event_date BETWEEN DATE '2025-01-06' AND DATE '2025-01-08' GROUP BY ALL ORDER BY event_type`;
const BY_DAY = `SELECT event_date, count(*) AS events FROM events WHERE event_date BETWEEN DATE '2025-01-06' AND DATE '2025-01-08' GROUP BY ALL ORDER BY event_date`;

let app: RunningApp;
let session: Session;
let page: Page;
let truth: Truth;
let file: string;

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function countsBy<T>(items: T[], key: (item: T) => string): [string, number][] {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
}

const inRange = () => truth.events.filter((e) => DAYS.includes(day(e.occurred_at_ms)));

/** Adds a SQL cell at the end of the notebook, types the query and runs it with Shift+Enter. */
async function addSqlCell(sql: string) {
  const before = await page.locator('[data-cell-kind="sql"]').count();
  await page.locator('[data-testid="add-sql"]').last().click();
  const cell = page.locator('[data-cell-kind="sql"]').nth(before);
  const editor = cell.locator('[data-testid="sql-editor"]');
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await editor.pressSequentially(sql);
  await page.keyboard.press('Escape'); // closes the completion list if one is open
  await editor.click();
  await page.keyboard.press('Shift+Enter');
  await cell.locator('[data-testid="row-count"]').waitFor();
  return cell;
}

/** The grid's rows as text; a row's cells fill in when its page of results arrives, so callers poll. */
async function gridRows(cell: ReturnType<Page['locator']>): Promise<string[][]> {
  const rows = cell.locator('[data-testid="grid-row"]');
  const out: string[][] = [];
  for (let i = 0; i < (await rows.count()); i++)
    out.push((await rows.nth(i).locator('[data-testid="grid-cell"]').allInnerTexts()).map((t) => t.trim()));
  return out;
}

beforeAll(async () => {
  app = await startApp();
  session = await openApp(app);
  page = session.page;
  file = join(app.dir, '..', 'my-events.ndjson');
  truth = await writeEvents(
    file,
    { days: 3, eventsPerDay: 200, seed: 77, duplicates: 0.05, late: 0.02, malformed: 0.01, start: START },
    'ndjson',
  );
  await page.locator('[data-testid="notebook"][data-run-state="done"]').waitFor({ timeout: 90_000 });
});

afterAll(async () => {
  await session?.close();
  await app?.stop();
});

describe('the notebook in the browser', () => {
  it('opens on the demo notebook with every cell run and drawn', async () => {
    const kinds = await page
      .locator('[data-cell-kind]')
      .evaluateAll((cells) => cells.map((c) => c.getAttribute('data-cell-kind')));
    expect(new Set(kinds)).toEqual(new Set(['markdown', 'sql', 'chart', 'pipeline', 'live', 'compare', 'scorecard']));
    expect(await page.locator('[data-testid="chart-canvas"]').count()).toBe(2);
    await screenshot(page, 'notebook-01-demo');
  });

  it("shows the scorecard on the demo notebook's first screen, with the engine's own numbers", async () => {
    const card = page.locator('[data-testid="scorecard"]');
    await card.waitFor();
    const metrics = await card
      .locator('[data-testid="scorecard-metric"]')
      .evaluateAll((m) => m.map((e) => e.getAttribute('data-metric')));
    expect(metrics).toEqual(['visitors', 'orders', 'revenue', 'payment_failure_rate']);
    // The demo's four weeks of history hold orders this month (the numbers themselves are checked against the
    // generator's truth in engine/serving/scorecard/scorecard.test.ts).
    const shown = await card
      .locator('[data-metric="orders"] [data-period="month"] [data-testid="scorecard-value"]')
      .getAttribute('data-value');
    expect(Number(shown)).toBeGreaterThan(0);
    const box = await card.boundingBox();
    expect(box && box.y).toBeLessThan(900);
    expect(await card.locator('[data-testid="scorecard-row"]').count()).toBe(5);
    await screenshot(page, 'notebook-01b-scorecard');
  });

  it('imports a file through the import dialog, with its rejected rows viewable', async () => {
    await page.getByRole('button', { name: 'Import' }).first().click();
    const dialog = page.locator('[data-testid="import-dialog"]');
    await dialog.waitFor();
    await page.locator('[data-testid="import-file-input"]').setInputFiles(file);
    await page.locator('[data-testid="import-start"]').click();
    const row = page.locator('[data-testid="import-file"]');
    await row.waitFor({ timeout: 60_000 });
    expect(await row.getAttribute('data-status')).toBe('imported');
    const landed = truth.lines - truth.malformed.length;
    const cells = (await row.locator('td').allInnerTexts()).map((t) => t.trim());
    expect(cells[2]).toBe(landed.toLocaleString('en-US'));
    expect(cells[3]).toBe(String(truth.malformed.length));
    expect(cells[4]).toBe(String(truth.duplicates.length));
    await page.locator('[data-testid="import-view-rejects"]').click();
    const rejects = page.locator('[data-testid="rejects-table"] tbody tr');
    await rejects.first().waitFor();
    const lines = (await rejects.evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-line'))))).sort(
      (a, b) => a - b,
    );
    expect(lines).toEqual(truth.malformed.map((m) => m.line).sort((a, b) => a - b));
    await screenshot(page, 'notebook-02-import-summary');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('says how it read a file: dialect, fields, exact types, decimal commas, renames', async () => {
    // A European export: semicolons, decimal commas, a 19-digit id, two headers that differ only in case.
    const csv = join(app.dir, '..', 'orders-export.csv');
    await writeFile(
      csv,
      'type;ts;Betrag;Kategorie;kategorie\nOrder;2024-12-02T10:00:00Z;1,5;2103807459595387724;a\nOrder;2024-12-02T11:00:00Z;-0,25;2053013555631882655;b\n',
    );
    await page.getByRole('button', { name: 'Import' }).first().click();
    const dialog = page.locator('[data-testid="import-dialog"]');
    await dialog.waitFor();
    await page.locator('[data-testid="import-file-input"]').setInputFiles(csv);
    await page.locator('[data-testid="import-start"]').click();
    await page.locator('[data-testid="import-file"]').waitFor({ timeout: 60_000 });
    const readAs = page.locator('[data-testid="import-read-as"]');
    await readAs.waitFor();
    expect(await page.locator('[data-testid="import-dialect"]').innerText()).toBe(
      `delimiter ';', quote '"', escape doubled quote, header, decimal separator ','`,
    );
    const notes = (await page.locator('[data-testid="import-notes"] li').allInnerTexts()).map((t) =>
      t.replace(/\s+/g, ' ').trim(),
    );
    expect(notes).toEqual([
      'renamed kategorie_1 the header "kategorie" is stored as kategorie_1: another column has the same name but for case (DuckDB names ignore case)',
      'converted Betrag numbers with a decimal comma, read as DOUBLE (1,5 is 1.5)',
    ]);
    await page.getByText('columns and their types').click();
    const types = await page.locator('[data-testid="import-columns"] tbody tr').allInnerTexts();
    expect(types.map((t) => t.split('\t').map((c) => c.trim()))).toContainEqual(['Kategorie', 'Kategorie', 'BIGINT']);
    await screenshot(page, 'notebook-02b-import-read-as');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('runs a SQL cell with Shift+Enter and shows exactly the counts the generator wrote', async () => {
    const cell = await addSqlCell(BY_TYPE);
    const expected = countsBy(inRange(), (e) => e.event_type).map(([type, n]) => [type, String(n)]);
    await expect.poll(() => gridRows(cell), { timeout: 10_000 }).toEqual(expected);
    expect(await cell.locator('[data-testid="row-count"]').innerText()).toBe(`${expected.length} rows`);
    await cell.scrollIntoViewIfNeeded();
    await screenshot(page, 'notebook-03-sql');
  });

  it('exports the result as CSV with exactly those rows', async () => {
    const cell = page.locator('[data-cell-kind="sql"]').last();
    const [download] = await Promise.all([page.waitForEvent('download'), cell.locator('[data-testid="export-csv"]').click()]);
    const text = await readFile((await download.path()) as string, 'utf8');
    const expected =
      ['event_type,n', ...countsBy(inRange(), (e) => e.event_type).map(([t, n]) => `${t},${n}`)].join('\r\n') + '\r\n';
    expect(text).toBe(expected);
  });

  it('draws a chart of a result on a time axis, as a bar chart when asked', async () => {
    const sql = await addSqlCell(BY_DAY);
    await expect
      .poll(() => gridRows(sql), { timeout: 10_000 })
      .toEqual(countsBy(inRange(), (e) => day(e.occurred_at_ms)).map(([d, n]) => [d, String(n)]));
    await page.locator('[data-testid="add-chart"]').last().click();
    const chart = page.locator('[data-cell-kind="chart"]').last();
    const canvas = chart.locator('[data-testid="chart-canvas"]');
    await canvas.waitFor();
    // The new chart draws the SQL cell above it: x the date, y the count.
    expect(await chart.locator('[data-testid="chart-x"]').inputValue()).toBe('event_date');
    await chart.locator('[data-testid="chart-type"]').selectOption('bar');
    await page.waitForTimeout(300);
    // Something was drawn: the canvas holds pixels of the first series colour.
    const painted = await canvas.evaluate((c: HTMLCanvasElement) => {
      const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) n++;
      return n;
    });
    expect(painted).toBeGreaterThan(1000);
    await chart.scrollIntoViewIfNeeded();
    await screenshot(page, 'notebook-04-chart');
  });

  it('saves the notebook as a Markdown file and opens it again from that file after a reload', async () => {
    await page.locator('[data-testid="save-state"]', { hasText: 'Saved' }).waitFor({ timeout: 20_000 });
    const text = await readFile(join(app.dir, 'notebooks', 'Shop overview.md'), 'utf8');
    expect(text).toContain(`\n${BY_TYPE}\n`);
    expect(text).toContain(`\n${BY_DAY}\n`);
    expect(text).toMatch(/```chart \{"id":"[^"]+","source":"[^"]+","type":"bar","x":"event_date","y":\["events"\]/);
    await page.reload();
    await page.locator('[data-testid="notebook"][data-run-state="done"]').waitFor({ timeout: 90_000 });
    const sqlCells = page.locator('[data-cell-kind="sql"]');
    const restored = sqlCells.nth((await sqlCells.count()) - 2);
    await expect
      .poll(() => gridRows(restored), { timeout: 10_000 })
      .toEqual(countsBy(inRange(), (e) => e.event_type).map(([type, n]) => [type, String(n)]));
    expect(await page.locator('[data-cell-kind="chart"]').last().locator('[data-testid="chart-type"]').inputValue()).toBe('bar');
    await screenshot(page, 'notebook-05-reloaded');
    expect(session.errors).toEqual([]);
  });
});

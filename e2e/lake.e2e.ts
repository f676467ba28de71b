import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { DuckDBInstance } from '@duckdb/node-api';
import { writeEvents, type Truth } from '../engine/generator/generate.js';
import { openApp, screenshot, startApp, type RunningApp, type Session } from './harness.js';

/**
 * The lake section as a user undoes a wrong import: a file of their own is uploaded (browser mode), named as they
 * named it in the lake, its rejects and every import's reached from the lake's rejected count, and the import
 * removed again. Expected values come from the generator's record of what it wrote.
 */
let app: RunningApp;
let session: Session;
let page: Page;
let truth: Truth;
let file: string;

const count = (n: number) => n.toLocaleString('en-US');

async function lakeNumbers(): Promise<{ events: string; rejected: string }> {
  return {
    events: (await page.locator('[data-testid="lake-events"]').innerText()).trim(),
    rejected: (await page.locator('[data-testid="lake-rejected"]').innerText()).trim(),
  };
}

/** Adds a SQL cell at the end of the notebook, types the query and runs it with Shift+Enter. */
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

async function firstRow(cell: Locator): Promise<string[]> {
  const row = cell.locator('[data-testid="grid-row"]').first();
  await row.locator('[data-testid="grid-cell"]').first().waitFor();
  return (await row.locator('[data-testid="grid-cell"]').allInnerTexts()).map((t) => t.trim());
}

beforeAll(async () => {
  app = await startApp();
  session = await openApp(app);
  page = session.page;
  file = join(app.dir, '..', 'wrong-export.ndjson');
  truth = await writeEvents(
    file,
    { days: 2, eventsPerDay: 150, seed: 91, duplicates: 0.04, late: 0, malformed: 0.02, start: '2025-03-03' },
    'ndjson',
  );
  await page.locator('[data-testid="notebook"][data-run-state="done"]').waitFor({ timeout: 90_000 });
});

afterAll(async () => {
  await session?.close();
  await app?.stop();
});

describe('the lake section', () => {
  let before: { events: string; rejected: string };
  let demoRejected: number;

  it('names an uploaded file as the user named it, in the lake, its rejects and the list of imports', async () => {
    before = await lakeNumbers();
    demoRejected = Number(before.rejected.replace(/\D/g, ''));
    await page.getByRole('button', { name: 'Import' }).first().click();
    await page.locator('[data-testid="import-dialog"]').waitFor();
    await page.locator('[data-testid="import-file-input"]').setInputFiles(file);
    await page.locator('[data-testid="import-start"]').click();
    const row = page.locator('[data-testid="import-file"]');
    await row.waitFor({ timeout: 60_000 });
    expect(await row.getAttribute('data-status')).toBe('imported');
    await page.keyboard.press('Escape');
    await page.locator('[data-testid="import-dialog"]').waitFor({ state: 'hidden' });
    const first = page.locator('[data-testid="lake-imports"] li').first();
    await expect.poll(() => first.innerText(), { timeout: 20_000 }).toContain('wrong-export.ndjson');
    const cell = await addSqlCell(
      `SELECT (SELECT string_agg(DISTINCT _source_file, ',') FROM raw_events WHERE _source_file LIKE '%wrong-export%') AS lake, (SELECT string_agg(DISTINCT source_file, ',') FROM rejects WHERE source_file LIKE '%wrong-export%') AS rejects, (SELECT string_agg(DISTINCT source_path, ',') FROM imports WHERE source_path LIKE '%wrong-export%') AS catalog`,
    );
    expect(await firstRow(cell)).toEqual(['wrong-export.ndjson', 'wrong-export.ndjson', 'wrong-export.ndjson']);
    await screenshot(page, 'lake-01-upload-named');
  });

  it('exports a result as Parquet from the app, typed as the lake has it', async () => {
    const cell = await addSqlCell(
      `SELECT event_id, event_type, occurred_at FROM events WHERE _source_file = 'wrong-export.ndjson' ORDER BY event_id`,
    );
    await cell.locator('[data-testid="export-csv-formats"]').click();
    await cell.locator('[data-testid="export-as-parquet"]').waitFor();
    await screenshot(page, 'lake-01b-export-menu');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      cell.locator('[data-testid="export-as-parquet"]').click(),
    ]);
    expect(download.suggestedFilename()).toBe('query-result.parquet');
    const saved = join(app.dir, '..', 'export.parquet');
    await download.saveAs(saved);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const types = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${saved}')`)).getRowObjectsJson();
      expect(types.map((t) => [t.column_name, t.column_type])).toEqual([
        ['event_id', 'VARCHAR'],
        ['event_type', 'VARCHAR'],
        ['occurred_at', 'TIMESTAMP WITH TIME ZONE'],
      ]);
      const rows = (
        await connection.runAndReadAll(`SELECT event_id, epoch_ms(occurred_at)::DOUBLE AS ms FROM read_parquet('${saved}')`)
      ).getRowObjectsJson();
      const expected = [...truth.events].sort((a, b) => (a.event_id < b.event_id ? -1 : 1));
      expect(rows.map((r) => [r.event_id, Number(r.ms)])).toEqual(expected.map((e) => [e.event_id, e.occurred_at_ms]));
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it("opens every import's rejects from the lake's rejected count, and as a SQL cell", async () => {
    const total = demoRejected + truth.malformed.length;
    await expect.poll(async () => (await lakeNumbers()).rejected, { timeout: 20_000 }).toBe(`${count(total)} rejected`);
    await page.locator('[data-testid="lake-rejected"]').click();
    const rows = page.locator('[data-testid="rejects-table"] tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(total);
    const mine = await page
      .locator('[data-testid="rejects-table"] tbody tr', { hasText: 'wrong-export.ndjson' })
      .evaluateAll((trs) => trs.map((r) => Number(r.getAttribute('data-line'))));
    expect(mine.sort((a, b) => a - b)).toEqual(truth.malformed.map((m) => m.line).sort((a, b) => a - b));
    await screenshot(page, 'lake-02-all-rejects');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'lake-02-all-rejects-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    const cells = await page.locator('[data-cell-kind="sql"]').count();
    await page.locator('[data-testid="rejects-open-sql"]').click();
    const cell = page.locator('[data-cell-kind="sql"]').nth(cells);
    await expect
      .poll(() => cell.locator('[data-testid="row-count"]').innerText(), { timeout: 20_000 })
      .toBe(`${count(total)} rows`);
    await cell.scrollIntoViewIfNeeded();
    await screenshot(page, 'lake-03-rejects-cell');
  });

  it('removes the import after asking, and the lake is as it was before it', async () => {
    const row = page.locator('[data-testid="lake-imports"] li', { hasText: 'wrong-export.ndjson' });
    await row.hover();
    await row.locator('[data-testid="lake-remove-import"]').click();
    const confirm = page.locator('[data-testid="remove-import-confirm"]');
    await confirm.waitFor();
    const landed = truth.lines - truth.malformed.length;
    expect(await confirm.innerText()).toContain(
      `Its ${count(landed)} rows and ${truth.malformed.length} rejected lines leave the lake`,
    );
    await screenshot(page, 'lake-04-remove-confirm');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'lake-04-remove-confirm-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.locator('[data-testid="remove-import-go"]').click();
    await confirm.waitFor({ state: 'hidden' });
    await expect.poll(lakeNumbers, { timeout: 20_000 }).toEqual(before);
    expect(await page.locator('[data-testid="lake-imports"] li', { hasText: 'wrong-export.ndjson' }).count()).toBe(0);
    const cell = await addSqlCell(`SELECT count(*) AS n FROM raw_events WHERE _source_file = 'wrong-export.ndjson'`);
    expect(await firstRow(cell)).toEqual(['0']);
    await page.locator('[data-testid="panel-lake"]').scrollIntoViewIfNeeded();
    await screenshot(page, 'lake-05-removed');
    expect(session.errors).toEqual([]);
  });
});

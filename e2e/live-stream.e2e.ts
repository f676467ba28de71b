import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { writeEvents } from '../engine/generator/generate.js';
import { declareStream, publishLines, startBroker, type TestBroker } from '../engine/testing/rabbitmq.js';
import { openApp, screenshot, startApp, type RunningApp, type Session } from './harness.js';

/**
 * The app's live section following a RabbitMQ stream instead of the log: chosen in the side panel, its numbers what
 * was published, its status through a broker stopped and started again, and back to the log.
 */
let broker: TestBroker;
let app: RunningApp;
let session: Session;
let page: Page;
let lines: string[];
let distinct: number;

const text = async (selector: string) => ((await page.locator(selector).textContent()) ?? '').replace(/\s+/g, ' ').trim();
const counter = async (name: string) =>
  Number(
    ((await page.locator(`[data-testid="panel-live-counters"] div:has(dt:text-is("${name}")) dd`).textContent()) ?? '').replace(
      /,/g,
      '',
    ),
  );

beforeAll(async () => {
  broker = await startBroker({ name: 'e2e-stream' });
  await declareStream(broker.url, 'shop');
  app = await startApp();
  const source = join(app.dir, '..', 'stream-source.ndjson');
  const truth = await writeEvents(
    source,
    { days: 2, eventsPerDay: 200, seed: 5, duplicates: 0.05, late: 0, malformed: 0 },
    'ndjson',
  );
  lines = (await readFile(source, 'utf8')).split('\n').filter(Boolean);
  distinct = truth.events.length;
  // One message that is no event: rejected by its offset, as a bad line of a log is.
  await publishLines(broker.url, 'shop', [...lines, 'not an event']);
  session = await openApp(app);
  page = session.page;
  await page.locator('[data-testid="notebook"][data-run-state="done"]').waitFor({ timeout: 90_000 });
}, 240_000);

afterAll(async () => {
  await session?.close();
  await app?.stop();
  await broker?.cleanup();
}, 120_000);

describe('the live section following a RabbitMQ stream', () => {
  it('follows the stream chosen in the panel: exactly what was published, its offset, and its state through a broker restart', async () => {
    await page.locator('[data-testid="panel-live-source"]').click();
    await page.locator('[data-testid="live-source-amqp"]').check();
    await page.locator('[data-testid="live-source-url"]').fill(broker.url);
    await page.locator('[data-testid="live-source-stream"]').fill('shop');
    await screenshot(page, 'live-stream-01-choose');
    await page.locator('[data-testid="live-source-follow"]').click();

    await expect.poll(() => text('[data-testid="panel-live-tail-state"]'), { timeout: 30_000 }).toBe('Following');
    await expect.poll(() => counter('Events'), { timeout: 30_000 }).toBe(lines.length);
    expect(await counter('Lines')).toBe(lines.length + 1);
    expect(await counter('Distinct')).toBe(distinct);
    expect(await counter('Rejects')).toBe(1);
    expect(await text('[data-testid="panel-live-source-name"]')).toBe('shop');
    expect(await text('[data-testid="panel-live-offset"]')).toBe(`At offset ${lines.length.toLocaleString('en-US')}`);
    expect(await page.locator('[data-testid="panel-live-gap"]').count()).toBe(0);
    // The engine's live state names the stream without its password.
    expect(await page.locator('[data-testid="panel-live-source-name"]').getAttribute('title')).toBe(
      `amqp://guest@127.0.0.1:${broker.port}/%2F?stream=shop`,
    );
    await screenshot(page, 'live-stream-02-following');

    await broker.stop();
    await expect.poll(() => text('[data-testid="panel-live-tail-state"]'), { timeout: 30_000 }).toBe('Reconnecting');
    expect(await text('[data-testid="panel-live-stream-error"]')).toMatch(/trying again .*\(attempt \d+\)/);
    await screenshot(page, 'live-stream-03-reconnecting');
    await broker.start();
    await expect.poll(() => text('[data-testid="panel-live-tail-state"]'), { timeout: 90_000 }).toBe('Following');
    await publishLines(broker.url, 'shop', lines.slice(0, 10));
    await expect.poll(() => counter('Events'), { timeout: 30_000 }).toBe(lines.length + 10);
    expect(await counter('Distinct')).toBe(distinct);

    // The stream deleted: a failure no retry mends, said as such.
    await broker.ctl('delete_queue', 'shop');
    await expect.poll(() => text('[data-testid="panel-live-tail-state"]'), { timeout: 30_000 }).toBe('Failed');
    expect(await text('[data-testid="panel-live-stream-error"]')).toBe(
      `the stream shop was deleted from amqp://guest@127.0.0.1:${broker.port}/%2F?stream=shop`,
    );
    // Said once, in the stream's status: not a second time as a problem of the view.
    expect(await page.locator('[data-testid="panel-live"] .error').count()).toBe(1);
    await screenshot(page, 'live-stream-04-failed');

    await page.locator('[data-testid="panel-live-source"]').click();
    await page.locator('[data-testid="live-source-file"]').check();
    await page.locator('[data-testid="live-source-follow"]').click();
    await expect.poll(() => text('[data-testid="panel-live-source-name"]'), { timeout: 30_000 }).toBe('events.log');
    expect(session.errors).toEqual([]);
  });
});

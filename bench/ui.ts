import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from '../engine/testing/chromium.js';
import { Engine } from '../engine/service/engine.js';
import { demoNotebook, ensureDemoWorkspace } from '../engine/service/demo.js';
import { initWorkspace, openWorkspace } from '../engine/service/init.js';
import { startBrowserServer } from '../engine/server/server.js';
import { importFile } from '../engine/lake/import.js';
import { serializeNotebook } from '../engine/shared/notebook-format.js';
import { BENCH_DIR, dataset } from './data.js';
import { IMPORT_DATASET } from './import.js';
import { median, type Report } from './report.js';

/** The renderer as `npm run build` built it (the bench runs from source, so the engine's own default would be renderer/). */
const RENDERER_DIR = fileURLToPath(new URL('../dist/renderer/', import.meta.url));

/** What page-side code uses of the DOM: Node's types know no DOM, so these shapes stand in for it. */
interface PageElement {
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
  getAttribute(name: string): string | null;
}
interface PageGlobal {
  requestAnimationFrame(callback: (t: number) => void): number;
  document: { querySelector(selector: string): PageElement | null; querySelectorAll(selector: string): Iterable<PageElement> };
}

const BIG_SQL = 'SELECT event_id, event_type, occurred_at, user_id, event_date FROM events';

async function serve(dir: string, log?: string) {
  const engine = await Engine.open({ dir, transport: 'browser', ...(log ? { log } : {}) });
  const server = await startBrowserServer({ engine, staticDir: RENDERER_DIR, uploadDir: join(dir, '.tmp', 'uploads') });
  return {
    /** A one-time launch link for each browser context that opens the app. */
    get launchUrl() {
      return server.newLaunchUrl();
    },
    close: async () => {
      await server.close();
      await engine.close();
    },
  };
}

/** The same SQL straight through DuckDB in this process: materialized, then its first page read. */
async function bareQuery(dir: string, sql: string): Promise<number> {
  const workspace = await openWorkspace(dir);
  try {
    const connection = await workspace.connect();
    const started = performance.now();
    await connection.run(`CREATE OR REPLACE TEMP TABLE bare_result AS ${sql}`);
    await connection.all('SELECT * FROM bare_result WHERE rowid < 100');
    const ms = performance.now() - started;
    connection.close();
    return ms;
  } finally {
    await workspace.close();
  }
}

/** Frames per second while the grid scrolls from top to bottom, measured in the page with requestAnimationFrame. */
async function scrollFps(
  page: Page,
  seconds: number,
): Promise<{ fps: number; idleFps: number; longFrames: number; rowsSeen: string }> {
  return page.evaluate(async (duration) => {
    const win = globalThis as unknown as PageGlobal;
    const { document } = win;
    const frame = () => new Promise<number>((r) => win.requestAnimationFrame(r));
    const count = async (ms: number, step?: (t: number) => void) => {
      let frames = 0;
      let long = 0;
      const start = await frame();
      let last = start;
      for (let t = start; t - start < ms; t = await frame()) {
        step?.((t - start) / ms);
        if (t - last > 50) long++;
        last = t;
        frames++;
      }
      return { fps: (frames / ms) * 1000, long };
    };
    const idle = await count(1000);
    const scroller = document.querySelector('[data-testid="result-grid"]') as PageElement;
    const max = scroller.scrollHeight - scroller.clientHeight;
    const moving = await count(duration * 1000, (f) => {
      scroller.scrollTop = Math.round(f * max);
    });
    scroller.scrollTop = max;
    await new Promise((r) => setTimeout(r, 500));
    const last = [...document.querySelectorAll('[data-testid="grid-row"]')].at(-1)?.getAttribute('data-row') ?? '';
    return { fps: moving.fps, idleFps: idle.fps, longFrames: moving.long, rowsSeen: last };
  }, seconds);
}

export async function benchUi(report: Report): Promise<void> {
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) throw new Error('The renderer is not built: npm run build');
  const browser = await launchChromium();
  try {
    // 1. Opening the app on the demo workspace until every cell of the demo notebook has run and drawn.
    const demoDir = join(BENCH_DIR, 'ui-demo');
    await rm(demoDir, { recursive: true, force: true });
    const demo = await ensureDemoWorkspace(demoDir);
    const app = await serve(demoDir, demo.log);
    const opens: number[] = [];
    const loads: number[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
        const page = await context.newPage();
        const started = performance.now();
        await page.goto(app.launchUrl, { waitUntil: 'domcontentloaded' });
        loads.push(performance.now() - started);
        await page.waitForSelector('[data-testid="notebook"][data-run-state="done"]', { timeout: 120_000 });
        await page.evaluate(() => {
          const win = globalThis as unknown as PageGlobal;
          return new Promise((r) => win.requestAnimationFrame(() => win.requestAnimationFrame(r)));
        });
        opens.push(performance.now() - started);
        await context.close();
      }
    } finally {
      await app.close();
    }
    let bareDemo = 0;
    for (const cell of demoNotebook().cells) if (cell.kind === 'sql') bareDemo += await bareQuery(demoDir, cell.sql);
    report.add({
      section: 'app',
      name: 'open the app in browser mode until the demo notebook has run and drawn (every cell)',
      value: Math.round(median(opens)),
      unit: 'ms',
      baseline: {
        name: 'the same page loaded, before any engine call (DOMContentLoaded)',
        value: Math.round(median(loads)),
        unit: 'ms',
      },
      ratio: median(opens) / median(loads),
      detail: { "the notebook's SQL cells straight through DuckDB ms": Math.round(bareDemo), runs: opens.length },
    });

    // 2. and 3. A SQL cell over a million events: time to its first rows, then scrolling the result.
    const data = await dataset('import', IMPORT_DATASET);
    const bigDir = join(BENCH_DIR, 'ui-million');
    await rm(bigDir, { recursive: true, force: true });
    await initWorkspace(bigDir);
    const workspace = await openWorkspace(bigDir);
    try {
      const imported = await importFile(workspace, data.path);
      if (imported.status !== 'imported') throw new Error(`bench import failed: ${imported.error}`);
    } finally {
      await workspace.close();
    }
    await writeFile(
      join(bigDir, 'notebooks', 'Million.md'),
      serializeNotebook({ title: 'Million', cells: [{ kind: 'sql', id: 'big', sql: BIG_SQL }] }),
    );
    const bare: number[] = [];
    for (let i = 0; i < 3; i++) bare.push(await bareQuery(bigDir, BIG_SQL));
    const big = await serve(bigDir);
    const firstRows: number[] = [];
    let scrolling: Awaited<ReturnType<typeof scrollFps>> | undefined;
    let rowCount = '';
    try {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      // tsx keeps function names with a helper (__name) the page does not have; functions sent to evaluate need it.
      await context.addInitScript('globalThis.__name = (f) => f');
      const page = await context.newPage();
      await page.goto(big.launchUrl);
      await page.waitForSelector('[data-testid="notebook"][data-run-state="done"]', { timeout: 180_000 });
      for (let i = 0; i < 3; i++) {
        const before = await page.locator('[data-testid="result-grid"]').first().getAttribute('data-query-id');
        const started = performance.now();
        await page.locator('[data-testid="run-query"]').first().click();
        // First rows shown: a grid for a new result, with the cells of its first row drawn.
        await page.waitForFunction(
          (old) => {
            const { document } = globalThis as unknown as PageGlobal;
            const grid = document.querySelector('[data-testid="result-grid"]');
            if (!grid || grid.getAttribute('data-query-id') === old) return false;
            return (
              document.querySelector(
                '[data-testid="result-grid"] [data-testid="grid-row"][data-row="0"] [data-testid="grid-cell"]',
              ) !== null
            );
          },
          before,
          { timeout: 120_000, polling: 'raf' },
        );
        firstRows.push(performance.now() - started);
      }
      rowCount = (await page.locator('[data-testid="row-count"]').first().textContent()) ?? '';
      scrolling = await scrollFps(page, 5);
      await context.close();
    } finally {
      await big.close();
    }
    report.add({
      section: 'app',
      name: `run a SQL cell over ${data.lines.toLocaleString('en-US')} events until its first rows show (${BIG_SQL})`,
      value: Math.round(median(firstRows)),
      unit: 'ms',
      baseline: {
        name: 'the same SQL in DuckDB in this process (materialize + first 100 rows)',
        value: Math.round(median(bare)),
        unit: 'ms',
      },
      ratio: median(firstRows) / median(bare),
      detail: { 'result rows': rowCount.trim(), runs: firstRows.length },
    });
    if (scrolling) {
      report.add({
        section: 'app',
        name: 'frames per second scrolling that result from its first row to its last in 5 s',
        value: Math.round(scrolling.fps),
        unit: 'fps',
        baseline: { name: 'the same page idle', value: Math.round(scrolling.idleFps), unit: 'fps' },
        ratio: scrolling.fps / scrolling.idleFps,
        detail: { 'frames over 50 ms': scrolling.longFrames, 'last row shown': scrolling.rowsSeen },
      });
    }
  } finally {
    await browser.close();
  }
}

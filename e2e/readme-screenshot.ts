// Takes the README's screenshot: the demo notebook's scorecard and its compare cell, in Chromium, light theme.
// The cells between them are left out of the picture (hidden in the page, not changed), so both fit one screen.
// Usage: npm run build && node --import tsx e2e/readme-screenshot.ts [docs/demo-notebook.png]
import { join } from 'node:path';
import { openApp, REPO, startApp } from './harness.js';

const out = process.argv[2] ?? join(REPO, 'docs', 'demo-notebook.png');
// Demo traffic, so that today's partition has live events for the compare cell to reconcile.
const app = await startApp({ simulate: true });
try {
  const session = await openApp(app, { width: 1440, height: 1500 });
  try {
    const { page } = session;
    await page.locator('[data-testid="notebook"][data-run-state="done"]').waitFor({ timeout: 120_000 });
    await page.locator('[data-testid="sidebar-toggle"]').click();
    await page.waitForTimeout(10_000);
    await page.locator('[data-cell-kind="compare"] [data-testid="compare-run"]').click();
    await page.locator('[data-cell-kind="compare"] [data-testid="compare-table"]').waitFor({ timeout: 60_000 });
    await page.evaluate(() => {
      const cells = Array.from(document.querySelectorAll<HTMLElement>('[data-cell-id]'));
      const first = cells.findIndex((c) => c.dataset.cellKind === 'scorecard');
      const compare = cells.findIndex((c) => c.dataset.cellKind === 'compare');
      cells.forEach((c, i) => {
        if (i !== first && i !== compare) c.style.display = 'none';
      });
      for (const gap of Array.from(document.querySelectorAll<HTMLElement>('[data-testid="add-cell"]')))
        gap.style.display = 'none';
      document.querySelector('main.content')?.scrollTo(0, 0);
      (document.activeElement as HTMLElement | null)?.blur();
    });
    await page.mouse.move(0, 0);
    await page.waitForTimeout(800);
    await page.screenshot({ path: out });
    console.log(out);
  } finally {
    await session.close();
  }
} finally {
  await app.stop();
}

#!/usr/bin/env node
// Development aid: open a URL in Debian's Chromium (headless) and save a screenshot, to look at the UI.
// Usage: node scripts/screenshot.mjs URL OUT.png [--width 1440] [--height 900] [--dark] [--wait MS] [--full]
import { chromium } from 'playwright-core';

const [url, out, ...rest] = process.argv.slice(2);
if (!url || !out) {
  console.error('usage: node scripts/screenshot.mjs URL OUT.png [--width N] [--height N] [--dark] [--wait MS] [--full]');
  process.exit(2);
}
const flag = (name, fallback) => {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 ? rest[i + 1] : fallback;
};
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
const page = await browser.newPage({
  viewport: { width: Number(flag('width', 1440)), height: Number(flag('height', 900)) },
  colorScheme: rest.includes('--dark') ? 'dark' : 'light',
});
page.on('console', (m) => m.type() === 'error' && console.error('console:', m.text()));
page.on('pageerror', (e) => console.error('pageerror:', e.message));
await page.goto(url);
await page.waitForTimeout(Number(flag('wait', 3000)));
await page.screenshot({ path: out, fullPage: rest.includes('--full') });
await browser.close();
console.log(out);

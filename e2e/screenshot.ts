// Development aid: open a URL in Debian's Chromium (headless) and save a screenshot, to look at the UI.
// Usage: node --import tsx e2e/screenshot.ts URL OUT.png [--width 1440] [--height 900] [--dark] [--wait MS]
import { launchChromium } from '../engine/testing/chromium.js';

const [url, out, ...rest] = process.argv.slice(2);
if (!url || !out) {
  console.error('usage: node --import tsx e2e/screenshot.ts URL OUT.png [--width N] [--height N] [--dark] [--wait MS]');
  process.exit(2);
}
const flag = (name: string, fallback: number) => {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 ? Number(rest[i + 1]) : fallback;
};
const browser = await launchChromium();
const page = await browser.newPage({
  viewport: { width: flag('width', 1440), height: flag('height', 900) },
  colorScheme: rest.includes('--dark') ? 'dark' : 'light',
});
page.on('console', (m) => m.type() === 'error' && console.error('console:', m.text()));
page.on('pageerror', (e) => console.error('pageerror:', e.message));
await page.goto(url);
await page.waitForTimeout(flag('wait', 3000));
await page.screenshot({ path: out });
await browser.close();
console.log(out);

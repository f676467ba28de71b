import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../engine/testing/chromium.js';

export const REPO = fileURLToPath(new URL('..', import.meta.url));
export const SCREENSHOTS = join(REPO, 'e2e', 'screenshots');

export interface RunningApp {
  dir: string;
  url: string;
  launchUrl: string;
  port: number;
  output: () => string;
  /** Stops `recount serve` (as Ctrl-C does), keeping the workspace. */
  kill(): Promise<void>;
  /** Starts `recount serve` again on the same workspace, as a user would after stopping it; url and port are the new ones. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `recount serve` on a fresh demo workspace (or an existing folder), as a user would start it. The
 * engine is the built one (`npm run build` runs first in `npm test`).
 */
export async function startApp(options: { simulate?: boolean; workspace?: string; demo?: boolean } = {}): Promise<RunningApp> {
  const entry = join(REPO, 'dist', 'engine', 'cli', 'main.js');
  if (!existsSync(entry) || !existsSync(join(REPO, 'dist', 'renderer', 'index.html')))
    throw new Error('The app is not built: run `npm run build` first');
  const root = await mkdtemp(join(tmpdir(), 'recount-e2e-'));
  const dir = options.workspace ?? join(root, 'workspace');
  const args = [join(REPO, 'bin', 'recount.js'), 'serve', '--workspace', dir, '--json'];
  if (options.demo ?? true) args.push('--demo');
  if (options.simulate) args.push('--simulate');
  let log = '';
  let child: ChildProcess | undefined;
  const serve = async () => {
    child = spawn(process.execPath, args, {
      cwd: REPO,
      env: { ...process.env, RECOUNT_CONFIG_DIR: join(root, 'config'), FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const started = child;
    started.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    const first = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: started.stdout! });
      lines.once('line', resolve);
      started.once('exit', (code) => reject(new Error(`recount serve exited with ${code}:\n${log}`)));
    });
    return JSON.parse(first) as { url: string; launchUrl: string; port: number };
  };
  const kill = async () => {
    const running = child;
    if (running && running.exitCode === null) {
      running.kill('SIGINT');
      await new Promise((r) => running.once('exit', r));
    }
  };
  const app: RunningApp = {
    dir,
    ...(await serve()),
    output: () => log,
    kill,
    async restart() {
      await kill();
      Object.assign(app, await serve());
    },
    async stop() {
      await kill();
      await rm(root, { recursive: true, force: true });
    },
  };
  return app;
}

export interface Session {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Errors the page logged or threw: a test fails if any appear. */
  errors: string[];
  close(): Promise<void>;
}

/** A Chromium page signed in to the app (the launch URL sets the cookie). A missing browser fails the test. */
export async function openApp(
  app: RunningApp,
  options: { colorScheme?: 'light' | 'dark'; width?: number; height?: number } = {},
): Promise<Session> {
  const browser = await launchChromium();
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1440, height: options.height ?? 900 },
    colorScheme: options.colorScheme ?? 'light',
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  await page.goto(app.launchUrl);
  return {
    browser,
    context,
    page,
    errors,
    close: async () => {
      await context.close();
      await browser.close();
    },
  };
}

/** Saves a screenshot under e2e/screenshots/ (kept as a CI artifact; look at them). */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: options.fullPage ?? false });
  return path;
}

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { HostStartOptions, Opened } from './host.js';

/** The file that makes a folder a workspace (engine/kernel/workspace/workspace.ts, SETTINGS_FILE). */
const WORKSPACE_MARKER = 'recount.json';

/**
 * Which workspace the app opens at start: the most recent one on the list (which `recount serve` shares)
 * that still exists, else the demo workspace. A workspace deleted since, or a list that cannot be read,
 * is passed over rather than shown as an error before the window has anything to show.
 */
export async function chooseWorkspace(recentFile: string, demoDir: string): Promise<{ dir: string; demo: boolean }> {
  let recent: unknown;
  try {
    recent = JSON.parse(await readFile(recentFile, 'utf8'));
  } catch {
    recent = [];
  }
  const demo = resolve(demoDir);
  for (const entry of Array.isArray(recent) ? recent : []) {
    if (typeof entry !== 'string' || entry === '') continue;
    const dir = resolve(entry);
    if (dir === demo) break;
    if (existsSync(join(dir, WORKSPACE_MARKER))) return { dir, demo: false };
  }
  return { dir: demo, demo: true };
}

/**
 * Opens the engine on the chosen workspace. The demo workspace is made on first use and starts with the
 * simulator writing traffic, so live numbers move at once. When a recent workspace cannot be opened (held
 * by a running `recount serve`, say), the app falls back to the demo rather than not starting, and says
 * why in the notice.
 */
export async function openEngine(options: HostStartOptions): Promise<Opened> {
  // Imported here, not at the top: the test of chooseWorkspace should not load DuckDB.
  const { Engine } = await import('../engine/service/engine.js');
  const { ensureDemoWorkspace } = await import('../engine/service/demo.js');
  const { workspaceLog } = await import('../engine/service/app-paths.js');
  const open = (dir: string, simulate: boolean) =>
    Engine.open({
      dir,
      log: workspaceLog(dir),
      transport: 'electron',
      recentFile: options.recentFile,
      simulate,
      version: options.version,
    });
  const openDemo = async () => {
    await ensureDemoWorkspace(options.demoDir);
    return open(options.demoDir, true);
  };

  const choice = await chooseWorkspace(options.recentFile, options.demoDir);
  if (choice.demo) return { engine: await openDemo(), dir: options.demoDir, demo: true };
  try {
    return { engine: await open(choice.dir, false), dir: choice.dir, demo: false };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      engine: await openDemo(),
      dir: options.demoDir,
      demo: true,
      notice: `could not open ${choice.dir} (${reason}); opened the demo workspace instead`,
    };
  }
}

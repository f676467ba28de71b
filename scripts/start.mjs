// `npm start`: builds what is out of date, then opens Recount in Electron, or in the browser when
// Electron's binary cannot be had on this machine. `npm start -- --browser` skips Electron.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const windows = process.platform === 'win32';
const PROBE_TIMEOUT_MS = 60_000;

/** What `npm run build` makes; if any is missing or older than a source, the build runs. */
const OUTPUTS = [
  'dist/electron/main.js',
  'dist/electron/preload.cjs',
  'dist/electron/engine-host.js',
  'dist/engine/cli/main.js',
  'dist/pipelines/daily_visits.sql',
  'dist/renderer/index.html',
];
const SOURCE_DIRS = ['engine', 'pipelines', 'electron', 'renderer', 'sample-data', 'bench'];
const SOURCE_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'scripts/copy-assets.mjs'];
const SOURCE_EXTENSIONS = /\.(ts|cts|mts|js|mjs|cjs|svelte|css|html|sql|json)$/;

function newestSource() {
  let newest = 0;
  const visit = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (SOURCE_EXTENSIONS.test(entry.name) && !entry.name.endsWith('.test.ts'))
        newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of SOURCE_DIRS) if (existsSync(join(root, dir))) visit(join(root, dir));
  for (const file of SOURCE_FILES)
    if (existsSync(join(root, file))) newest = Math.max(newest, statSync(join(root, file)).mtimeMs);
  return newest;
}

function upToDate() {
  if (!OUTPUTS.every((file) => existsSync(join(root, file)))) return false;
  const oldestOutput = Math.min(...OUTPUTS.map((file) => statSync(join(root, file)).mtimeMs));
  return newestSource() <= oldestOutput;
}

/** Runs a command to its end, output shown; resolves with its exit code. */
function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', shell: windows });
    child.on('error', (error) => {
      process.stderr.write(`${command}: ${error.message}\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/**
 * The Electron binary's path, or undefined. `require('electron')` downloads the binary on first use; in a
 * child process with a time limit, so a machine without network access falls back instead of hanging.
 */
function electronBinary() {
  return new Promise((resolve) => {
    const probe = spawn(process.execPath, ['-e', "console.log(require('electron'))"], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so that a timeout also stops the downloader it spawns.
      detached: !windows,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: undefined },
    });
    let out = '';
    probe.stdout.on('data', (chunk) => (out += chunk));
    probe.stderr.resume();
    const stop = () => {
      try {
        if (windows) probe.kill();
        else process.kill(-probe.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(stop, PROBE_TIMEOUT_MS);
    const interrupted = () => {
      stop();
      process.exit(130);
    };
    process.on('SIGINT', interrupted);
    probe.on('error', () => resolve(undefined));
    probe.on('exit', (code) => {
      clearTimeout(timer);
      process.off('SIGINT', interrupted);
      // index.js may print "Downloading Electron binary..." first; the path is the last line.
      const path = out.trim().split(/\r?\n/).at(-1);
      resolve(code === 0 && path && existsSync(path) ? path : undefined);
    });
  });
}

/**
 * Runs the app in the foreground until it ends. On POSIX it gets its own process group, and this script
 * hands it exactly one SIGINT per Ctrl-C: the terminal would otherwise signal both, and a second SIGINT
 * tells `recount serve` to stop without cleaning up.
 */
function foreground(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      detached: !windows,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: undefined },
    });
    const forward = (signal) => () => {
      if (windows) return; // the console delivers Ctrl-C to every process attached to it
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
    };
    const handlers = ['SIGINT', 'SIGTERM', 'SIGHUP'].map((signal) => [signal, forward(signal)]);
    for (const [signal, handler] of handlers) process.on(signal, handler);
    const stopChild = () => child.exitCode === null && child.kill('SIGTERM');
    process.on('exit', stopChild);
    child.on('error', (error) => {
      process.stderr.write(`${command}: ${error.message}\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      for (const [name, handler] of handlers) process.off(name, handler);
      process.off('exit', stopChild);
      resolve(code ?? (signal === 'SIGINT' ? 130 : 1));
    });
  });
}

async function main() {
  const browserOnly = process.argv.includes('--browser');
  if (!upToDate()) {
    process.stdout.write('Building Recount (npm run build)…\n');
    const code = await run('npm', ['run', 'build']);
    if (code !== 0) return code;
  }
  const electron = browserOnly ? undefined : await electronBinary();
  if (electron) return foreground(electron, ['.']);
  if (!browserOnly)
    process.stdout.write(
      "Electron's binary is not available here (it could not be downloaded), so Recount opens in browser mode instead.\n",
    );
  const workspace = join(root, 'demo-workspace');
  return foreground(process.execPath, [
    join(root, 'bin', 'recount.js'),
    'serve',
    '--workspace',
    workspace,
    '--demo',
    '--simulate',
  ]);
}

process.exitCode = await main();

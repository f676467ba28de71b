/**
 * Electron's main process: a thin shell. It owns one window, serves the built renderer from app://,
 * locks the window down, and relays between the renderer (IPC, checked in ipc.ts) and the engine, which
 * runs in a utility process (engine-host.ts). No analytics happen here.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BrowserWindow,
  Menu,
  app,
  dialog,
  protocol,
  session,
  shell,
  utilityProcess,
  type Session,
  type WebContents,
} from 'electron';
import { RENDERER_DIR, recentWorkspacesFile } from '../engine/service/app-paths.js';
import { readAppFile } from './app-files.js';
import { CHANNELS, type MenuAction } from './channels.js';
import { EngineHost } from './host.js';
import { registerIpc, windowClient } from './ipc.js';
import { menuTemplate } from './menu.js';
import { APP_ENTRY, APP_SCHEME, CONTENT_SECURITY_POLICY, externalUrl, isAppUrl, permissionAllowed } from './validate.js';

const PRELOAD = fileURLToPath(new URL('./preload.cjs', import.meta.url));
const ENGINE_HOST = fileURLToPath(new URL('./engine-host.js', import.meta.url));

// Before `ready`, and synchronously: in an ES module main, only the first evaluation of the module graph
// is guaranteed to run before the app is ready. Standard + secure gives app:// a real origin, relative
// URLs, storage and module scripts, like https.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
]);

let win: BrowserWindow | undefined;

if (!app.requestSingleInstanceLock()) {
  // Another Recount runs already; it focuses its window (second-instance below) and this one leaves.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!win || win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  });
  void start().catch((error: unknown) => {
    dialog.showErrorBox('Recount could not start', error instanceof Error ? (error.stack ?? error.message) : String(error));
    app.exit(1);
  });
}

async function start(): Promise<void> {
  await app.whenReady();
  const ses = session.defaultSession;
  harden(ses);
  ses.protocol.handle(APP_SCHEME, async (request) => {
    const file = await readAppFile(RENDERER_DIR, request.url, request.method);
    return new Response(file.body, { status: file.status, headers: file.headers });
  });

  const host = new EngineHost(() =>
    utilityProcess.fork(ENGINE_HOST, [], {
      serviceName: 'Recount engine',
      stdio: 'inherit',
      // DuckDB's node bindings run on libuv's thread pool; four threads are too few (see bin/recount.js).
      env: { ...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '16' },
    }),
  );
  host.onEvent((event) => {
    if (win && !win.isDestroyed()) win.webContents.send(CHANNELS.event, event);
  });
  const started = host.start({
    recentFile: recentWorkspacesFile(),
    demoDir: join(app.getPath('userData'), 'demo-workspace'),
    version: app.getVersion(),
  });
  // Requests wait for the engine by themselves; a start failure reaches the renderer as their error.
  started.then(
    ({ notice }) => {
      if (notice && win)
        void dialog.showMessageBox(win, { type: 'warning', message: 'Recount opened the demo workspace', detail: notice });
    },
    (error: unknown) => process.stderr.write(`recount: the engine did not start: ${String(error)}\n`),
  );

  registerIpc(host, () => win);
  const send = (action: MenuAction) => {
    if (win && !win.isDestroyed()) win.webContents.send(CHANNELS.menu, action);
  };
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(menuTemplate({ platform: process.platform, dev: !app.isPackaged, appName: app.name, send })),
  );

  createWindow(host);
  app.on('activate', () => {
    if (!win || win.isDestroyed()) createWindow(host);
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  // Let the engine close its workspace (DuckDB checkpoints, the tailer saves its position) before exiting.
  let closed = false;
  app.on('will-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    void host.close().finally(() => {
      closed = true;
      app.quit();
    });
  });
}

function createWindow(host: EngineHost): void {
  win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    title: 'Recount',
    show: false,
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      spellcheck: false,
      devTools: !app.isPackaged,
    },
  });
  const current = win;
  // What the page ran and held is the engine's to cancel and release once the page is gone: replaced by a reload
  // (a navigation of the main frame; the first load releases nothing) or destroyed with its window.
  const contents = current.webContents;
  const client = windowClient(contents);
  contents.on('did-navigate', () => host.releaseClient(client));
  contents.once('destroyed', () => host.releaseClient(client));
  current.once('ready-to-show', () => current.show());
  void current.loadURL(APP_ENTRY);
}

/**
 * For every webContents (the window's, DevTools'): navigation stays inside the app, no webviews, no new
 * windows; http(s) links open in the system browser, anything else nowhere.
 */
function lockDown(contents: WebContents): void {
  const leave = (event: { preventDefault(): void }, url: string) => {
    if (isAppUrl(url)) return;
    event.preventDefault();
    const external = externalUrl(url);
    if (external) void shell.openExternal(external);
  };
  contents.on('will-navigate', (event) => leave(event, event.url));
  contents.on('will-redirect', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const external = externalUrl(url);
    if (external) void shell.openExternal(external);
    return { action: 'deny' };
  });
}

function harden(ses: Session): void {
  ses.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(permissionAllowed(permission, details.requestingUrl)),
  );
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin) => permissionAllowed(permission, requestingOrigin));
  // The app needs nothing from the network. The policy rides on every app:// response already; this adds it
  // to anything else that might load, and refuses web requests outright.
  ses.webRequest.onBeforeRequest(
    { urls: ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*', 'ftp://*/*'] },
    (_details, callback) => callback({ cancel: true }),
  );
  ses.webRequest.onHeadersReceived((details, callback) => {
    // DevTools' own pages keep their policy.
    if (details.url.startsWith('devtools:')) return callback({});
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  app.on('web-contents-created', (_event, contents) => lockDown(contents));
}

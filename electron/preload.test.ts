import { readFileSync } from 'node:fs';
import { compileFunction } from 'node:vm';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { METHOD_NAMES } from '../engine/shared/contract.js';
import type { RecountBridge } from '../engine/shared/bridge.js';
import { CHANNELS, MENU_ACTIONS, methodChannel } from './channels.js';

type Listener = (event: unknown, payload: unknown) => void;

/**
 * Runs the preload the way Electron runs a sandboxed one: compiled to CommonJS, called as a function of
 * (require, process, exports, module), with a `require` that knows only the modules a sandbox offers.
 * The fake `electron` records what the preload exposes and sends.
 */
function loadPreload() {
  const source = readFileSync(new URL('./preload.cts', import.meta.url), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: 'preload.cts',
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
  });
  const exposed = new Map<string, unknown>();
  const invoked: { channel: string; args: unknown[] }[] = [];
  const sent: { channel: string; args: unknown[] }[] = [];
  const listeners = new Map<string, Set<Listener>>();
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
    ipcRenderer: {
      invoke: (channel: string, ...args: unknown[]) => {
        invoked.push({ channel, args });
        return Promise.resolve({ channel });
      },
      send: (channel: string, ...args: unknown[]) => sent.push({ channel, args }),
      on: (channel: string, listener: Listener) => {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel)?.add(listener);
      },
      removeListener: (channel: string, listener: Listener) => listeners.get(channel)?.delete(listener),
    },
    webUtils: { getPathForFile: (file: { path?: string }) => file.path ?? '' },
  };
  const sandboxModules: Record<string, unknown> = { electron, events: {}, timers: {}, url: {} };
  const required: string[] = [];
  const preloadRequire = (name: string) => {
    required.push(name);
    if (!(name in sandboxModules)) throw new Error(`module not found: ${name}`);
    return sandboxModules[name];
  };
  const exports = {};
  const run = compileFunction(outputText, ['require', 'process', 'exports', 'module']);
  run(preloadRequire, {}, exports, { exports });
  const emit = (channel: string, payload: unknown) => {
    for (const listener of listeners.get(channel) ?? []) listener({ sender: 'the IPC event' }, payload);
  };
  return { exposed, invoked, sent, listeners, emit, required };
}

describe('the preload', () => {
  it('requires nothing a sandboxed preload lacks', () => {
    expect(loadPreload().required).toEqual(['electron']);
  });

  it('exposes one bridge, as window.recount', () => {
    const { exposed } = loadPreload();
    expect([...exposed.keys()]).toEqual(['recount']);
    const bridge = exposed.get('recount') as Record<string, unknown>;
    expect(Object.keys(bridge).sort()).toEqual(
      ['cancel', 'chooseFolder', 'chooseImportFiles', 'chooseSavePath', 'methods', 'onEvent', 'onMenu', 'pathsForFiles'].sort(),
    );
  });

  it("has exactly the contract's methods, each on its own channel", async () => {
    const { exposed, invoked } = loadPreload();
    const bridge = exposed.get('recount') as RecountBridge;
    expect(Object.keys(bridge.methods).sort()).toEqual([...METHOD_NAMES].sort());
    for (const method of METHOD_NAMES) {
      const call = bridge.methods[method] as (id: string, params: unknown) => Promise<unknown>;
      await expect(call(`id-${method}`, { p: method })).resolves.toEqual({ channel: `recount:${method}` });
    }
    expect(invoked).toEqual(
      METHOD_NAMES.map((method) => ({ channel: methodChannel(method), args: [{ id: `id-${method}`, params: { p: method } }] })),
    );
  });

  it('sends cancels and opens the dialogs on the channels main listens to', async () => {
    const { exposed, invoked, sent } = loadPreload();
    const bridge = exposed.get('recount') as RecountBridge;
    bridge.cancel('r9');
    expect(sent).toEqual([{ channel: CHANNELS.cancel, args: ['r9'] }]);
    await bridge.chooseImportFiles();
    await bridge.chooseSavePath('daily.csv');
    await bridge.chooseFolder();
    expect(invoked).toEqual([
      { channel: CHANNELS.chooseImportFiles, args: [] },
      { channel: CHANNELS.chooseSavePath, args: ['daily.csv'] },
      { channel: CHANNELS.chooseFolder, args: [] },
    ]);
  });

  it('hands event listeners the event alone, and unsubscribes', () => {
    const { exposed, emit, listeners } = loadPreload();
    const bridge = exposed.get('recount') as RecountBridge;
    const seen: unknown[][] = [];
    const off = bridge.onEvent((...args: unknown[]) => seen.push(args));
    const event = { type: 'workspace.changed', what: 'lake' };
    emit(CHANNELS.event, event);
    emit(CHANNELS.event, 'not an event');
    expect(seen).toEqual([[event]]);
    off();
    expect(listeners.get(CHANNELS.event)?.size).toBe(0);
    emit(CHANNELS.event, event);
    expect(seen).toHaveLength(1);
  });

  it('passes on menu actions it knows', () => {
    const { exposed, emit } = loadPreload();
    const bridge = exposed.get('recount') as RecountBridge;
    const seen: string[] = [];
    const off = bridge.onMenu((action) => seen.push(action));
    for (const action of [...MENU_ACTIONS, 'rm -rf', 42]) emit(CHANNELS.menu, action);
    off();
    emit(CHANNELS.menu, 'import');
    expect(seen).toEqual([...MENU_ACTIONS]);
  });

  it('gives the paths of dropped files, leaving out files without one', () => {
    const { exposed } = loadPreload();
    const bridge = exposed.get('recount') as RecountBridge;
    const files = [{ path: '/data/a.ndjson' }, {}, { path: '/data/b.csv.gz' }] as unknown as File[];
    expect(bridge.pathsForFiles(files)).toEqual(['/data/a.ndjson', '/data/b.csv.gz']);
  });
});

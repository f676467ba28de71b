import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import type { MenuAction } from './channels.js';
import { menuTemplate } from './menu.js';

type Item = MenuItemConstructorOptions;
const items = (menu: Item | undefined): Item[] => (Array.isArray(menu?.submenu) ? (menu.submenu as Item[]) : []);
const find = (template: Item[], label: string) => template.find((m) => m.label === label || m.role === label);

function build(platform: NodeJS.Platform, dev: boolean) {
  const sent: MenuAction[] = [];
  const template = menuTemplate({ platform, dev, appName: 'Recount', send: (a) => sent.push(a) });
  return { template, sent };
}

describe('menuTemplate', () => {
  it('has File ▸ Import…, Open Workspace…, Export… and Quit, each reaching the renderer', () => {
    const { template, sent } = build('linux', false);
    expect(template.map((m) => m.label ?? m.role)).toEqual(['&File', '&Edit', '&View', 'help']);
    const file = items(find(template, '&File'));
    expect(file.map((i) => i.label ?? i.role ?? i.type)).toEqual([
      'Import…',
      'Open Workspace…',
      'separator',
      'Export…',
      'separator',
      'quit',
    ]);
    expect(file.map((i) => i.accelerator).filter(Boolean)).toEqual(['CmdOrCtrl+O', 'CmdOrCtrl+Shift+O', 'CmdOrCtrl+Shift+E']);
    for (const item of file) (item.click as (() => void) | undefined)?.();
    expect(sent).toEqual(['import', 'open-workspace', 'export']);
  });

  it('offers the developer tools only when not packaged', () => {
    const roles = (dev: boolean) => items(find(build('linux', dev).template, '&View')).map((i) => i.role);
    expect(roles(true)).toContain('toggleDevTools');
    expect(roles(true)).toContain('reload');
    expect(roles(false)).not.toContain('toggleDevTools');
    expect(roles(false)).not.toContain('forceReload');
    expect(roles(false)).toContain('reload');
  });

  it('follows macOS conventions there: app menu with Quit, Window menu', () => {
    const { template } = build('darwin', false);
    expect(template.map((m) => m.label ?? m.role)).toEqual(['Recount', 'File', 'Edit', 'View', 'windowMenu', 'help']);
    expect(items(template[0]).map((i) => i.role)).toContain('quit');
    expect(items(find(template, 'File')).map((i) => i.role)).not.toContain('quit');
  });

  it('opens the shortcuts from Help', () => {
    const { template, sent } = build('win32', false);
    const help = items(find(template, 'help'));
    (help[0]?.click as () => void)();
    expect(sent).toEqual(['shortcuts']);
  });
});

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseWorkspace } from './startup.js';

describe('chooseWorkspace', () => {
  let base: string;
  let recentFile: string;
  let demo: string;
  let shop: string;
  let lab: string;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'recount-startup-'));
    recentFile = join(base, 'config', 'recent-workspaces.json');
    demo = join(base, 'userData', 'demo-workspace');
    shop = join(base, 'shop');
    lab = join(base, 'lab');
    for (const dir of [shop, lab, demo]) {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'recount.json'), '{}');
    }
    await mkdir(join(base, 'config'), { recursive: true });
    await mkdir(join(base, 'not-a-workspace'));
  });

  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  const withRecent = async (list: unknown) => {
    await writeFile(recentFile, typeof list === 'string' ? list : JSON.stringify(list));
    return chooseWorkspace(recentFile, demo);
  };

  it('opens the demo on first start, when there is no list', async () => {
    await expect(chooseWorkspace(join(base, 'nowhere.json'), demo)).resolves.toEqual({ dir: demo, demo: true });
  });

  it('opens the most recent workspace that still exists', async () => {
    await expect(withRecent([shop, lab])).resolves.toEqual({ dir: shop, demo: false });
    await expect(withRecent([join(base, 'deleted'), join(base, 'not-a-workspace'), lab, shop])).resolves.toEqual({
      dir: lab,
      demo: false,
    });
  });

  it('opens the demo when it was the most recent', async () => {
    await expect(withRecent([demo, shop])).resolves.toEqual({ dir: demo, demo: true });
  });

  it('passes over a list it cannot read', async () => {
    await expect(withRecent('{not json')).resolves.toEqual({ dir: demo, demo: true });
    await expect(withRecent({ dir: shop })).resolves.toEqual({ dir: demo, demo: true });
    await expect(withRecent([42, null, '', shop])).resolves.toEqual({ dir: shop, demo: false });
  });
});

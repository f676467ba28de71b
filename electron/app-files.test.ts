import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAppFile } from './app-files.js';
import { CONTENT_SECURITY_POLICY } from './validate.js';

describe('readAppFile', () => {
  let base: string;
  let root: string;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'recount-app-files-'));
    root = join(base, 'renderer');
    await mkdir(join(root, 'assets'), { recursive: true });
    await writeFile(join(root, 'index.html'), '<!doctype html><title>Recount</title>');
    await writeFile(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
    await writeFile(join(base, 'secret.txt'), 'outside the bundle');
    await symlink(join(base, 'secret.txt'), join(root, 'assets', 'link.txt'));
  });

  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('serves the entry page and assets with the policy', async () => {
    const page = await readAppFile(root, 'app://recount/');
    expect(page.status).toBe(200);
    expect(String(page.body)).toBe('<!doctype html><title>Recount</title>');
    expect(page.headers['Content-Type']).toBe('text/html; charset=utf-8');
    expect(page.headers['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers['X-Content-Type-Options']).toBe('nosniff');
    const script = await readAppFile(root, 'app://recount/assets/index-abc.js');
    expect(script.status).toBe(200);
    expect(String(script.body)).toBe('console.log(1)');
    expect(script.headers['Content-Type']).toBe('text/javascript; charset=utf-8');
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await readAppFile(root, 'app://recount/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect((await readAppFile(root, 'app://recount/index.html', 'POST')).status).toBe(405);
  });

  it('serves nothing outside the bundle', async () => {
    for (const url of [
      'app://recount/../secret.txt',
      'app://recount/%2e%2e/secret.txt',
      'app://recount/..%2fsecret.txt',
      'app://recount/assets/..%2f..%2fsecret.txt',
      'app://recount/assets/link.txt',
      'app://recount/assets',
      'app://recount/missing.js',
      'app://other/index.html',
    ]) {
      const response = await readAppFile(root, url);
      expect(response.status, url).toBe(404);
      expect(String(response.body), url).toBe('Not found');
    }
  });
});

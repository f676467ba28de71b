import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APP_ORIGIN,
  CONTENT_SECURITY_POLICY,
  SaveGrants,
  cancelId,
  checkRequest,
  checkSender,
  contentType,
  externalUrl,
  isAppUrl,
  originOf,
  permissionAllowed,
  resolveAppFile,
  safeFileName,
  type FrameLike,
} from './validate.js';

const main: FrameLike = { url: 'app://recount/index.html', parent: null, frameTreeNodeId: 7 };

describe('checkSender', () => {
  it('accepts the main frame of the window showing the app', () => {
    expect(checkSender({ ...main }, main)).toEqual({ ok: true });
    expect(checkSender({ ...main, url: 'app://recount/index.html#/notebook?x=1' }, main)).toEqual({ ok: true });
  });

  it('refuses a missing or detached frame', () => {
    expect(checkSender(null, main).ok).toBe(false);
    expect(checkSender(undefined, main).ok).toBe(false);
    expect(checkSender({ ...main, detached: true }, main).ok).toBe(false);
  });

  it('refuses messages from another webContents', () => {
    expect(checkSender({ ...main }, undefined).ok).toBe(false);
  });

  it('refuses subframes, even ones showing the app', () => {
    expect(checkSender({ ...main, parent: main, frameTreeNodeId: 8 }, main).ok).toBe(false);
    expect(checkSender({ ...main, frameTreeNodeId: 8 }, main).ok).toBe(false);
  });

  it('refuses the main frame once it shows anything but the app', () => {
    for (const url of [
      'https://evil.example/index.html',
      'file:///etc/passwd',
      'app://other/index.html',
      'app://recount.evil.example/index.html',
      'http://recount/index.html',
      'about:blank',
      'data:text/html,<script>1</script>',
      '',
    ])
      expect(checkSender({ ...main, url }, main), url).toEqual({ ok: false, reason: expect.any(String) as string });
  });
});

describe('origins', () => {
  it('gives app: URLs the origin Chromium gives a standard scheme', () => {
    expect(originOf('app://recount/assets/index.js')).toBe('app://recount');
    expect(originOf('app://RECOUNT/')).toBe('app://recount');
    expect(originOf('https://example.com:8443/a')).toBe('https://example.com:8443');
    expect(originOf('not a url')).toBeUndefined();
    expect(originOf('about:blank')).toBeUndefined();
    expect(APP_ORIGIN).toBe('app://recount');
  });

  it('compares origins, not prefixes', () => {
    expect(isAppUrl('app://recount/index.html')).toBe(true);
    expect(isAppUrl('app://recount.evil.example/')).toBe(false);
    expect(isAppUrl('app://recount@evil.example/')).toBe(false);
    expect(isAppUrl('https://app//recount/')).toBe(false);
  });

  it('lets only http and https links out to the system browser', () => {
    expect(externalUrl('https://duckdb.org/docs')).toBe('https://duckdb.org/docs');
    expect(externalUrl('http://example.com')).toBe('http://example.com/');
    for (const url of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'ms-settings:',
      'smb://host/share',
      'app://recount/',
      'nonsense',
    ])
      expect(externalUrl(url), url).toBeUndefined();
  });

  it('grants only clipboard writes, only to the app', () => {
    expect(permissionAllowed('clipboard-sanitized-write', 'app://recount/')).toBe(true);
    expect(permissionAllowed('clipboard-sanitized-write', 'https://evil.example')).toBe(false);
    expect(permissionAllowed('clipboard-sanitized-write', undefined)).toBe(false);
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fileSystem'])
      expect(permissionAllowed(permission, 'app://recount/'), permission).toBe(false);
  });

  it('has the strict policy', () => {
    expect(CONTENT_SECURITY_POLICY.split('; ')).toEqual([
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      "font-src 'self' data:",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ]);
  });
});

describe('checkRequest', () => {
  const grants = new SaveGrants();

  it('passes a good request on with its parsed parameters', () => {
    expect(checkRequest('query.run', { id: 'r1', params: { sql: 'SELECT 1', cellId: 'c' } }, grants)).toEqual({
      ok: true,
      message: { id: 'r1', method: 'query.run', params: { sql: 'SELECT 1', cellId: 'c' } },
    });
    // Missing params mean {}; defaults of the contract are filled in (lake.rejects limit 100).
    expect(checkRequest('lake.rejects', { id: 'r2' }, grants)).toEqual({
      ok: true,
      message: { id: 'r2', method: 'lake.rejects', params: { limit: 100 } },
    });
  });

  it('drops keys the contract does not know', () => {
    const checked = checkRequest('notebooks.read', { id: 'r3', params: { name: 'Shop', extra: '../../x' } }, grants);
    expect(checked).toEqual({ ok: true, message: { id: 'r3', method: 'notebooks.read', params: { name: 'Shop' } } });
  });

  it('refuses unknown methods, including inherited property names', () => {
    for (const method of ['query.drop', 'toString', '__proto__', 'constructor', ''])
      expect(checkRequest(method, { id: 'r', params: {} }, grants), method).toEqual({
        ok: false,
        response: { id: '', ok: false, error: { message: `Unknown method ${JSON.stringify(method)}`, code: 'bad-request' } },
      });
  });

  it('refuses a payload that is not { id, params }', () => {
    for (const payload of [undefined, null, 'SELECT 1', ['r', {}], 42])
      expect(checkRequest('app.info', payload, grants).ok, String(payload)).toBe(false);
    expect(checkRequest('app.info', { params: {} }, grants)).toMatchObject({ ok: false, response: { id: '', ok: false } });
    expect(checkRequest('app.info', { id: '', params: {} }, grants).ok).toBe(false);
    expect(checkRequest('app.info', { id: 'x'.repeat(101), params: {} }, grants).ok).toBe(false);
  });

  it('refuses bad parameters with the path of the first problem', () => {
    expect(checkRequest('query.run', { id: 'r4', params: { sql: '' } }, grants)).toMatchObject({
      ok: false,
      response: {
        id: 'r4',
        ok: false,
        error: { code: 'bad-request', message: expect.stringMatching(/^Invalid request: sql /) as string },
      },
    });
    expect(checkRequest('query.page', { id: 'r5', params: { queryId: 'q', offset: -1, limit: 10 } }, grants)).toMatchObject({
      ok: false,
      response: { error: { message: expect.stringMatching(/^Invalid request: offset /) as string } },
    });
    expect(checkRequest('notebooks.create', { id: 'r6', params: { name: '../etc' } }, grants).ok).toBe(false);
    expect(checkRequest('lake.import', { id: 'r7', params: { paths: [] } }, grants).ok).toBe(false);
    expect(checkRequest('workspace.open', { id: 'r8', params: 'dir' }, grants).ok).toBe(false);
  });
});

describe('export paths', () => {
  const out = resolve('/tmp/recount-exports/daily.csv');
  const exportTo = (path: string, grants: SaveGrants) =>
    checkRequest('export.file', { id: 'e1', params: { source: { table: 'daily_visits' }, path } }, grants);

  it('writes only where a save dialog of this session said', () => {
    const grants = new SaveGrants();
    expect(exportTo(out, grants)).toEqual({
      ok: false,
      response: {
        id: 'e1',
        ok: false,
        error: {
          message: 'Exports are written only where you chose in the save dialog; choose the file again',
          code: 'forbidden',
        },
      },
    });
    grants.grant(out);
    expect(exportTo(out, grants)).toEqual({
      ok: true,
      message: { id: 'e1', method: 'export.file', params: { source: { table: 'daily_visits' }, path: out, format: 'csv' } },
    });
  });

  it('does not let a granted path stand for another one', () => {
    const grants = new SaveGrants();
    grants.grant(out);
    expect(exportTo(join(out, '..', '..', '..', 'home', 'me', '.bashrc'), grants).ok).toBe(false);
    expect(exportTo(resolve('/tmp/recount-exports/daily.parquet'), grants).ok).toBe(false);
    expect(exportTo('daily.csv', grants).ok).toBe(false);
    // The same file spelled with a redundant segment is the same grant.
    expect(exportTo('/tmp/recount-exports/./daily.csv', grants).ok).toBe(true);
  });

  it('keeps export.prepare (browser mode, its own folder) out of it', () => {
    expect(
      checkRequest('export.prepare', { id: 'p', params: { source: { table: 't' }, name: 'daily' } }, new SaveGrants()).ok,
    ).toBe(true);
  });
});

describe('small checks', () => {
  it('reads a cancel id', () => {
    expect(cancelId('r1')).toBe('r1');
    for (const bad of ['', 'x'.repeat(101), 3, null, { cancel: 'r1' }]) expect(cancelId(bad)).toBeUndefined();
  });

  it('keeps a suggested file name a name', () => {
    expect(safeFileName('daily visits.csv')).toBe('daily visits.csv');
    expect(safeFileName('../../.bashrc')).toBe('bashrc');
    expect(safeFileName('C:\\Windows\\system32\\x.parquet')).toBe('x.parquet');
    expect(safeFileName('a<b>:c?.csv')).toBe('a_b__c_.csv');
    expect(safeFileName('')).toBe('export.csv');
    expect(safeFileName(undefined)).toBe('export.csv');
    expect(safeFileName('x'.repeat(300))).toHaveLength(200);
  });

  it('names content types of the bundle', () => {
    expect(contentType('/r/index.html')).toBe('text/html; charset=utf-8');
    expect(contentType('/r/assets/index-abc.JS')).toBe('text/javascript; charset=utf-8');
    expect(contentType('/r/assets/x.css')).toBe('text/css; charset=utf-8');
    expect(contentType('/r/assets/x.woff2')).toBe('font/woff2');
    expect(contentType('/r/LICENSE')).toBe('application/octet-stream');
  });
});

describe('resolveAppFile', () => {
  const root = resolve('/opt/recount/renderer');

  it('maps app URLs to files below the renderer folder', () => {
    expect(resolveAppFile(root, 'app://recount/')).toBe(join(root, 'index.html'));
    expect(resolveAppFile(root, 'app://recount')).toBe(join(root, 'index.html'));
    expect(resolveAppFile(root, 'app://recount/index.html')).toBe(join(root, 'index.html'));
    expect(resolveAppFile(root, 'app://recount/assets/index-abc.js?v=1#x')).toBe(join(root, 'assets', 'index-abc.js'));
    expect(resolveAppFile(root, 'app://recount/assets/a%20b.css')).toBe(join(root, 'assets', 'a b.css'));
  });

  it('never leaves the renderer folder', () => {
    // The URL parser folds dot segments, plain or percent-encoded, at the root: what is left stays inside.
    expect(resolveAppFile(root, 'app://recount/../../etc/passwd')).toBe(join(root, 'etc', 'passwd'));
    expect(resolveAppFile(root, 'app://recount/%2e%2e/%2E%2E/etc/passwd')).toBe(join(root, 'etc', 'passwd'));
    expect(resolveAppFile(root, 'app://recount/assets/.%2e/.%2e/.%2e/etc/passwd')).toBe(join(root, 'etc', 'passwd'));
    // Separators that only appear after decoding are caught by the containment check.
    expect(resolveAppFile(root, 'app://recount/..%2f..%2f..%2fetc%2fpasswd')).toBeUndefined();
    expect(resolveAppFile(root, 'app://recount/%2e%2e%2f%2e%2e%2fetc%2fpasswd')).toBeUndefined();
    expect(resolveAppFile(root, 'app://recount/assets/..%2f..%2f..%2f..%2fetc%2fpasswd')).toBeUndefined();
    expect(resolveAppFile(root, 'app://recount/%2fetc%2fpasswd')).toBe(join(root, 'etc', 'passwd'));
  });

  it('refuses NUL bytes, bad escapes, other hosts and schemes', () => {
    expect(resolveAppFile(root, 'app://recount/index.html%00.png')).toBeUndefined();
    expect(resolveAppFile(root, 'app://recount/%E0%A4%A')).toBeUndefined();
    expect(resolveAppFile(root, 'app://other/index.html')).toBeUndefined();
    expect(resolveAppFile(root, 'file:///opt/recount/renderer/index.html')).toBeUndefined();
    expect(resolveAppFile(root, 'https://recount/index.html')).toBeUndefined();
    expect(resolveAppFile(root, 'not a url')).toBeUndefined();
  });
});

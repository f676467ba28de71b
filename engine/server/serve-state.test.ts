import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/fixtures.js';
import { readServeState, serveStatePath, sessionToServe, writeServeState } from './serve-state.js';

const SECRET = 'ab'.repeat(32);
const posix = process.platform !== 'win32';

describe('the serve state kept in a workspace between starts', () => {
  let root: { dir: string; cleanup: () => Promise<void> };
  beforeEach(async () => {
    root = await tempDir('recount-serve-state-');
  });
  afterEach(async () => {
    await root.cleanup();
  });

  it('is nothing in a workspace never served, so a new secret and a free port are used', async () => {
    expect(await readServeState(root.dir)).toEqual({ state: undefined });
    const session = await sessionToServe(root.dir);
    expect(session.port).toBeUndefined();
    expect(session.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(session.warning).toBeUndefined();
  });

  it('is written owner-only and read back as written', async () => {
    await writeServeState(root.dir, { port: 43111, secret: SECRET });
    if (posix) expect((await stat(serveStatePath(root.dir))).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(serveStatePath(root.dir), 'utf8'))).toEqual({ port: 43111, secret: SECRET });
    expect(await readServeState(root.dir)).toEqual({ state: { port: 43111, secret: SECRET } });
    expect(await sessionToServe(root.dir)).toEqual({ port: 43111, secret: SECRET });
    // Written again, it stays owner-only (the rename replaces the file, never widens it).
    await writeServeState(root.dir, { port: 43112, secret: SECRET });
    if (posix) expect((await stat(serveStatePath(root.dir))).mode & 0o777).toBe(0o600);
    expect((await readServeState(root.dir)).state?.port).toBe(43112);
  });

  it('is not trusted once other users can read it', async () => {
    if (!posix) return;
    await writeServeState(root.dir, { port: 43111, secret: SECRET });
    await chmod(serveStatePath(root.dir), 0o644);
    const saved = await readServeState(root.dir);
    expect(saved.state).toBeUndefined();
    expect(saved.warning).toBe(
      `${serveStatePath(root.dir)}: readable by other users (mode 644), so its session is not used; a new one replaces it`,
    );
    const session = await sessionToServe(root.dir);
    expect(session.secret).not.toBe(SECRET);
    expect(session.port).toBeUndefined();
  });

  it('names the file and what is wrong when it is damaged, and starts a new session', async () => {
    await writeServeState(root.dir, { port: 43111, secret: SECRET });
    await writeFile(serveStatePath(root.dir), '{"port": 43111, "secret": "short"}');
    if (posix) await chmod(serveStatePath(root.dir), 0o600);
    expect(await readServeState(root.dir)).toEqual({
      state: undefined,
      warning: `${serveStatePath(root.dir)}: secret is not a 256-bit hex secret; a new session replaces it`,
    });
    await writeFile(serveStatePath(root.dir), '{"port": 43');
    const broken = await readServeState(root.dir);
    expect(broken.state).toBeUndefined();
    expect(broken.warning).toMatch(
      new RegExp(`^${serveStatePath(root.dir).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not JSON \\(`),
    );
  });

  it('is set aside when a new session is asked for', async () => {
    await writeServeState(root.dir, { port: 43111, secret: SECRET });
    const session = await sessionToServe(root.dir, { newSession: true });
    expect(session.port).toBeUndefined();
    expect(session.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(session.secret).not.toBe(SECRET);
  });
});

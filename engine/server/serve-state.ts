import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { newToken } from './security.js';

/**
 * What `recount serve` keeps in a workspace between starts, so that a tab left open reconnects after a restart: the
 * port it served on (asked for again, used when free) and the session secret the tabs' cookie holds. The secret signs
 * in as a launch link does, so the file is the owner's alone (0600), and one that others can read is not trusted.
 * Launch tokens are never kept: each start prints a new one-time link.
 */
export const SERVE_STATE_FILE = join('state', 'serve.json');

const ServeStateSchema = z.object({
  port: z.number().int().min(1).max(65535),
  secret: z.string().regex(/^[0-9a-f]{64}$/, 'is not a 256-bit hex secret'),
});
export type ServeState = z.infer<typeof ServeStateSchema>;

export interface SavedSession {
  /** The state to reuse, if there is one to trust. */
  state: ServeState | undefined;
  /** Why a file that was there is not used (a new session starts instead). */
  warning?: string;
}

export function serveStatePath(workspaceDir: string): string {
  return join(workspaceDir, SERVE_STATE_FILE);
}

/** The workspace's saved serve state; a missing file is no state, and a damaged or exposed one is replaced with a warning. */
export async function readServeState(workspaceDir: string): Promise<SavedSession> {
  const path = serveStatePath(workspaceDir);
  const info = await stat(path).catch(() => undefined);
  if (!info) return { state: undefined };
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0)
    return {
      state: undefined,
      warning: `${path}: readable by other users (mode ${(info.mode & 0o777).toString(8)}), so its session is not used; a new one replaces it`,
    };
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    return { state: undefined, warning: `${path}: not JSON (${(error as Error).message}); a new session replaces it` };
  }
  const result = ServeStateSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    return {
      state: undefined,
      warning: `${path}: ${issue?.path.join('.') || 'the file'} ${issue?.message ?? 'is invalid'}; a new session replaces it`,
    };
  }
  return { state: result.data };
}

/** Writes the state whole or not at all, created owner-only so the secret is never readable by others, not even briefly. */
export async function writeServeState(workspaceDir: string, state: ServeState): Promise<void> {
  const path = serveStatePath(workspaceDir);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await rm(tmp, { force: true });
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(ServeStateSchema.parse(state), null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (process.platform !== 'win32') await chmod(tmp, 0o600);
  await rename(tmp, path);
}

/** The session to serve: the saved one unless a new one is asked for, else a fresh secret with no port preference. */
export async function sessionToServe(
  workspaceDir: string,
  options: { newSession?: boolean } = {},
): Promise<{ secret: string; port: number | undefined; warning?: string }> {
  if (options.newSession) return { secret: newToken(), port: undefined };
  const saved = await readServeState(workspaceDir);
  return {
    secret: saved.state?.secret ?? newToken(),
    port: saved.state?.port,
    ...(saved.warning ? { warning: saved.warning } : {}),
  };
}

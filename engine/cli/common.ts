import { Option } from 'commander';
import cliProgress from 'cli-progress';
import type { Workspace } from '../kernel/workspace/workspace.js';
import { CancelledError, UserError, errorMessage } from '../kernel/util/errors.js';
import type { Progress } from '../shared/progress.js';
import { openWorkspace } from '../service/init.js';
import { parseResult, type Method } from '../shared/contract.js';
import { EngineClient, EngineMovedError, removeStaleSocket } from './engine-client.js';

export const workspaceOption = () =>
  new Option('-w, --workspace <dir>', 'workspace folder').env('RECOUNT_WORKSPACE').makeOptionMandatory();

export async function withWorkspace<T>(dir: string, work: (workspace: Workspace) => Promise<T>): Promise<T> {
  const workspace = await openWorkspace(dir);
  try {
    // Holding the workspace, this process is the only engine there is: a socket there is a killed engine's.
    await removeStaleSocket(dir);
    return await work(workspace);
  } finally {
    await workspace.close();
  }
}

/** How long a command that found the workspace locked looks for the engine's socket (an app that is just starting). */
const SOCKET_GRACE_MS = 5000;

async function engineAppearing(dir: string): Promise<EngineClient | undefined> {
  for (const until = Date.now() + SOCKET_GRACE_MS; Date.now() < until;) {
    const engine = await EngineClient.connect(dir);
    if (engine) return engine;
    await new Promise((r) => setTimeout(r, 200));
  }
  return undefined;
}

async function remotely<T>(engine: EngineClient, remote: (engine: EngineClient) => Promise<T>): Promise<{ done: T } | undefined> {
  try {
    return { done: await remote(engine) };
  } catch (error) {
    if (error instanceof EngineMovedError) return undefined;
    throw error;
  } finally {
    engine.close();
  }
}

/**
 * Runs a command in the engine that holds the workspace (the app, `recount serve`), through its socket, so that the
 * app sees at once what the command changed; or, when no engine holds it, on the workspace opened here.
 */
export async function viaEngine<T>(
  dir: string,
  remote: (engine: EngineClient) => Promise<T>,
  local: (workspace: Workspace) => Promise<T>,
): Promise<T> {
  const engine = await EngineClient.connect(dir);
  const served = engine ? await remotely(engine, remote) : undefined;
  if (served) return served.done;
  try {
    return await withWorkspace(dir, local);
  } catch (error) {
    if (!(error instanceof UserError) || error.code !== 'workspace-locked') throw error;
    const late = await engineAppearing(dir);
    const retried = late ? await remotely(late, remote) : undefined;
    if (!retried) throw error;
    return retried.done;
  }
}

/** A writer waiting for another one in the engine says so, on stderr. */
export function printNotice(message: string): void {
  process.stderr.write(`recount: ${message}\n`);
}

/**
 * Prints a result for `--json` as one line, in the shape the contract gives the same result of the app's method
 * (validated, and without what the contract does not carry), so scripts and the app read the same document. `extra`
 * adds what only the command knows.
 */
export function printJson<M extends Method>(method: M, result: unknown, extra: Record<string, unknown> = {}): void {
  const shaped = parseResult(method, result);
  const document = Object.keys(extra).length > 0 ? { ...(shaped as object), ...extra } : shaped;
  process.stdout.write(`${JSON.stringify(document)}\n`);
}

/** An AbortSignal that fires on the first Ctrl-C; a second Ctrl-C exits at once. */
export function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  let count = 0;
  process.on('SIGINT', () => {
    count++;
    if (count > 1) process.exit(130);
    process.stderr.write('\nCancelling… (Ctrl-C again to force)\n');
    controller.abort();
  });
  process.on('SIGTERM', () => controller.abort());
  return controller.signal;
}

function humanBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function humanCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** A progress bar on stderr when it is a terminal; silent otherwise (pipes, CI, --json). */
export class ProgressBar {
  private bar: cliProgress.SingleBar | undefined;
  private started = Date.now();
  private phase = '';

  constructor(
    private readonly enabled: boolean,
    private readonly label: string,
  ) {}

  static forTerminal(label: string, json: boolean): ProgressBar {
    return new ProgressBar(Boolean(process.stderr.isTTY) && !json, label);
  }

  update = (progress: Progress): void => {
    if (!this.enabled) return;
    if (progress.phase !== this.phase) {
      this.bar?.stop();
      this.phase = progress.phase;
      this.started = Date.now();
      this.bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: `${this.label} {phase} [{bar}] {percentage}% {detail}`,
          hideCursor: true,
          clearOnComplete: true,
          barsize: 24,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(progress.total ?? (progress.unit === 'percent' ? 100 : Math.max(progress.done, 1)), 0, {
        phase: progress.phase,
        detail: '',
      });
    }
    const seconds = Math.max((Date.now() - this.started) / 1000, 0.001);
    const parts: string[] = [];
    if (progress.unit === 'bytes')
      parts.push(
        `${humanBytes(progress.done)}${progress.total ? ` / ${humanBytes(progress.total)}` : ''}`,
        `${humanBytes(progress.done / seconds)}/s`,
      );
    if (progress.rows !== undefined)
      parts.push(`${humanCount(progress.rows)} rows`, `${humanCount(Math.round(progress.rows / seconds))} rows/s`);
    if (progress.unit === 'partitions') parts.push(`${progress.done}/${progress.total ?? '?'} partitions`);
    if (progress.total !== undefined) this.bar?.setTotal(progress.total);
    this.bar?.update(progress.done, { phase: progress.phase, detail: parts.join(' · ') });
  };

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

/** Runs a command body, printing user-facing errors without stacks and setting the exit status. */
export async function runCommand(body: () => Promise<number | void>): Promise<void> {
  try {
    const code = await body();
    process.exitCode = code ?? 0;
  } catch (error) {
    if (error instanceof CancelledError) {
      process.stderr.write('Cancelled.\n');
      process.exitCode = 130;
    } else if (error instanceof UserError) {
      process.stderr.write(`recount: ${error.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`recount: ${errorMessage(error)}\n`);
      if (process.env.RECOUNT_DEBUG) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
      process.exitCode = 1;
    }
  }
}

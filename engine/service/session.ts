import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Workspace } from '../kernel/workspace/workspace.js';
import { writeFileAtomic } from '../kernel/util/fsx.js';
import type { EngineEvent } from '../shared/contract.js';
import { initWorkspace, openWorkspace } from './init.js';
import { QueryResults } from './queries.js';
import { Notebooks } from './notebooks.js';
import { LiveService } from './live.js';
import { workspaceLog } from './app-paths.js';

export interface SessionOptions {
  /** Where the list of recently opened workspaces is kept (per user, not per workspace). */
  recentFile?: string;
}

/** What the app is told changed, so that it reads it again. */
export type Changed = 'lake' | 'pipelines' | 'notebooks' | 'workspace';

/** What the engine holds for the open workspace; all of it is replaced together when another one is opened. */
interface Open {
  workspace: Workspace;
  queries: QueryResults;
  notebooks: Notebooks;
  live: LiveService;
}

/**
 * The workspace the app has open, with what is held for it: the results of SQL cells, its notebooks and its live
 * service following the workspace's log; the downloads prepared in browser mode; and the recent workspaces. Handlers
 * read the open workspace through it at each call, so a request after a switch sees the new one.
 */
export class WorkspaceSession {
  private current: Open | undefined;
  private readonly downloads = new Map<string, { path: string; filename: string; owner?: string | undefined }>();
  /** How each workspace left was followed (its log, whether demo traffic ran), so switching back restores it. */
  private readonly left = new Map<string, { log: string | undefined; simulating: boolean }>();

  constructor(
    private readonly options: SessionOptions,
    private readonly emit: (event: EngineEvent) => void,
  ) {}

  private get open(): Open {
    if (!this.current) throw new Error('No workspace is open');
    return this.current;
  }

  get workspace(): Workspace {
    return this.open.workspace;
  }

  get queries(): QueryResults {
    return this.open.queries;
  }

  get notebooks(): Notebooks {
    return this.open.notebooks;
  }

  get live(): LiveService {
    return this.open.live;
  }

  /** Opens a workspace, starts following its log and remembers it as the newest recent one. */
  async start(dir: string, log?: string): Promise<void> {
    const workspace = await openWorkspace(dir);
    // Without its background threads DuckDB's allocator keeps the memory of dropped results (a client's, once it
    // has gone) for reuse instead of returning it: a long-lived engine would only ever grow.
    await workspace.catalog.run('SET allocator_background_threads = true');
    const live = new LiveService(workspace, log, this.emit);
    this.current = { workspace, queries: new QueryResults(workspace), notebooks: new Notebooks(workspace), live };
    await live.start();
    await this.remember(workspace.dir);
  }

  /**
   * Switches to another workspace (created first, on request), which then follows its own log. It is opened and
   * closed once before the current one is let go, so a folder that is no workspace leaves the app where it was.
   */
  async switchTo(dir: string, create?: { timezone?: string }): Promise<string> {
    const target = resolve(dir);
    if (create) await initWorkspace(target, create.timezone ? { timezone: create.timezone } : {});
    const check = await openWorkspace(target);
    await check.close();
    const leaving = this.current;
    if (leaving) this.left.set(leaving.workspace.dir, { log: leaving.live.log, simulating: leaving.live.state().simulating });
    await this.close();
    const before = this.left.get(check.dir);
    await this.start(target, before ? before.log : workspaceLog(target));
    if (before?.simulating) await this.live.simulate(true);
    this.changed('workspace');
    return this.workspace.dir;
  }

  async close(): Promise<void> {
    const open = this.current;
    if (!open) return;
    this.current = undefined;
    await open.live.stop();
    open.queries.closeAll();
    await open.workspace.close();
  }

  changed(what: Changed): void {
    this.emit({ type: 'workspace.changed', what });
  }

  /** Tables whose data changed, now: the cells that read them are stale until they run again. */
  tablesChanged(tables: readonly string[]): void {
    if (tables.length > 0) this.emit({ type: 'tables.changed', tables: [...tables], at: new Date().toISOString() });
  }

  /** A prepared download (browser mode), to be served once; the client that asked for it owns it until then. */
  addDownload(id: string, download: { path: string; filename: string }, owner?: string): void {
    this.downloads.set(id, { ...download, owner });
  }

  /** Lets go of what one client holds: its results and the downloads it prepared and never took. Returns how many. */
  async releaseClient(client: string): Promise<number> {
    const results = this.current?.queries.closeOwnedBy(client) ?? 0;
    const downloads = [...this.downloads].filter(([, d]) => d.owner === client);
    for (const [id, download] of downloads) {
      this.downloads.delete(id);
      await rm(download.path, { force: true });
    }
    return results + downloads.length;
  }

  /** How many results are held, and by which clients. */
  heldResults(): { results: number; owners: Set<string> } {
    return this.current?.queries.held() ?? { results: 0, owners: new Set() };
  }

  /** A prepared download, served once and then forgotten. */
  takeDownload(id: string): { path: string; filename: string } | undefined {
    const download = this.downloads.get(id);
    this.downloads.delete(id);
    return download;
  }

  /** The recently opened workspaces, newest first (only the open one, when no list is kept). */
  async recent(): Promise<string[]> {
    if (!this.options.recentFile) return [this.workspace.dir];
    try {
      return (JSON.parse(await readFile(this.options.recentFile, 'utf8')) as string[]).filter((d) => typeof d === 'string');
    } catch {
      return [];
    }
  }

  private async remember(dir: string): Promise<void> {
    if (!this.options.recentFile) return;
    const list = [dir, ...(await this.recent()).filter((d) => d !== dir)].slice(0, 10);
    await mkdir(dirname(this.options.recentFile), { recursive: true });
    await writeFileAtomic(this.options.recentFile, JSON.stringify(list, null, 2));
  }
}

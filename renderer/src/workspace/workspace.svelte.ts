import type { Client, Result } from '../api';
import { newerLiveState, type LiveState } from './live-state';
import { NewestAnswer } from './newest-answer';

type Info = Result<'app.info'>;
type Summary = Result<'workspace.summary'>;
type Status = Result<'pipelines.status'>;
type NotebookInfo = Result<'notebooks.list'>[number];
type Tables = Result<'schema.tables'>;
type Functions = Result<'schema.functions'>;

/**
 * What the app knows of the open workspace: its lake, pipelines, notebooks, schema and the live tail.
 * Refreshed when the engine says something changed, so every panel reads one consistent copy.
 */
export class WorkspaceStore {
  info = $state<Info>();
  summary = $state<Summary>();
  status = $state<Status>();
  live = $state<LiveState>();
  notebooks = $state<NotebookInfo[]>([]);
  tables = $state<Tables>([]);
  /** DuckDB's functions for completion: read with the workspace, not on every change (a macro made is a workspace change). */
  functions = $state.raw<Functions>([]);
  error = $state<unknown>();
  /** Bumped on every change to the lake or pipelines, for cells that show derived numbers. */
  version = $state(0);
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- timers, not state
  private timers = new Map<string, ReturnType<typeof setTimeout>>();
  private infoAnswers = new NewestAnswer();
  private dataAnswers = new NewestAnswer();
  private notebookAnswers = new NewestAnswer();
  private functionAnswers = new NewestAnswer();

  constructor(private readonly client: Client) {
    client.on('live.state', (e) => this.acceptLive(e.state));
    client.on('workspace.changed', (e) => {
      this.version++;
      if (e.what === 'notebooks') this.later('notebooks', () => this.refreshNotebooks());
      else if (e.what === 'workspace') this.later('all', () => this.load());
      else this.later('data', () => this.refreshData());
    });
  }

  /** A live state from an event or an answer, kept only if no newer one came first. */
  acceptLive(state: LiveState): void {
    this.live = newerLiveState(this.live, state);
  }

  /** Coalesces bursts of change events into one refresh. */
  private later(key: string, work: () => Promise<void>): void {
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => void work().catch((e) => (this.error = e)), 150),
    );
  }

  async load(): Promise<void> {
    const keep = this.infoAnswers.next();
    const info = await this.client.call('app.info', {});
    if (keep()) this.info = info;
    await Promise.all([
      this.refreshData(),
      this.refreshNotebooks(),
      this.client.call('live.state', {}).then((s) => this.acceptLive(s)),
      this.refreshFunctions(),
    ]);
  }

  async refreshData(): Promise<void> {
    const keep = this.dataAnswers.next();
    const [summary, status, tables] = await Promise.all([
      this.client.call('workspace.summary', {}),
      this.client.call('pipelines.status', {}),
      this.client.call('schema.tables', {}),
    ]);
    if (!keep()) return;
    this.summary = summary;
    this.status = status;
    this.tables = tables;
  }

  /** Completion works without them (it falls back to the names it knows), so failing to read them fails nothing. */
  private async refreshFunctions(): Promise<void> {
    const keep = this.functionAnswers.next();
    const functions = await this.client.call('schema.functions', {}).catch(() => undefined);
    if (functions && keep()) this.functions = functions;
  }

  async refreshNotebooks(): Promise<void> {
    const keep = this.notebookAnswers.next();
    const notebooks = await this.client.call('notebooks.list', {});
    if (keep()) this.notebooks = notebooks;
  }

  pipeline(name: string) {
    return this.status?.pipelines.find((p) => p.name === name);
  }

  get realtimePipelines(): string[] {
    return this.status?.pipelines.filter((p) => p.realtime).map((p) => p.name) ?? [];
  }
}

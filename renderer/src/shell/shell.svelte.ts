import { isUnreachable, type Client, type ConnectionStatus } from '../api';
import { NotebookDoc } from '../notebook/notebook.svelte';
import { nameTaken, notebookNameFor } from '../notebook/title-name';
import type { WorkspaceStore } from '../workspace/workspace.svelte';
import { Theme } from './theme.svelte';

const SIDEBAR_KEY = 'recount:sidebar';

/** Another tab switched the engine from the workspace this tab shows (`from`) to another (`to`). */
export interface SwitchedAway {
  from: string;
  to: string;
}

/**
 * The app's navigation: which notebook is open, which dialog is up; and keeping the open notebook true to the engine
 * when it restarts, or when another tab (browser mode has one engine for every tab) switches its workspace.
 */
export class Shell {
  notebook = $state<NotebookDoc>();
  notebookError = $state<unknown>();
  importOpen = $state(false);
  /** Files dropped on the window, waiting for the import dialog to take them. */
  droppedFiles = $state<File[]>([]);
  workspaceDialogOpen = $state(false);
  shortcutsOpen = $state(false);
  switchedAway = $state<SwitchedAway>();
  /** Whether the engine answers (browser mode): what it last said is shown, but not as live. */
  connection = $state<ConnectionStatus>('connected');
  /** Whether the workspace sidebar shows (remembered: hidden stays hidden on the next visit). */
  sidebarOpen = $state(localStorage.getItem(SIDEBAR_KEY) !== 'closed');
  readonly theme = new Theme();
  /** The workspace the open notebook belongs to. */
  private dir: string | undefined;
  /** This tab is switching the workspace itself: the change the engine announces is its own. */
  private switching = false;

  constructor(
    private readonly client: Client,
    private readonly workspace: WorkspaceStore,
  ) {
    client.on('workspace.changed', (e) => {
      if (e.what === 'workspace') void this.checkSwitched();
    });
  }

  toggleSidebar(): void {
    this.sidebarOpen = !this.sidebarOpen;
    if (this.sidebarOpen) localStorage.removeItem(SIDEBAR_KEY);
    else localStorage.setItem(SIDEBAR_KEY, 'closed');
  }

  /** Edits the engine does not have yet: closing the tab now would lose them. */
  get unsaved(): boolean {
    const doc = this.notebook;
    return Boolean(doc && (doc.dirty || doc.saving));
  }

  private get lastKey(): string {
    return `recount:last-notebook:${this.workspace.info?.workspace.dir ?? ''}`;
  }

  async openNotebook(name: string): Promise<void> {
    if (this.notebook?.name === name) return;
    const previous = this.notebook;
    this.notebook = undefined;
    this.notebookError = undefined;
    await previous?.close();
    try {
      this.notebook = await NotebookDoc.open(this.client, name);
      this.dir = this.workspace.info?.workspace.dir;
      if (this.switchedAway && this.dir === this.switchedAway.to) this.switchedAway = undefined;
      localStorage.setItem(this.lastKey, name);
    } catch (error) {
      this.notebookError = error;
    }
  }

  /** After a workspace opens: the notebook last open there, else the first one. */
  async openDefaultNotebook(): Promise<void> {
    const names = this.workspace.notebooks.map((n) => n.name);
    const last = localStorage.getItem(this.lastKey);
    const name = last && names.includes(last) ? last : names[0];
    if (name) await this.openNotebook(name);
    else {
      await this.notebook?.close();
      this.notebook = undefined;
      this.dir = this.workspace.info?.workspace.dir;
    }
  }

  async createNotebook(name: string): Promise<void> {
    await this.client.call('notebooks.create', { name });
    await this.workspace.refreshNotebooks();
    await this.openNotebook(name);
  }

  /**
   * Renames a notebook's file, and its title with it (the two are kept in step): the open notebook is saved first, so
   * the rename moves every edit; a closed one gets its new title written once its file has the new name.
   */
  async renameNotebook(from: string, to: string): Promise<void> {
    const doc = this.notebook?.name === from ? this.notebook : undefined;
    const title = doc?.title;
    if (doc) {
      doc.setTitle(to);
      await doc.save();
    }
    try {
      await this.client.call('notebooks.rename', { from, to });
    } catch (error) {
      if (doc && title !== undefined) {
        doc.setTitle(title);
        await doc.save();
      }
      throw error;
    }
    if (doc) doc.name = to;
    else {
      const { notebook } = await this.client.call('notebooks.read', { name: to });
      await this.client.call('notebooks.save', { name: to, notebook: { ...notebook, title: to } });
    }
    await this.workspace.refreshNotebooks();
    if (doc) localStorage.setItem(this.lastKey, to);
  }

  /**
   * A new title for the open notebook, and its file renamed to match. Returns why not, when its file name would be
   * another notebook's: then neither changes. A title with nothing a file name can hold keeps the file's name.
   */
  async retitleNotebook(title: string): Promise<string | undefined> {
    const doc = this.notebook;
    if (!doc || title === doc.title) return undefined;
    const name = notebookNameFor(title);
    if (!name || name === doc.name) {
      doc.setTitle(title);
      return undefined;
    }
    const taken = nameTaken(
      name,
      this.workspace.notebooks.map((n) => n.name),
      doc.name,
    );
    if (taken)
      return `Another notebook is saved as notebooks/${taken}.md: give this one another title, or rename that one first.`;
    const before = doc.title;
    doc.setTitle(title);
    await doc.save();
    try {
      await this.client.call('notebooks.rename', { from: doc.name, to: name });
    } catch (error) {
      doc.setTitle(before);
      await doc.save();
      throw error;
    }
    doc.name = name;
    localStorage.setItem(this.lastKey, name);
    await this.workspace.refreshNotebooks();
    return undefined;
  }

  async deleteNotebook(name: string): Promise<void> {
    if (this.notebook?.name === name) {
      await this.notebook.close();
      this.notebook = undefined;
    }
    await this.client.call('notebooks.delete', { name });
    await this.workspace.refreshNotebooks();
    if (!this.notebook) await this.openDefaultNotebook();
  }

  async openWorkspace(dir: string, options: { create?: boolean; timezone?: string } = {}): Promise<void> {
    await this.notebook?.close();
    this.notebook = undefined;
    this.switchedAway = undefined;
    await this.switchEngine(dir, options);
    await this.workspace.load();
    await this.openDefaultNotebook();
  }

  private async switchEngine(dir: string, options: { create?: boolean; timezone?: string } = {}): Promise<void> {
    this.switching = true;
    try {
      this.dir = (await this.client.call('workspace.open', { dir, ...options })).dir;
    } finally {
      this.switching = false;
    }
  }

  /** The engine announced another workspace: if this tab did not ask for it, the notebook shown is no longer the engine's. */
  private async checkSwitched(): Promise<void> {
    if (this.switching || !this.dir) return;
    const info = await this.client.call('app.info', {}).catch(() => undefined);
    const dir = this.dir;
    if (!info || this.switching || !dir) return;
    if (info.workspace.dir === dir) {
      // Switched back by another tab: this notebook's workspace is open again, though not the results it held.
      if (this.switchedAway) {
        this.switchedAway = undefined;
        this.notebook?.reattach();
        await this.reopenNotebook();
      }
      return;
    }
    this.notebook?.detach();
    this.switchedAway = { from: this.switchedAway?.from ?? dir, to: info.workspace.dir };
  }

  /** After another tab switched workspaces: show the workspace the engine has open now (unsaved edits here are dropped). */
  async followSwitch(): Promise<void> {
    const doc = this.notebook;
    this.notebook = undefined;
    await doc?.close();
    this.switchedAway = undefined;
    await this.workspace.load();
    await this.openDefaultNotebook();
  }

  /** After another tab switched workspaces: switch the engine back to this tab's, keeping (and saving) the edits made here. */
  async switchBack(): Promise<void> {
    const away = this.switchedAway;
    if (!away) return;
    await this.switchEngine(away.from);
    this.switchedAway = undefined;
    this.notebook?.reattach();
    await this.workspace.load();
    await this.reopenNotebook();
  }

  /**
   * The engine is back after a drop: save what was typed meanwhile and read the workspace again. A restarted engine
   * holds none of the results it held for this tab, so the notebook opens again.
   */
  async reconnected(restarted: boolean): Promise<void> {
    if (isUnreachable(this.workspace.error)) this.workspace.error = undefined;
    if (this.switchedAway) return;
    await this.notebook?.save();
    await this.workspace.load();
    if (restarted) await this.reopenNotebook();
  }

  /** Opens the open notebook again, saving it first: its cells run (or show their saved results) as on any open. */
  private async reopenNotebook(): Promise<void> {
    const doc = this.notebook;
    if (!doc) return;
    this.notebook = undefined;
    await doc.close();
    await this.openNotebook(doc.name);
  }

  startImport(files: File[] = []): void {
    this.droppedFiles = files;
    this.importOpen = true;
  }
}

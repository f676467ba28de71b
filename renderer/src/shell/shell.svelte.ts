import type { Client } from '../api';
import { NotebookDoc } from '../notebook/notebook.svelte';
import type { WorkspaceStore } from '../workspace/workspace.svelte';

/** The app's navigation: which notebook is open, which dialog is up. */
export class Shell {
  notebook = $state<NotebookDoc>();
  notebookError = $state<unknown>();
  importOpen = $state(false);
  /** Files dropped on the window, waiting for the import dialog to take them. */
  droppedFiles = $state<File[]>([]);
  workspaceDialogOpen = $state(false);
  shortcutsOpen = $state(false);

  constructor(
    private readonly client: Client,
    private readonly workspace: WorkspaceStore,
  ) {}

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
    }
  }

  async createNotebook(name: string): Promise<void> {
    await this.client.call('notebooks.create', { name });
    await this.workspace.refreshNotebooks();
    await this.openNotebook(name);
  }

  async renameNotebook(from: string, to: string): Promise<void> {
    if (this.notebook?.name === from) await this.notebook.save();
    await this.client.call('notebooks.rename', { from, to });
    await this.workspace.refreshNotebooks();
    if (this.notebook?.name === from) this.notebook.name = to;
    localStorage.setItem(this.lastKey, to);
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
    await this.client.call('workspace.open', { dir, ...options });
    await this.workspace.load();
    await this.openDefaultNotebook();
  }

  startImport(files: File[] = []): void {
    this.droppedFiles = files;
    this.importOpen = true;
  }
}

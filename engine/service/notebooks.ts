import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Workspace } from '../kernel/workspace/workspace.js';
import { UserError } from '../kernel/util/errors.js';
import { exists, writeFileAtomic } from '../kernel/util/fsx.js';
import { NotebookFormatError, parseNotebook, serializeNotebook, type Notebook } from '../shared/notebook-format.js';

export interface NotebookInfo {
  name: string;
  title: string;
  modified: string;
}

/** Notebooks are `<name>.md` files in the workspace's notebooks folder. */
export class Notebooks {
  constructor(private readonly workspace: Workspace) {}

  private path(name: string): string {
    if (!/^[\w][\w .-]{0,100}$/.test(name) || name.includes('..')) throw new UserError(`"${name}" is not a notebook name`);
    return join(this.workspace.paths.notebooks, `${name}.md`);
  }

  async list(): Promise<NotebookInfo[]> {
    const files = (await readdir(this.workspace.paths.notebooks).catch(() => [] as string[]))
      .filter((f) => f.endsWith('.md'))
      .sort();
    const out: NotebookInfo[] = [];
    for (const file of files) {
      const name = file.slice(0, -3);
      out.push(await this.info(name).catch(() => ({ name, title: name, modified: '' })));
    }
    return out;
  }

  async info(name: string): Promise<NotebookInfo> {
    const path = this.path(name);
    const text = await readFile(path, 'utf8');
    const title = /^#\s+(.+)$/m.exec(text)?.[1]?.trim() ?? name;
    return { name, title, modified: (await stat(path)).mtime.toISOString() };
  }

  async read(name: string): Promise<{ name: string; notebook: Notebook; text: string }> {
    const path = this.path(name);
    if (!(await exists(path))) throw new UserError(`There is no notebook named ${name}`, 'not-found');
    const text = await readFile(path, 'utf8');
    try {
      return { name, notebook: parseNotebook(text, name), text };
    } catch (error) {
      if (error instanceof NotebookFormatError) {
        throw Object.assign(new UserError(`${path}: ${error.message}`, 'notebook-format'), { file: path, line: error.line });
      }
      throw error;
    }
  }

  async save(name: string, notebook: Notebook): Promise<NotebookInfo> {
    await writeFileAtomic(this.path(name), serializeNotebook(notebook));
    return this.info(name);
  }

  async create(name: string): Promise<NotebookInfo> {
    if (await exists(this.path(name))) throw new UserError(`A notebook named ${name} exists already`, 'exists');
    return this.save(name, { title: name, cells: [] });
  }

  async rename(from: string, to: string): Promise<NotebookInfo> {
    if (await exists(this.path(to))) throw new UserError(`A notebook named ${to} exists already`, 'exists');
    await rename(this.path(from), this.path(to));
    return this.info(to);
  }

  async delete(name: string): Promise<void> {
    await rm(this.path(name), { force: true });
  }
}

import type { WorkspaceSession } from '../session.js';
import type { Handlers } from './handler.js';
import { ResultCache } from '../result-cache.js';
import { savedResults } from '../cell-results.js';

/** Notebooks: Markdown files in the workspace; each change is announced, so every window lists them anew. */
export function notebookHandlers(
  session: WorkspaceSession,
): Handlers<
  | 'notebooks.list'
  | 'notebooks.read'
  | 'notebooks.results'
  | 'notebooks.save'
  | 'notebooks.create'
  | 'notebooks.rename'
  | 'notebooks.delete'
> {
  return {
    'notebooks.list': async () => session.notebooks.list(),
    'notebooks.read': async ({ name }) => session.notebooks.read(name),
    'notebooks.results': async ({ name }) => savedResults(session, name),
    'notebooks.save': async ({ name, notebook }) => {
      const info = await session.notebooks.save(name, notebook);
      // A deleted cell's result goes with it.
      await new ResultCache(session.workspace.dir).prune(
        name,
        notebook.cells.map((c) => c.id),
      );
      session.changed('notebooks');
      return info;
    },
    'notebooks.create': async ({ name }) => {
      const info = await session.notebooks.create(name);
      session.changed('notebooks');
      return info;
    },
    'notebooks.rename': async ({ from, to }) => {
      const info = await session.notebooks.rename(from, to);
      await new ResultCache(session.workspace.dir).rename(from, to);
      session.changed('notebooks');
      return info;
    },
    'notebooks.delete': async ({ name }) => {
      await session.notebooks.delete(name);
      await new ResultCache(session.workspace.dir).remove(name);
      session.changed('notebooks');
      return {};
    },
  };
}

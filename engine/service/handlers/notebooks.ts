import type { WorkspaceSession } from '../session.js';
import type { Handlers } from './handler.js';

/** Notebooks: Markdown files in the workspace; each change is announced, so every window lists them anew. */
export function notebookHandlers(
  session: WorkspaceSession,
): Handlers<
  'notebooks.list' | 'notebooks.read' | 'notebooks.save' | 'notebooks.create' | 'notebooks.rename' | 'notebooks.delete'
> {
  return {
    'notebooks.list': async () => session.notebooks.list(),
    'notebooks.read': async ({ name }) => session.notebooks.read(name),
    'notebooks.save': async ({ name, notebook }) => {
      const info = await session.notebooks.save(name, notebook);
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
      session.changed('notebooks');
      return info;
    },
    'notebooks.delete': async ({ name }) => {
      await session.notebooks.delete(name);
      session.changed('notebooks');
      return {};
    },
  };
}

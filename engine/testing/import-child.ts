// A child process for crash tests: imports one file and prints each progress phase as a JSON line,
// so the parent can SIGKILL it at a chosen moment.
import { importFile } from '../lake/import.js';
import { openWorkspace } from '../service/init.js';

const [workspaceDir, file] = process.argv.slice(2) as [string, string];
const workspace = await openWorkspace(workspaceDir);
let last = '';
const result = await importFile(workspace, file, {
  onProgress: (p) => {
    const key = `${p.phase}:${p.phase === 'committing' ? p.done : ''}`;
    if (key !== last) {
      last = key;
      process.stdout.write(`${JSON.stringify({ phase: p.phase, done: p.done })}\n`);
    }
  },
});
process.stdout.write(`${JSON.stringify({ done: true, status: result.status })}\n`);
await workspace.close();

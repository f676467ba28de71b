// A child process for crash tests: removes one import and prints each progress phase as a JSON line, then holds
// the process still for a moment, so that the parent's SIGKILL lands at exactly that point of the removal.
import { writeSync } from 'node:fs';
import { removeImport } from '../lake/remove.js';
import { openWorkspace } from '../service/init.js';

const [workspaceDir, id] = process.argv.slice(2) as [string, string];
const workspace = await openWorkspace(workspaceDir);
const pause = new Int32Array(new SharedArrayBuffer(4));
const result = await removeImport(workspace, Number(id), {
  onProgress: (p) => {
    writeSync(1, `${JSON.stringify({ phase: p.phase, done: p.done })}\n`);
    Atomics.wait(pause, 0, 0, 3000);
  },
});
writeSync(1, `${JSON.stringify({ done: true, rows: result.rows })}\n`);
await workspace.close();

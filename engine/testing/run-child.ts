// A child process for crash tests: runs every pipeline in full and prints each finished partition count,
// so the parent can SIGKILL it mid-run.
import { runPipelines } from '../batch/runner.js';
import { openWorkspace } from '../service/init.js';

const [workspaceDir] = process.argv.slice(2) as [string];
const workspace = await openWorkspace(workspaceDir);
const result = await runPipelines(workspace, {
  full: true,
  onProgress: (p) => process.stdout.write(`${JSON.stringify({ done: p.done, total: p.total })}\n`),
});
process.stdout.write(`${JSON.stringify({ finished: true, status: result.status })}\n`);
await workspace.close();

// A child process for crash tests: follows a RabbitMQ stream into a workspace's live view, checkpointing after every
// batch (or as often as told), and prints what it resumed after and each batch it applied as JSON lines, so that the
// parent can SIGKILL it at any moment. Given an offset to stop at, it stops there, checkpoints and says so.
import { openWorkspace } from '../service/init.js';
import { StreamSession } from '../speed/stream-session.js';

const [workspaceDir, url, stream, interval, until] = process.argv.slice(2) as [string, string, string, string, string?];
const workspace = await openWorkspace(workspaceDir);
const session = await StreamSession.open(workspace, {
  url,
  stream,
  start: 'beginning',
  checkpointIntervalMs: Number(interval),
  retryMs: 50,
});
const say = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
say({ ready: true, resumedAfter: session.offset ?? null, warnings: session.warnings });
const controller = new AbortController();
await session.follow(controller.signal, (tick) => {
  say({ first: tick.first, last: tick.last, lines: tick.lines, gap: tick.gap ?? null });
  if (until !== undefined && tick.last >= Number(until)) controller.abort();
});
await session.close();
await workspace.close();
say({ done: true, offset: session.offset ?? null });

// Child process for the tail bench: follows a log as `recount tail` does (a LiveSession, both modes, from the log's
// end) or, with `bare`, as the bare loop does (bare-tail.ts); after `warmup` seconds it measures its own CPU time over
// `window` seconds and prints one JSON line.
import { openWorkspace } from '../engine/service/init.js';
import { LiveSession } from '../engine/speed/session.js';
import { bareTail } from './bare-tail.js';

const [kind, log, workspaceDir, warmup, window] = process.argv.slice(2) as [string, string, string, string, string];
let lines = 0;
let batches = 0;
let stop: () => Promise<void>;

if (kind === 'bare') {
  stop = await bareTail(log, (n) => {
    lines += n;
    batches++;
  });
} else {
  const workspace = await openWorkspace(workspaceDir);
  const session = await LiveSession.open(workspace, { log, start: 'end', restart: true });
  const controller = new AbortController();
  const following = session.follow(controller.signal, (tick) => {
    lines += tick.lines;
    batches++;
  });
  stop = async () => {
    controller.abort();
    await following;
    await session.close({ checkpoint: false });
    await workspace.close();
  };
}

const sleep = (s: number) => new Promise((resolve) => setTimeout(resolve, s * 1000));
await sleep(Number(warmup));
const [lines0, batches0] = [lines, batches];
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
await sleep(Number(window));
const cpu = process.cpuUsage(cpu0);
const wall = performance.now() - wall0;
const share = (cpu.user + cpu.system) / 1000 / wall;
process.stdout.write(`${JSON.stringify({ share, lines: lines - lines0, batches: batches - batches0, seconds: wall / 1000 })}\n`);
await stop();

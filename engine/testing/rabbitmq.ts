import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';

/**
 * Test support: a RabbitMQ broker that is the test's own process, with a node name, ports, data and cookie of its own
 * under a temporary folder, so that tests never touch a system broker, each other's, or a developer's. The broker's own
 * start script is run as the current user (not Debian's /usr/sbin wrapper, which as root switches to the `rabbitmq`
 * user in a session of its own): the broker is then a child of the test, its files are the test's, and a broker that
 * will not stop can still be killed. A broker that cannot start fails the test with what it printed: tests that need a
 * broker never skip.
 */

/** Debian's rabbitmq-server package puts the broker's scripts here; RABBITMQ_SCRIPTS points elsewhere. */
export const RABBITMQ_SCRIPTS = process.env.RABBITMQ_SCRIPTS ?? '/usr/lib/rabbitmq/bin';
const READY = 'Starting broker... completed with';
const INSTALL_HINT = 'apt-get install -y --no-install-recommends rabbitmq-server';

export interface TestBroker {
  /** amqp://guest:guest@127.0.0.1:PORT/ (guest may connect over loopback: `loopback_users = none`). */
  readonly url: string;
  readonly port: number;
  readonly node: string;
  /** The broker's folder (data, logs, config), removed by `cleanup`. */
  readonly dir: string;
  readonly running: boolean;
  /** Starts the broker again on the same node, ports and data (after `stop` or `kill`). */
  start(): Promise<void>;
  /** Stops the broker cleanly (rabbitmqctl stop) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills the broker's processes with SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Runs rabbitmqctl against this broker; rejects with its output when it fails. */
  ctl(...args: string[]): Promise<string>;
  /** Stops the broker (killing it if it will not stop) and removes its folder. */
  cleanup(): Promise<void>;
}

/** Ports a broker may take: outside the range rabbitmqctl's own Erlang node listens on (35672–35682). */
async function freePort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 15_000);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('found no free port for a test broker');
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${output.trim()}`));
    });
  });
}

const live = new Set<ChildProcess>();
// A test process that exits without cleaning up (a failed hook, a worker torn down) takes its brokers with it.
process.once('exit', () => {
  for (const child of live) if (child.pid) killGroup(child.pid);
});

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

export async function startBroker(options: { name?: string; startTimeoutMs?: number } = {}): Promise<TestBroker> {
  const server = join(RABBITMQ_SCRIPTS, 'rabbitmq-server');
  const ctlPath = join(RABBITMQ_SCRIPTS, 'rabbitmqctl');
  if (!existsSync(server) || !existsSync(ctlPath)) {
    throw new Error(`RabbitMQ is not installed (no ${server}): ${INSTALL_HINT}; the broker tests cannot run without it`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'recount-rabbitmq-'));
  const node = `${options.name ?? 'recount-test'}-${process.pid}-${randomBytes(3).toString('hex')}@localhost`;
  const taken = new Set<number>();
  const port = await freePort(taken);
  const distPort = await freePort(taken);
  for (const sub of ['mnesia', 'log', 'home']) await mkdir(join(dir, sub), { recursive: true });
  await writeFile(join(dir, 'enabled_plugins'), '[].\n');
  await writeFile(join(dir, 'rabbitmq.conf'), `listeners.tcp.default = 127.0.0.1:${port}\nloopback_users = none\n`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // The Erlang cookie is written to and read from HOME: the broker's own, so rabbitmqctl finds this broker's.
    HOME: join(dir, 'home'),
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
    // Files that do not exist, so that a system broker's settings under /etc/rabbitmq never apply.
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
  };
  const startTimeoutMs = options.startTimeoutMs ?? 120_000;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const logTail = async () => {
    const log = await readFile(join(dir, 'log', `${node}.log`), 'utf8').catch(() => '');
    return log.split('\n').slice(-20).join('\n');
  };

  const start = async (): Promise<void> => {
    if (child) throw new Error(`broker ${node} is running already`);
    const started = spawn(server, [], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    live.add(started);
    exited = new Promise((resolve) =>
      started.once('close', () => {
        live.delete(started);
        if (child === started) child = undefined;
        resolve();
      }),
    );
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(`did not start within ${startTimeoutMs / 1000} s`), startTimeoutMs);
      const onData = (d: Buffer) => {
        output += d.toString();
        if (output.includes(READY)) {
          clearTimeout(timer);
          started.stdout?.off('data', onData);
          resolve();
        }
      };
      const fail = (why: string) => {
        clearTimeout(timer);
        killGroup(started.pid as number);
        void logTail().then((log) =>
          reject(
            new Error(
              `the test broker ${node} ${why} (${server}; ${INSTALL_HINT} if it is missing).\nIts output:\n${output.slice(-4000)}\nIts log:\n${log}`,
            ),
          ),
        );
      };
      started.stdout?.on('data', onData);
      started.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      started.once('error', (error) => fail(`could not be run: ${error.message}`));
      started.once('exit', (code, signal) => fail(`exited before it was ready (${signal ?? `exit ${code}`})`));
    });
    // Drained, so a broker that logs to stdout never blocks on a full pipe.
    started.stdout?.resume();
    started.stderr?.resume();
    started.removeAllListeners('exit');
  };

  const ctl = (...args: string[]) => run(ctlPath, ['-n', node, ...args], env, 60_000);

  const kill = async (): Promise<void> => {
    const current = child;
    if (!current?.pid) return;
    killGroup(current.pid);
    await exited;
  };

  const stop = async (): Promise<void> => {
    const current = child;
    if (!current) return;
    try {
      await ctl('stop');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);
    } finally {
      // A broker that did not stop in time is killed: a test never leaves one behind.
      if (child === current) await kill();
    }
  };

  const broker: TestBroker = {
    url: `amqp://guest:guest@127.0.0.1:${port}/`,
    port,
    node,
    dir,
    get running() {
      return child !== undefined;
    },
    start,
    stop,
    kill,
    ctl,
    async cleanup() {
      await stop().catch(() => kill());
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await start();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return broker;
}

/** Declares a stream queue with the given arguments (retention for a test of gaps: `x-max-length-bytes`…). */
export async function declareStream(url: string, stream: string, args: Record<string, unknown> = {}): Promise<void> {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    await channel.assertQueue(stream, { durable: true, arguments: { 'x-queue-type': 'stream', ...args } });
  } finally {
    await connection.close();
  }
}

/**
 * Publishes each line as one message, with a bare amqplib confirm channel (not Recount's publisher: the tests check
 * Recount against it), and returns once the broker confirmed them all.
 */
export async function publishLines(url: string, stream: string, lines: readonly string[]): Promise<void> {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createConfirmChannel();
    for (const line of lines) {
      if (!channel.sendToQueue(stream, Buffer.from(line))) await new Promise((resolve) => channel.once('drain', resolve));
    }
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}

/** The first message the stream still holds (its retention removes old ones), read by a bare consumer. */
export async function firstRetained(url: string, stream: string): Promise<{ offset: number; body: string }> {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    await channel.prefetch(10);
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${stream} delivered nothing from its first offset`)), 10_000);
      void channel
        .consume(
          stream,
          (m) => {
            if (!m) return;
            clearTimeout(timer);
            resolve({ offset: m.properties.headers?.['x-stream-offset'] as number, body: m.content.toString() });
          },
          { noAck: false, arguments: { 'x-stream-offset': 'first' } },
        )
        .catch(reject);
    });
  } finally {
    await connection.close();
  }
}

/** The offset of the stream's last message (-1 for none): the last of the chunk a consumer at 'last' is given first. */
export async function lastOffset(url: string, stream: string): Promise<number> {
  const connection = await amqp.connect(url);
  connection.on('error', () => {});
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => {});
    await channel.prefetch(10_000);
    let last = -1;
    await channel.consume(
      stream,
      (m) => {
        if (!m) return;
        last = Math.max(last, m.properties.headers?.['x-stream-offset'] as number);
        channel.ack(m);
      },
      { noAck: false, arguments: { 'x-stream-offset': 'last' } },
    );
    for (let i = 0; i < 50 && last < 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 300));
    return last;
  } finally {
    await connection.close();
  }
}

/**
 * Waits until a broker that just started stores what is published to the stream: until then a publish is confirmed
 * and dropped. Each try publishes an empty message, which the live view skips as it skips a blank line.
 */
export async function waitForStream(url: string, stream: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const before = await lastOffset(url, stream).catch(() => -1);
  for (;;) {
    // A stream whose node is not up yet refuses consumers (404, "down or inaccessible"): not ready either.
    const stored = await publishLines(url, stream, [''])
      .then(() => lastOffset(url, stream))
      .catch(() => before);
    if (stored > before) return;
    if (Date.now() > deadline) throw new Error(`${stream} stored nothing published for ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * A TCP proxy on 127.0.0.1 in front of a broker: `cut()` destroys every connection through it, as a network failure
 * does (the broker sees the client vanish, the client sees its socket reset), and the proxy goes on accepting new ones.
 */
export async function tcpProxy(targetPort: number): Promise<{ port: number; cut(): number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    cut() {
      const n = sockets.size;
      for (const s of sockets) s.resetAndDestroy();
      return n;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

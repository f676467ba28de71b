import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { Engine } from '../../service/engine.js';
import { ensureDemoWorkspace } from '../../service/demo.js';
import { startBrowserServer } from '../../server/server.js';
import { listenEngineSocket } from '../../server/engine-socket.js';
import { sessionToServe, writeServeState } from '../../server/serve-state.js';
import { RENDERER_DIR, recentWorkspacesFile, workspaceLog } from '../../service/app-paths.js';
import { UserError } from '../../kernel/util/errors.js';
import { interruptSignal, runCommand, workspaceOption } from '../common.js';
import { openWorkspace } from '../../service/init.js';

export function appVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string })
      .version;
  } catch {
    return '0.0.0';
  }
}

interface ServeOptions {
  workspace: string;
  port?: string;
  log?: string;
  demo?: boolean;
  simulate?: boolean;
  json?: boolean;
  maxUploadMb: string;
  newSession?: boolean;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the app in a browser on 127.0.0.1 (browser mode): the same notebook, over HTTP and WebSocket')
    .addOption(workspaceOption())
    .option('--port <n>', 'port on 127.0.0.1 (default: the one this workspace was served on last, if free, else a free one)')
    .option('--log <file>', 'the event log the live view follows (default: logs/events.log in the workspace)')
    .option('--demo', 'create the demo workspace in the folder if it holds none (sample data, pipelines run, a demo notebook)')
    .option('--simulate', 'write demo traffic into the log, so live numbers move')
    .option('--max-upload-mb <n>', 'the largest file a browser may upload for import', '1024')
    .option('--new-session', 'sign out every tab of earlier starts: a new session secret, and the port chosen afresh')
    .option('--json', 'print {"url","launchUrl","port"} as one JSON line once serving')
    .action((options: ServeOptions) =>
      runCommand(async () => {
        const dir = resolve(options.workspace);
        const port = options.port === undefined ? undefined : Number(options.port);
        if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535))
          throw new UserError(`--port must be a port number, not ${options.port}`);
        const maxUploadMb = Number(options.maxUploadMb);
        if (!Number.isFinite(maxUploadMb) || maxUploadMb <= 0)
          throw new UserError(`--max-upload-mb must be a positive number, not ${options.maxUploadMb}`);
        if (!existsSync(join(RENDERER_DIR, 'index.html'))) throw new UserError('the app is not built yet; run `npm run build`');
        if (options.demo) {
          const demo = await ensureDemoWorkspace(dir);
          if (demo.created) process.stderr.write(`Created the demo workspace in ${dir}\n`);
        } else {
          // Fail here with the workspace's own message rather than in the browser.
          await (await openWorkspace(dir)).close();
        }
        const engine = await Engine.open({
          dir,
          log: options.log ? resolve(options.log) : workspaceLog(dir),
          transport: 'browser',
          recentFile: recentWorkspacesFile(),
          simulate: Boolean(options.simulate),
          version: appVersion(),
        });
        // The same port and session as the last start, so tabs left open reconnect on their own.
        const session = await sessionToServe(dir, { newSession: Boolean(options.newSession) });
        if (session.warning) process.stderr.write(`${session.warning}\n`);
        // The CLI beside the app runs its commands in this engine, over the socket in the workspace.
        const warn = (w: string) => process.stderr.write(`recount: ${w}\n`);
        const socket = await listenEngineSocket(engine, { onWarning: warn }).catch((error: Error) => {
          warn(`the CLI cannot run its commands in this engine while it serves: ${error.message}`);
          return undefined;
        });
        const server = await startBrowserServer({
          engine,
          staticDir: RENDERER_DIR,
          port: port ?? session.port ?? 0,
          anyPortIfTaken: port === undefined,
          token: session.secret,
          uploadDir: join(dir, '.tmp', 'uploads'),
          maxUploadBytes: maxUploadMb * 1024 ** 2,
        });
        await writeServeState(dir, { port: server.port, secret: server.token });
        if (session.port !== undefined && port === undefined && server.port !== session.port)
          process.stderr.write(
            `Port ${session.port} (this workspace's last) is taken; serving on ${server.port}: tabs still open on the old port need the new link\n`,
          );
        if (options.json)
          process.stdout.write(`${JSON.stringify({ url: server.url, launchUrl: server.launchUrl, port: server.port })}\n`);
        else process.stdout.write(`Recount is serving ${dir}\nOpen ${server.launchUrl}\n(Ctrl-C to stop)\n`);
        const signal = interruptSignal();
        await new Promise<void>((done) => signal.addEventListener('abort', () => done(), { once: true }));
        await server.close();
        await socket?.close();
        await engine.close();
      }),
    );
}

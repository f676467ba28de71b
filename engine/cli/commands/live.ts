import { resolve } from 'node:path';
import type { Command } from 'commander';
import { openTailSession, simulateTarget, type TailSession } from './live-amqp.js';
import { LIVE_MODES, type LiveMode } from '../../speed/live-view.js';
import { simulate } from '../../generator/simulator.js';
import { reconcile, REASONS } from '../../serving/reconcile.js';
import { recount, recountStream } from '../../serving/recount.js';
import { streamLabel } from '../../serving/stream-replay.js';
import { isAmqpUrl } from '../../speed/stream-address.js';
import { UserError } from '../../kernel/util/errors.js';
import { recountResult } from '../../service/shapes.js';
import {
  ProgressBar,
  humanCount,
  interruptSignal,
  printJson,
  printNotice,
  runCommand,
  viaEngine,
  withWorkspace,
  workspaceOption,
} from '../common.js';
import type { EngineClient } from '../engine-client.js';
import { WorkspaceEngine } from '../../service/workspace-engine.js';
import { listenEngineSocket } from '../../server/engine-socket.js';

/**
 * An engine compares and recounts the log it follows, and no other: a command about another log cannot run while the
 * engine holds the workspace.
 */
export async function requireEngineLog(engine: EngineClient, log: string, command: string): Promise<void> {
  const followed = (await engine.call('live.state', {})).log;
  if (followed === resolve(log)) return;
  throw new UserError(
    `The app (a running Recount engine) holds this workspace and follows ${followed ?? 'no event log'}; ` +
      `recount ${command} of ${resolve(log)} needs the workspace to itself: close the app, or name the log it follows`,
    'held-by-engine',
  );
}

/** The stream an amqp:// source names with --stream (undefined for a log), checked as `tail` checks it. */
function streamSource(log: string, stream: string | undefined): { url: string; stream: string; label: string } | undefined {
  if (!isAmqpUrl(log)) {
    if (stream) throw new UserError('--stream goes with an amqp:// source, not a log file');
    return undefined;
  }
  if (!stream) throw new UserError('an amqp:// source needs --stream NAME (the stream queue to read)');
  return { url: log, stream, label: streamLabel({ url: log, stream }) };
}

/** As requireEngineLog, for a stream: the engine must follow that stream. */
async function requireEngineSource(
  engine: EngineClient,
  log: string,
  stream: { label: string } | undefined,
  command: string,
): Promise<void> {
  if (!stream) return requireEngineLog(engine, log, command);
  const followed = (await engine.call('live.state', {})).log;
  if (followed === stream.label) return;
  throw new UserError(
    `The app (a running Recount engine) holds this workspace and follows ${followed ?? 'no event log'}; ` +
      `recount ${command} of ${stream.label} needs the workspace to itself: close the app, or name the source it follows`,
    'held-by-engine',
  );
}

function offsetOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UserError('--from-offset must be a whole number, 0 or more');
  return n;
}

/** The offsets of a stream's rejected messages, the first ten of them (--ids lists them all). */
function rejectedOffsets(rejected: readonly { line: number }[]): string {
  if (rejected.length === 0) return '';
  const shown = rejected.slice(0, 10).map((r) => r.line);
  return ` (offset${rejected.length === 1 ? '' : 's'} ${shown.join(', ')}${rejected.length > 10 ? ', …' : ''})`;
}

function positive(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UserError(`--${name} must be a positive number`);
  return n;
}

/** A plain-text live table, redrawn in place on a terminal. */
function render(session: TailSession, modes: readonly LiveMode[]): string {
  const c = session.view.counters;
  const lines = [
    `Following ${session.log}   ${humanCount(c.lines)} lines · ${humanCount(c.events)} events · ${humanCount(c.newEvents)} distinct · ${humanCount(c.rejects)} rejected   (Ctrl-C to stop)`,
    '',
  ];
  for (const pipeline of session.view.pipelines) {
    const byMode = modes.map((m) => session.view.rows(pipeline, m));
    const rows = byMode[0] ?? [];
    if (rows.length === 0) continue;
    const columns = Object.keys(rows[0] as object);
    lines.push(`${pipeline} (${modes.join(' | ')})`);
    const partitions = [...new Set(rows.map((r) => String(r[columns[0] as string])))].slice(-3);
    for (const p of partitions) {
      const cells = columns.slice(1).map(
        (col) =>
          `${col} ${byMode
            .map((m) =>
              m
                .filter((r) => String(r[columns[0] as string]) === p)
                .map((r) => r[col])
                .join('/'),
            )
            .join(' | ')}`,
      );
      lines.push(`  ${p}  ${cells.join('   ')}`);
    }
    lines.push('');
  }
  for (const p of session.view.problems) lines.push(`not live: ${p.error}`);
  return lines.join('\n');
}

type TailOptions = { workspace: string; stream?: string; mode?: LiveMode; fromStart?: boolean; for?: string; json?: boolean };
type CompareCommandOptions = {
  log: string;
  stream?: string;
  fromOffset?: string;
  workspace: string;
  ids?: boolean;
  json?: boolean;
};
type SimulateOptions = { out?: string; to?: string; stream?: string; rate: string; for?: string; duplicates: string };

export function registerLive(program: Command): void {
  program
    .command('tail')
    .description('follow an event log (like tail -F) into the live view of every realtime pipeline')
    .argument('<log>', 'the NDJSON event log, or amqp://USER:PASS@HOST:PORT/VHOST with --stream')
    .addOption(workspaceOption())
    .option('--stream <name>', 'with an amqp:// source: the RabbitMQ stream queue to follow')
    .option('--mode <mode>', 'naive | exact (default: both, side by side)')
    .option('--from-start', 'replay the log from its start, forgetting any checkpoint')
    .option('--for <seconds>', 'stop after this many seconds')
    .option('--json', 'one JSON object per update, and a final one on exit')
    .action((log: string, options: TailOptions) =>
      runCommand(async () => {
        if (options.mode && !(LIVE_MODES as readonly string[]).includes(options.mode))
          throw new UserError('--mode must be naive or exact');
        const seconds = positive('for', options.for);
        const modes = options.mode ? [options.mode] : [...LIVE_MODES];
        const signal = interruptSignal();
        const controller = new AbortController();
        signal.addEventListener('abort', () => controller.abort());
        if (seconds) setTimeout(() => controller.abort(), seconds * 1000).unref();
        const terminal = Boolean(process.stdout.isTTY) && !options.json;
        await withWorkspace(options.workspace, async (workspace) => {
          const session = await openTailSession(workspace, {
            log,
            stream: options.stream,
            fromStart: Boolean(options.fromStart),
            modes,
          });
          for (const w of session.warnings) process.stderr.write(`recount: ${w}\n`);
          // A cron job's import and run beside a long tail: the CLI runs them in this process, over the socket.
          const engine = new WorkspaceEngine(workspace, 'recount tail');
          const socket = await listenEngineSocket(engine).catch((error: Error) => {
            process.stderr.write(`recount: the CLI cannot run its commands beside this tail: ${error.message}\n`);
            return undefined;
          });
          session.onWarning = (w) => {
            if (options.json) process.stdout.write(`${JSON.stringify({ type: 'warning', message: w })}\n`);
            process.stderr.write(`recount: ${w}\n`);
          };
          let dirty = true;
          const redraw = terminal
            ? setInterval(() => {
                if (dirty) process.stdout.write(`\x1b[H\x1b[2J${render(session, modes)}\n`);
                dirty = false;
              }, 500)
            : undefined;
          try {
            await session.follow(controller.signal, (tick) => {
              dirty = true;
              if (!options.json) return;
              for (const update of tick.updates) process.stdout.write(`${JSON.stringify({ type: 'update', ...update })}\n`);
              for (const reject of tick.sessionRejects)
                process.stdout.write(`${JSON.stringify({ type: 'reject', ...reject })}\n`);
            });
          } finally {
            if (redraw) clearInterval(redraw);
            await socket?.close();
            engine.close();
            await session.close();
          }
          const c = session.view.counters;
          if (options.json) {
            const live = Object.fromEntries(
              session.view.pipelines.map((p) => [p, Object.fromEntries(modes.map((m) => [m, session.view.rows(p, m)]))]),
            );
            process.stdout.write(
              `${JSON.stringify({ type: 'final', log: session.log, lines: c.lines, events: c.events, new_events: c.newEvents, rejects: c.rejects, problems: session.view.problems, live })}\n`,
            );
          } else if (terminal) process.stdout.write(`\x1b[H\x1b[2J${render(session, modes)}\n`);
          else process.stdout.write(`${render(session, modes)}\n`);
        });
      }),
    );

  program
    .command('compare')
    .description(
      'replay a log into a fresh live view and reconcile it with batch: values side by side, and the difference by reason',
    )
    .argument('<pipeline>', 'a realtime pipeline')
    .requiredOption('--log <log>', 'the event log, or amqp://USER:PASS@HOST:PORT/VHOST with --stream')
    .option('--stream <name>', 'with an amqp:// source: the RabbitMQ stream to replay')
    .option('--from-offset <n>', 'with --stream: replay from this offset (default: the first the stream retains)')
    .addOption(workspaceOption())
    .option('--ids', 'list the event ids (and rejected line numbers, or offsets) of each reason, per partition')
    .option('--json', 'print one JSON document')
    .action((pipeline: string, options: CompareCommandOptions) =>
      runCommand(async () => {
        const stream = streamSource(options.log, options.stream);
        const fromOffset = offsetOption(options.fromOffset);
        if (fromOffset !== undefined && !stream) throw new UserError('--from-offset goes with an amqp:// source and --stream');
        const bar = ProgressBar.forTerminal('compare', Boolean(options.json));
        const signal = interruptSignal();
        const ids = Boolean(options.ids);
        const result = await viaEngine(
          options.workspace,
          async (engine) => {
            await requireEngineSource(engine, options.log, stream, 'compare');
            if (fromOffset !== undefined)
              throw new UserError('compare --from-offset needs the workspace to itself: close the app', 'held-by-engine');
            return engine.call('reconcile.compare', { pipeline, ids }, { signal, onProgress: bar.update });
          },
          (w) =>
            stream
              ? reconcile(w, pipeline, stream.label, {
                  ids,
                  signal,
                  onProgress: bar.update,
                  stream: { url: stream.url, stream: stream.stream, ...(fromOffset !== undefined ? { fromOffset } : {}) },
                })
              : reconcile(w, pipeline, options.log, { ids, signal, onProgress: bar.update }),
        );
        bar.stop();
        if (options.json) {
          printJson('reconcile.compare', result);
          return;
        }
        process.stdout.write(
          `${pipeline}: batch watermark ${result.watermark ?? 'none'}, ${result.rejectedLines.length} rejected ${stream ? `messages in the stream${rejectedOffsets(result.rejectedLines)}` : 'lines in the log'}\n`,
        );
        for (const r of result.rows) {
          const reasons = REASONS.filter((k) => r.reasons[k] !== 0 && r.reasons[k] !== null).map((k) => `${k} ${r.reasons[k]}`);
          const key = r.key ? ` ${Object.values(r.key).join('/')}` : '';
          process.stdout.write(
            `${r.partition}${key} ${r.metric.padEnd(14)} batch ${String(r.batch).padStart(8)}  naive ${String(r.realtime_naive).padStart(8)}  exact ${String(r.realtime_exact).padStart(8)}  served ${String(r.served).padStart(8)}` +
              `  ${reasons.join(', ') || 'no difference'}${r.additive ? '' : `  (not additive, residual ${r.residual})`}\n`,
          );
        }
      }),
    );

  program
    .command('recount')
    .description(
      'import what the log (or stream) holds beyond its last import, then run the stale partitions; a stream is imported through the offset its tail applied, or all it retains when no tail ran',
    )
    .argument('<log>', 'the event log, or amqp://USER:PASS@HOST:PORT/VHOST with --stream')
    .option('--stream <name>', 'with an amqp:// source: the RabbitMQ stream to import')
    .addOption(workspaceOption())
    .option('--json', 'print one JSON document')
    .action((log: string, options: { workspace: string; stream?: string; json?: boolean }) =>
      runCommand(async () => {
        const stream = streamSource(log, options.stream);
        const bar = ProgressBar.forTerminal('recount', Boolean(options.json));
        const signal = interruptSignal();
        const result = await viaEngine(
          options.workspace,
          async (engine) => {
            await requireEngineSource(engine, log, stream, 'recount');
            return engine.call('reconcile.recount', {}, { signal, onProgress: bar.update, onNotice: printNotice });
          },
          async (w) =>
            recountResult(
              stream
                ? await recountStream(w, { url: stream.url, stream: stream.stream }, { signal, onProgress: bar.update })
                : await recount(w, log, { signal, onProgress: bar.update }),
            ),
        );
        bar.stop();
        if (options.json) printJson('reconcile.recount', result);
        else {
          const i = result.import;
          // A stream's line n is its offset n − 1.
          const range = stream
            ? `offsets ${i.range?.linesFrom ?? 0}–${(i.range?.linesTo ?? 1) - 1}`
            : `lines ${(i.range?.linesFrom ?? 0) + 1}–${i.range?.linesTo}`;
          process.stdout.write(
            i.status === 'imported'
              ? `imported ${humanCount(i.rows)} new rows from ${i.path} (${range}), ${i.rejected} rejected\n`
              : `import ${i.status}: ${i.message ?? i.error ?? ''}\n`,
          );
          process.stdout.write(
            result.run.status === 'nothing-to-do'
              ? 'every partition is fresh\n'
              : `run ${result.run.runId}: ${result.run.status}, ${result.run.partitions.length} partitions\n`,
          );
        }
        return result.import.status === 'failed' || result.run.status === 'failed' || result.run.status === 'partial' ? 1 : 0;
      }),
    );

  program
    .command('simulate')
    .description('append realistic shop events to a log (or a RabbitMQ stream) in real time: demo traffic for the live view')
    .option('--out <log>', 'the log to append to')
    .option('--to <url>', 'publish to a RabbitMQ broker instead: amqp://USER:PASS@HOST:PORT/VHOST, with --stream')
    .option('--stream <name>', 'with --to: the stream queue to publish to (declared if missing)')
    .option('--rate <events_per_s>', 'events per second', '20')
    .option('--for <seconds>', 'stop after this many seconds (default: until Ctrl-C)')
    .option('--duplicates <fraction>', 'fraction of events delivered twice', '0.02')
    .option('--late <fraction>', 'fraction of events delivered one to three days late', '0.01')
    .option('--seed <n>', 'random seed')
    .option('--json', 'print a JSON summary at the end')
    .action((options: SimulateOptions & { late: string; seed?: string; json?: boolean }) =>
      runCommand(async () => {
        const rate = positive('rate', options.rate) as number;
        const seconds = positive('for', options.for);
        const target = await simulateTarget(options);
        const totals = await simulate({
          ...(target.out !== undefined ? { out: target.out } : {}),
          ...(target.sink ? { sink: target.sink } : {}),
          rate,
          ...(seconds ? { seconds } : {}),
          duplicates: Number(options.duplicates),
          late: Number(options.late),
          ...(options.seed ? { seed: Number(options.seed) } : {}),
          signal: interruptSignal(),
        })
          .catch((error: Error) => {
            if (error.name === 'CancelledError') return undefined;
            throw error;
          })
          .finally(() => target.close());
        if (options.json) process.stdout.write(`${JSON.stringify(totals ?? null)}\n`);
        else if (totals)
          process.stdout.write(
            `Wrote ${humanCount(totals.lines)} lines to ${target.label} (${totals.duplicates} duplicates, ${totals.late} late)\n`,
          );
      }),
    );
}

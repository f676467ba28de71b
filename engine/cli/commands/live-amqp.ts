import type { Workspace } from '../../kernel/workspace/workspace.js';
import { UserError } from '../../kernel/util/errors.js';
import { LiveSession } from '../../speed/session.js';
import { StreamSession } from '../../speed/stream-session.js';
import { isAmqpUrl } from '../../speed/stream-address.js';
import { StreamPublisher } from '../../speed/amqp-publish.js';
import type { LiveMode, LiveUpdate, LiveView } from '../../speed/live-view.js';

/** What `recount tail` follows: a log (LiveSession) or a RabbitMQ stream (StreamSession); both give the same output. */
export interface TailSession {
  readonly log: string;
  readonly view: LiveView;
  readonly warnings: string[];
  onWarning: ((warning: string) => void) | undefined;
  follow(signal: AbortSignal, onTick: (tick: { updates: LiveUpdate[]; sessionRejects: object[] }) => void): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens what `tail` was given: an amqp:// URL with `--stream` follows that RabbitMQ stream, anything else is a log
 * file. Without --from-start, a stream is followed from what is published next (as a log from its end), unless a
 * checkpoint says where it stopped.
 */
export async function openTailSession(
  workspace: Workspace,
  options: { log: string; stream?: string | undefined; fromStart: boolean; modes: LiveMode[] },
): Promise<TailSession> {
  const start = options.fromStart ? 'beginning' : 'end';
  if (isAmqpUrl(options.log)) {
    if (!options.stream) throw new UserError('following an amqp:// source needs --stream NAME (the stream queue to read)');
    return StreamSession.open(workspace, {
      url: options.log,
      stream: options.stream,
      start,
      restart: options.fromStart,
      modes: options.modes,
    });
  }
  if (options.stream) throw new UserError('--stream goes with an amqp:// source, not a log file');
  return LiveSession.open(workspace, { log: options.log, start, restart: options.fromStart, modes: options.modes });
}

/**
 * Where `simulate` writes: `--out LOG` appends to a log, `--to amqp://… --stream NAME` publishes each event as one
 * message to that stream (declared if missing), each write confirmed by the broker.
 */
export async function simulateTarget(options: { out?: string; to?: string; stream?: string }): Promise<{
  out?: string;
  sink?: (lines: string[]) => Promise<void>;
  label: string;
  close(): Promise<void>;
}> {
  if (options.to !== undefined) {
    if (options.out !== undefined) throw new UserError('give --out LOG or --to amqp://… --stream NAME, not both');
    if (!isAmqpUrl(options.to)) throw new UserError('--to takes an amqp:// URL (amqp://USER:PASS@HOST:PORT/VHOST)');
    if (!options.stream) throw new UserError('--to amqp://… needs --stream NAME');
    const publisher = await StreamPublisher.open(options.to, options.stream).catch((error: Error) => {
      throw new UserError(`could not publish to ${options.stream}: ${error.message}`);
    });
    return { sink: (lines) => publisher.write(lines), label: publisher.address.label, close: () => publisher.close() };
  }
  if (options.out === undefined) throw new UserError('simulate needs --out LOG, or --to amqp://… --stream NAME');
  if (options.stream) throw new UserError('--stream goes with --to amqp://…');
  return { out: options.out, label: options.out, close: async () => {} };
}

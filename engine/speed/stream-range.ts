import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { CancelledError, UserError, errorMessage } from '../kernel/util/errors.js';
import { streamAddress, type StreamAddress } from './stream-address.js';
import type { StreamMessage } from './stream-batch.js';

/**
 * Reads a bounded range of a RabbitMQ stream, once, in offset order: what `recount recount` copies into the lake and
 * what `compare` replays. Unlike the live source it does not follow: it reads through an offset known to be in the
 * stream (the tail's checkpoint, or the stream's last offset when it began) and stops there.
 */
export interface StreamRange {
  /** Offsets after this one are read (undefined: from the first the stream retains). */
  after?: number;
  /** The last offset to read; 'end' is the stream's last offset when the read begins. */
  through: number | 'end';
}

export interface RangeRead {
  /** The last offset read (undefined when the range held nothing). */
  last: number | undefined;
  messages: number;
  /** The offset the read began at, as the stream delivered it. */
  first: number | undefined;
}

/** Stops a read that receives nothing for this long before its last offset: the stream no longer holds what it was to. */
const STALL_MS = 15_000;

function streamError(address: StreamAddress, error: unknown): UserError {
  const message = errorMessage(error);
  if (/NOT_FOUND - no queue/.test(message))
    return new UserError(`there is no stream ${address.stream} at ${address.label}`, 'stream-missing');
  if (/ACCESS.REFUSED|403/.test(message))
    return new UserError(`${address.label} refused the connection: ${message}`, 'stream-refused');
  return new UserError(`${address.label}: ${message}`, 'stream-unreachable');
}

/** The offset of the stream's last message, or undefined for an empty stream: the last of the chunk given at 'last'. */
export async function lastStreamOffset(connection: ChannelModel, stream: string): Promise<number | undefined> {
  const channel = await connection.createChannel();
  channel.on('error', () => {});
  try {
    await channel.prefetch(10_000);
    return await new Promise<number | undefined>((resolve, reject) => {
      let last: number | undefined;
      // An empty stream delivers nothing: a moment without a delivery says so.
      let settle = setTimeout(() => resolve(last), 1500);
      channel
        .consume(
          stream,
          (m) => {
            if (!m) return;
            last = Math.max(last ?? -1, m.properties.headers?.['x-stream-offset'] as number);
            channel.ack(m);
            // A chunk comes whole: its last message follows its first within moments.
            clearTimeout(settle);
            settle = setTimeout(() => resolve(last), 200);
          },
          { noAck: false, arguments: { 'x-stream-offset': 'last' } },
        )
        .catch(reject);
    });
  } finally {
    await channel.close().catch(() => {});
  }
}

/**
 * Reads the range, handing messages over in batches of at most `batchSize`; each batch is handled (awaited) before
 * more are taken. Resolves with the last offset read.
 */
export async function readStreamRange(
  url: string,
  stream: string,
  range: StreamRange,
  onMessages: (messages: StreamMessage[]) => Promise<void>,
  options: { signal?: AbortSignal; batchSize?: number } = {},
): Promise<RangeRead> {
  const address = streamAddress(url, stream);
  let connection: ChannelModel;
  try {
    connection = await amqp.connect(address.connectUrl(10), {
      timeout: 10_000,
      clientProperties: { connection_name: `recount read ${stream}` },
    });
  } catch (error) {
    throw streamError(address, error);
  }
  connection.on('error', () => {});
  try {
    let channel: Channel;
    try {
      const check = await connection.createChannel();
      check.on('error', () => {});
      await check.checkQueue(stream);
      await check.close();
      channel = await connection.createChannel();
      channel.on('error', () => {});
    } catch (error) {
      throw streamError(address, error);
    }
    const through = range.through === 'end' ? await lastStreamOffset(connection, stream) : range.through;
    const read: RangeRead = { last: undefined, messages: 0, first: undefined };
    if (through === undefined || (range.after !== undefined && through <= range.after)) return read;
    const batchSize = options.batchSize ?? 5000;
    await channel.prefetch(batchSize * 2);
    return await new Promise<RangeRead>((resolve, reject) => {
      let pending: StreamMessage[] = [];
      let chain = Promise.resolve();
      let done = false;
      let stall: NodeJS.Timeout;
      const finish = (error?: Error) => {
        if (done) return;
        done = true;
        clearTimeout(stall);
        options.signal?.removeEventListener('abort', aborted);
        chain.then(
          () => (error ? reject(error) : resolve(read)),
          (e: unknown) => reject(e instanceof Error ? e : new Error(String(e))),
        );
      };
      const aborted = () => finish(new CancelledError());
      options.signal?.addEventListener('abort', aborted, { once: true });
      const armStall = () => {
        clearTimeout(stall);
        stall = setTimeout(
          () =>
            finish(
              new UserError(
                `${address.label}: nothing came after offset ${read.last ?? range.after ?? 'the start'} for ${STALL_MS / 1000} s, ` +
                  `though the range runs through offset ${through}: was the stream deleted and declared again?`,
                'stream-stalled',
              ),
            ),
          STALL_MS,
        );
      };
      const flush = () => {
        if (pending.length === 0) return;
        const batch = pending;
        pending = [];
        chain = chain.then(() => onMessages(batch));
      };
      armStall();
      channel
        .consume(
          stream,
          (m) => {
            if (!m || done) {
              if (!m) finish(new UserError(`${address.label}: the broker cancelled the read`, 'stream-cancelled'));
              return;
            }
            const offset = m.properties.headers?.['x-stream-offset'];
            channel.ack(m);
            if (typeof offset !== 'number') {
              finish(new UserError(`${address.label}: a message without an x-stream-offset header: is it a stream queue?`));
              return;
            }
            // An attachment at an offset starts at the chunk that holds it: earlier offsets were read already.
            if (range.after !== undefined && offset <= range.after) return;
            if (offset > through) {
              // The last offset of the range is no longer in the stream (its retention removed it): what is there is read.
              flush();
              finish();
              return;
            }
            armStall();
            read.first ??= offset;
            read.last = offset;
            read.messages++;
            pending.push({ offset, content: m.content });
            if (offset >= through) {
              flush();
              finish();
            } else if (pending.length >= batchSize) flush();
          },
          { noAck: false, arguments: { 'x-stream-offset': range.after === undefined ? 'first' : range.after + 1 } },
        )
        .catch((error: unknown) => finish(streamError(address, error)));
    });
  } finally {
    await Promise.race([connection.close().catch(() => {}), new Promise((r) => setTimeout(r, 2000).unref())]);
  }
}

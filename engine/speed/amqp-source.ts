import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { errorMessage } from '../kernel/util/errors.js';
import { MessageFramer, type StreamBatch, type StreamMessage } from './stream-batch.js';
import { streamAddress, type StreamAddress } from './stream-address.js';

/**
 * Follows one RabbitMQ stream queue over AMQP 0-9-1 (amqplib), as the tailer follows a log: batches of messages, each
 * message one event, its offset in place of a line number. A stream is a log that the broker keeps and numbers, so the
 * offset of the last message applied is all a restart needs: the source attaches at that offset again and skips it, so
 * each later message is delivered once, whatever was cut in between (the connection, the broker, this process).
 *
 * - Acks move the consumer's prefetch window and delete nothing (a stream is read, never consumed). Messages are acked
 *   as they come while few wait to be taken, else when taken: a view that is slower than the stream holds a bounded
 *   number of messages (twice `prefetch`), and the broker waits.
 * - A lost connection, a broker stopped or restarted, a consumer the broker cancelled: the status says `reconnecting`,
 *   and the source tries again with a growing delay, then attaches after the last offset it handed out.
 * - The stream deleted, a queue that is no stream, refused credentials: the status says `failed` with why, and `next`
 *   throws a StreamSourceError.
 * - Offsets no longer retained: attaching after offset p, the broker starts at the first offset it still holds. When
 *   that is beyond p + 1, the offsets between were removed by the stream's retention before they were read: a gap,
 *   reported with how many offsets it spans, never skipped in silence. The broker spends one offset at the start of
 *   each segment on its own bookkeeping, so a gap of n offsets lost at most n messages, and a hole of a single offset
 *   between two messages read in a row is that bookkeeping, not a loss.
 */

export type StreamState = 'connecting' | 'following' | 'reconnecting' | 'failed' | 'closed';

export interface StreamStatus {
  state: StreamState;
  /** The stream's address, without its password. */
  source: string;
  stream: string;
  /** The last offset handed out in a batch (or resumed after); null before any. */
  offset: number | null;
  /** Failed attempts to connect since the last success. */
  attempt: number;
  /** When reconnecting: the delay before the next attempt. */
  retryInMs?: number;
  lastError?: string;
  /** Offsets found no longer in the stream when they were due, in total. */
  lostOffsets: number;
}

/** Offsets `from`–`to` were no longer in the stream when the source came to them. */
export interface StreamGap {
  from: number;
  to: number;
  offsets: number;
}

export type StreamFailure = 'deleted' | 'missing' | 'not-a-stream' | 'refused' | 'recreated' | 'invalid';

export class StreamSourceError extends Error {
  constructor(
    message: string,
    readonly kind: StreamFailure,
  ) {
    super(message);
    this.name = 'StreamSourceError';
  }
}

export interface AmqpSourceOptions {
  /** amqp://USER:PASS@HOST:PORT/VHOST */
  url: string;
  stream: string;
  /** Where to begin without `after`: the stream's first retained message, or what is published from now on. */
  start: 'first' | 'next';
  /** The last offset already applied: the source delivers what follows it. */
  after?: number;
  maxLineBytes: number;
  /** Messages the broker may send ahead of the batches taken (default 20,000). */
  prefetch?: number;
  /** A batch holds at most this many bytes of messages (default 16 MiB; at least one message). */
  maxBatchBytes?: number;
  /** Delay before the first reconnect attempt, doubling to `maxRetryMs` (defaults 200 ms and 5 s). */
  retryMs?: number;
  maxRetryMs?: number;
  /** Seconds between AMQP heartbeats, which find a connection that died without closing (default 10). */
  heartbeatSeconds?: number;
  /** After this long without a delivery, the source checks that the stream holds nothing newer (default 5 s). */
  stallCheckMs?: number;
  onStatus?: (status: StreamStatus) => void;
  onWarning?: (message: string) => void;
}

/** The batch with any gap found just before its first message. */
export interface SourceBatch extends StreamBatch {
  gap?: StreamGap;
}

interface Attachment {
  connection: ChannelModel;
  channel: Channel;
  /** Resolves with why the attachment ended (closed connection or channel, consumer cancelled by the broker). */
  lost: Promise<string>;
}

export class AmqpStreamSource {
  readonly address: StreamAddress;
  private readonly framer: MessageFramer;
  private readonly prefetch: number;
  private readonly ackEvery: number;
  private readonly stallCheckMs: number;
  /** Deliveries so far (the watch sees whether any came). */
  private deliveredCount = 0;
  private readonly maxBatchBytes: number;
  private state: StreamState = 'connecting';
  private attempt = 0;
  private retryInMs: number | undefined;
  private lastError: string | undefined;
  private lostOffsets = 0;
  /** The last offset taken into a batch: a new attachment starts there (and skips it). */
  private position: number | undefined;
  /** Without a position: where the first attachment began ('next' becomes the moment it attached, for later ones). */
  private startSpec: 'first' | 'next' | Date;
  /** Set at attaching after `position`: the first delivery is checked against it. */
  private expectFirst: number | undefined;
  /** The last offset delivered in this attachment. */
  private received: number | undefined;
  private pending: StreamMessage[] = [];
  private pendingGap: StreamGap | undefined;
  private attachment: Attachment | undefined;
  /** Counts attachments, so that a late delivery of an ended one is ignored. */
  private epoch = 0;
  private everAttached = false;
  private failure: StreamSourceError | undefined;
  private closed = false;
  private wake: (() => void) | undefined;
  private interruptWait: (() => void) | undefined;
  private readonly running: Promise<void>;

  constructor(private readonly options: AmqpSourceOptions) {
    this.address = streamAddress(options.url, options.stream);
    this.framer = new MessageFramer(options.maxLineBytes);
    this.prefetch = options.prefetch ?? 20_000;
    this.ackEvery = Math.max(1, Math.floor(this.prefetch / 20));
    this.stallCheckMs = options.stallCheckMs ?? 5000;
    this.maxBatchBytes = options.maxBatchBytes ?? 16 << 20;
    this.position = options.after;
    this.startSpec = options.start;
    this.running = this.run();
  }

  get status(): StreamStatus {
    return {
      state: this.state,
      source: this.address.label,
      stream: this.address.stream,
      offset: this.position ?? null,
      attempt: this.attempt,
      ...(this.retryInMs !== undefined ? { retryInMs: this.retryInMs } : {}),
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
      lostOffsets: this.lostOffsets,
    };
  }

  /** The messages delivered and not yet taken, as one batch (at most maxBatchBytes); undefined when there are none. */
  take(): SourceBatch | undefined {
    if (this.failure) throw this.failure;
    if (this.pending.length === 0) return undefined;
    let n = 0;
    let bytes = 0;
    while (
      n < this.pending.length &&
      (n === 0 || bytes + (this.pending[n] as StreamMessage).content.length <= this.maxBatchBytes)
    )
      bytes += (this.pending[n++] as StreamMessage).content.length;
    const messages = this.pending.splice(0, n);
    const batch: SourceBatch = this.framer.frame(messages);
    if (this.pendingGap) {
      batch.gap = this.pendingGap;
      this.pendingGap = undefined;
    }
    this.position = batch.last;
    // Taken, the deliveries free their place in the window whatever is pending.
    this.ackDelivered();
    this.report();
    return batch;
  }

  /** Waits for the next batch; undefined once the source is closed or the signal aborts. */
  async next(signal?: AbortSignal): Promise<SourceBatch | undefined> {
    for (;;) {
      const batch = this.take();
      if (batch) return batch;
      if (this.closed || signal?.aborted) return undefined;
      await new Promise<void>((resolve) => {
        const done = () => {
          signal?.removeEventListener('abort', done);
          this.wake = undefined;
          resolve();
        };
        this.wake = done;
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  /** Ends the source: its attachment is closed, and `next` returns undefined. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.setState('closed');
    this.interruptWait?.();
    this.wake?.();
    await this.detach();
    await this.running;
  }

  /** The last delivery not yet acked, and how many are unacked up to it (delivery tags are per channel). */
  private unacked: { channel: Channel; message: ConsumeMessage; count: number } | undefined;

  /** Acks every delivery so far at once (AMQP's `multiple`). */
  private ackDelivered(): void {
    const last = this.unacked;
    this.unacked = undefined;
    if (!last) return;
    try {
      last.channel.ack(last.message, true);
    } catch {
      // The channel is gone: its window went with it, and a new attachment starts after `position`.
    }
  }

  /**
   * Acks as messages come while no more than `prefetch` wait to be taken: the broker refills a window it is given back
   * bit by bit without pausing, where a whole window acked at once waits on the broker's next read. Past that, acks
   * wait for `take`, and the window closes: at most twice `prefetch` messages are held while the view is busy.
   */
  private delivered(channel: Channel, message: ConsumeMessage): void {
    const count = (this.unacked?.count ?? 0) + 1;
    this.unacked = { channel, message, count };
    if (count >= this.ackEvery && this.pending.length <= this.prefetch) this.ackDelivered();
  }

  private report(): void {
    this.options.onStatus?.(this.status);
  }

  private setState(state: StreamState): void {
    if (this.state === state) return;
    this.state = state;
    this.report();
  }

  private fail(error: StreamSourceError): void {
    this.failure = error;
    this.lastError = error.message;
    this.setState('failed');
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (!this.closed && !this.failure) {
      let why: string;
      try {
        const attachment = await this.attach();
        if (this.attempt > 0) {
          const after = this.position === undefined ? '' : `, following after offset ${this.position}`;
          this.options.onWarning?.(`reconnected to ${this.address.label} (attempt ${this.attempt})${after}`);
        }
        this.attempt = 0;
        this.retryInMs = undefined;
        this.setState('following');
        why = await attachment.lost;
      } catch (error) {
        const fatal = fatalError(error, this.address, this.everAttached);
        if (fatal) {
          this.fail(fatal);
          break;
        }
        why = errorMessage(error);
      }
      await this.detach();
      if (this.closed || this.failure) break;
      this.attempt++;
      this.lastError = why;
      const base = Math.min(this.options.maxRetryMs ?? 5000, (this.options.retryMs ?? 200) * 2 ** Math.min(this.attempt - 1, 20));
      this.retryInMs = Math.round(base * (0.8 + 0.4 * Math.random()));
      this.state = 'reconnecting';
      this.report();
      this.options.onWarning?.(
        `lost ${this.address.label} (${why}); reconnecting in ${(this.retryInMs / 1000).toFixed(1)} s (attempt ${this.attempt})`,
      );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.retryInMs);
        this.interruptWait = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.interruptWait = undefined;
    }
  }

  private async attach(): Promise<Attachment> {
    const epoch = ++this.epoch;
    // What was delivered and not taken is delivered again after `position`.
    this.pending = [];
    this.unacked = undefined;
    this.received = undefined;
    const connection = await amqp.connect(this.address.connectUrl(this.options.heartbeatSeconds ?? 10), {
      timeout: 10_000,
      clientProperties: { connection_name: `recount tail ${this.address.stream}` },
    });
    let lose: (why: string) => void = () => {};
    const lost = new Promise<string>((resolve) => (lose = resolve));
    connection.on('error', (error: Error) => lose(errorMessage(error)));
    connection.on('close', (error?: Error) => lose(error ? errorMessage(error) : 'connection closed'));
    this.attachment = { connection, channel: undefined as unknown as Channel, lost };
    if (this.closed) throw new Error('closed');
    const channel = await connection.createChannel();
    this.attachment.channel = channel;
    channel.on('error', (error: Error) => lose(errorMessage(error)));
    channel.on('close', () => lose('channel closed'));
    await channel.checkQueue(this.address.stream);
    await channel.prefetch(this.prefetch);
    let spec: number | 'first' | 'next' | Date;
    if (this.position !== undefined) {
      spec = this.position;
      this.expectFirst = this.position;
    } else {
      spec = this.startSpec;
      this.expectFirst = undefined;
      // A later attachment, before any message came, starts where this one did: nothing published meanwhile is missed.
      if (this.startSpec === 'next') this.startSpec = new Date();
    }
    await channel.consume(this.address.stream, (message) => this.deliver(epoch, channel, message, lose), {
      noAck: false,
      arguments: { 'x-stream-offset': spec },
    });
    this.everAttached = true;
    this.watch(epoch, connection, lost, lose);
    return this.attachment;
  }

  /**
   * Checks, whenever nothing was delivered for a while, that the stream holds nothing more: a consumer attached while
   * the broker was still starting its stream can wait for ever, and a stream deleted and declared again holds fewer
   * offsets than were applied. The stream's last offset is the last of the chunk a consumer at 'last' is given first.
   */
  private watch(epoch: number, connection: ChannelModel, lost: Promise<string>, lose: (why: string) => void): void {
    let delivered = this.deliveredCount;
    const timer = setInterval(() => {
      // Messages waiting to be taken close the window on purpose: the broker is waiting for the view then.
      if (epoch !== this.epoch || this.deliveredCount !== delivered || this.pending.length > 0) {
        delivered = this.deliveredCount;
        return;
      }
      void lastOffset(connection, this.address.stream).then((last) => {
        if (epoch !== this.epoch || this.deliveredCount !== delivered) return;
        const had = this.received ?? this.position;
        if (last !== undefined && this.position !== undefined && last < this.position) {
          this.fail(
            new StreamSourceError(
              `${this.address.label}: the stream's last offset is ${last}, before offset ${this.position} already applied: it was deleted and declared again. Start over with --from-start`,
              'recreated',
            ),
          );
          lose('failed');
        } else if (last !== undefined && (had === undefined ? this.startSpec === 'first' : last > had)) {
          lose(`the stream holds offset ${last}, and nothing after ${had ?? 'its start'} came: attaching again`);
        }
      });
    }, this.stallCheckMs);
    timer.unref();
    void lost.finally(() => clearInterval(timer));
  }

  private deliver(epoch: number, channel: Channel, message: ConsumeMessage | null, lose: (why: string) => void): void {
    if (epoch !== this.epoch || this.closed) return;
    this.deliveredCount++;
    if (message === null) return lose('the broker cancelled the consumer');
    const offset: unknown = message.properties.headers?.['x-stream-offset'];
    if (typeof offset !== 'number') {
      this.fail(
        new StreamSourceError(
          `${this.address.label}: a message without an x-stream-offset header: is it a stream queue?`,
          'not-a-stream',
        ),
      );
      return lose('failed');
    }
    if (this.expectFirst !== undefined) {
      const after = this.expectFirst;
      this.expectFirst = undefined;
      if (offset < after) {
        this.fail(
          new StreamSourceError(
            `${this.address.label}: the stream's offsets start again at ${offset}, before offset ${after} already applied: it was deleted and declared again. Start over with --from-start`,
            'recreated',
          ),
        );
        return lose('failed');
      }
      if (offset > after + 1) this.gap(after + 1, offset - 1);
    } else if (this.received !== undefined && offset > this.received + 2) {
      this.gap(this.received + 1, offset - 1);
    }
    this.received = offset;
    if (this.position !== undefined && offset <= this.position) {
      // Applied already (the attachment starts at the last offset taken).
      this.delivered(channel, message);
      return;
    }
    this.pending.push({ offset, content: message.content });
    this.delivered(channel, message);
    this.wake?.();
  }

  private gap(from: number, to: number): void {
    const offsets = to - from + 1;
    this.lostOffsets += offsets;
    this.pendingGap = this.pendingGap
      ? { from: this.pendingGap.from, to, offsets: this.pendingGap.offsets + offsets }
      : { from, to, offsets };
    this.options.onWarning?.(
      `${this.address.label}: offsets ${from}–${to} (${offsets} offset${offsets === 1 ? '' : 's'}) are no longer in the stream, removed by its retention before they were read: up to ${offsets} message${offsets === 1 ? '' : 's'} lost to the live view`,
    );
  }

  private async detach(): Promise<void> {
    const attachment = this.attachment;
    this.attachment = undefined;
    this.epoch++;
    if (!attachment) return;
    // A connection that died may never answer a close: it is given a moment, then left to its socket's end.
    await Promise.race([
      attachment.connection.close().catch(() => {}),
      new Promise((resolve) => setTimeout(resolve, 2000).unref()),
    ]);
  }
}

/** The offset of the stream's last message, or undefined when a consumer at 'last' is given none soon. */
async function lastOffset(connection: ChannelModel, stream: string): Promise<number | undefined> {
  let channel: Channel | undefined;
  try {
    channel = await connection.createChannel();
    channel.on('error', () => {});
    await channel.prefetch(1000);
    const probe = channel;
    return await new Promise<number | undefined>((resolve) => {
      let last: number | undefined;
      let settle: NodeJS.Timeout = setTimeout(() => resolve(last), 2000);
      void probe
        .consume(
          stream,
          (m) => {
            if (!m) return;
            last = Math.max(last ?? -1, m.properties.headers?.['x-stream-offset'] as number);
            probe.ack(m);
            // A chunk comes whole: its last message follows its first within moments.
            clearTimeout(settle);
            settle = setTimeout(() => resolve(last), 100);
          },
          { noAck: false, arguments: { 'x-stream-offset': 'last' } },
        )
        .catch(() => resolve(undefined));
    });
  } catch {
    return undefined;
  } finally {
    await channel?.close().catch(() => {});
  }
}

/** Errors no retry can mend, as the user should read them; undefined for the rest (a retry may succeed). */
function fatalError(error: unknown, address: StreamAddress, attachedBefore: boolean): StreamSourceError | undefined {
  if (error instanceof StreamSourceError) return error;
  const message = errorMessage(error);
  const code = (error as { code?: unknown }).code;
  // Just after a broker starts, its streams may not be up yet: that passes.
  if (/is down or inaccessible/.test(message)) return undefined;
  if (code === 404 || /NOT_FOUND - no queue/.test(message)) {
    return attachedBefore
      ? new StreamSourceError(`the stream ${address.stream} was deleted from ${address.label}`, 'deleted')
      : new StreamSourceError(`there is no stream ${address.stream} at ${address.label}`, 'missing');
  }
  if (code === 406 && /x-stream-offset|queue type/.test(message)) {
    return new StreamSourceError(
      `${address.stream} at ${address.label} is not a stream queue (x-queue-type: stream)`,
      'not-a-stream',
    );
  }
  if (code === 403 || /ACCESS.REFUSED/.test(message)) {
    return new StreamSourceError(`${address.label} refused the connection: ${message}`, 'refused');
  }
  if (code === 530 || /NOT.ALLOWED/.test(message)) {
    return new StreamSourceError(`${address.label}: ${message}`, 'refused');
  }
  if (/Expected amqp: or amqps:|Invalid URL/.test(message)) return new StreamSourceError(message, 'invalid');
  return undefined;
}

import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { streamAddress, type StreamAddress } from './stream-address.js';

/**
 * Publishes events to a RabbitMQ stream, one JSON event per message (what `recount simulate --to amqp://…` sends). The
 * stream is declared if it is not there (a stream queue, durable); one that is there is used as it is, whatever its
 * retention. Each `write` returns once the broker confirmed every message of it: written means stored.
 */
export class StreamPublisher {
  private constructor(
    readonly address: StreamAddress,
    private readonly connection: ChannelModel,
    private readonly channel: ConfirmChannel,
  ) {}

  static async open(url: string, stream: string): Promise<StreamPublisher> {
    const address = streamAddress(url, stream);
    const connection = await amqp.connect(address.connectUrl(10), {
      timeout: 10_000,
      clientProperties: { connection_name: `recount simulate ${stream}` },
    });
    // Errors surface from the calls that fail; without a listener, an 'error' event would end the process.
    connection.on('error', () => {});
    try {
      await ensureStream(connection, stream);
      const channel = await connection.createConfirmChannel();
      channel.on('error', () => {});
      return new StreamPublisher(address, connection, channel);
    } catch (error) {
      await connection.close().catch(() => {});
      throw error;
    }
  }

  async write(lines: readonly string[]): Promise<void> {
    for (const line of lines) {
      if (!this.channel.sendToQueue(this.address.stream, Buffer.from(line), { contentType: 'application/json' })) {
        await new Promise((resolve) => this.channel.once('drain', resolve));
      }
    }
    await this.channel.waitForConfirms();
  }

  async close(): Promise<void> {
    await this.channel.close().catch(() => {});
    await this.connection.close().catch(() => {});
  }
}

/** Declares the stream unless it exists (declaring one that exists with other arguments would fail). */
async function ensureStream(connection: ChannelModel, stream: string): Promise<void> {
  const probe = await connection.createChannel();
  probe.on('error', () => {});
  try {
    await probe.checkQueue(stream);
    await probe.close();
    return;
  } catch {
    // A failed check closes its channel: the declaration gets one of its own.
  }
  const channel = await connection.createChannel();
  await channel.assertQueue(stream, { durable: true, arguments: { 'x-queue-type': 'stream' } });
  await channel.close();
}

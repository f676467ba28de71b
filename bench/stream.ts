import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import amqp from 'amqplib';
import { initWorkspace, openWorkspace } from '../engine/service/init.js';
import { StreamSession } from '../engine/speed/stream-session.js';
import { declareStream, publishLines, startBroker, type TestBroker } from '../engine/testing/rabbitmq.js';
import { BENCH_DIR, dataset } from './data.js';
import { median, type Report } from './report.js';

const PREFETCH = 20_000;

/** The baseline: the simplest amqplib consumer of the same stream, parsing each message, acking in bulk as Recount does. */
async function bareConsumer(url: string, stream: string, last: number): Promise<number> {
  // Timed from connecting, as Recount's is from opening its session (which connects).
  const started = performance.now();
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    await channel.prefetch(PREFETCH);
    let n = 0;
    await new Promise<void>((resolve, reject) => {
      void channel
        .consume(
          stream,
          (m) => {
            if (!m) return reject(new Error('cancelled'));
            JSON.parse(m.content.toString());
            const offset = m.properties.headers?.['x-stream-offset'] as number;
            if (++n % 1000 === 0 || offset >= last) channel.ack(m, true);
            if (offset >= last) resolve();
          },
          { noAck: false, arguments: { 'x-stream-offset': 'first' } },
        )
        .catch(reject);
    });
    return performance.now() - started;
  } finally {
    await connection.close();
  }
}

/** The same stream from its first offset into a fresh live view (exact mode) through StreamSession, as `recount tail`. */
async function recountConsumer(dir: string, url: string, stream: string, last: number): Promise<number> {
  await rm(dir, { recursive: true, force: true });
  await initWorkspace(dir);
  const workspace = await openWorkspace(dir);
  try {
    // Opening the view (compiling the pipelines) is not timed; the source connects once it is open.
    const session = await StreamSession.open(workspace, { url, stream, start: 'beginning', modes: ['exact'] });
    const started = performance.now();
    const controller = new AbortController();
    await session.follow(controller.signal, (tick) => {
      if (tick.last >= last) controller.abort();
    });
    const ms = performance.now() - started;
    await session.close({ checkpoint: false });
    return ms;
  } finally {
    await workspace.close();
  }
}

/**
 * Events per second from a RabbitMQ stream (a broker of the bench's own, on this machine) into the live view, against
 * a bare amqplib consumer that parses each message, in the same run, alternating so that neither gets the warmer
 * machine.
 */
export async function benchStream(report: Report): Promise<void> {
  const data = await dataset('stream', { days: 30, eventsPerDay: 10_000, seed: 11, duplicates: 0.01, late: 0.01, malformed: 0 });
  const lines = (await readFile(data.path, 'utf8')).split('\n').filter(Boolean);
  let broker: TestBroker | undefined;
  try {
    broker = await startBroker({ name: 'bench' });
    const stream = 'bench-events';
    await declareStream(broker.url, stream);
    for (let i = 0; i < lines.length; i += 20_000) await publishLines(broker.url, stream, lines.slice(i, i + 20_000));
    // One segment, so offsets are 0…n-1.
    const last = lines.length - 1;
    const bare: number[] = [];
    const ours: number[] = [];
    for (let round = 0; round < 2; round++) {
      bare.push(await bareConsumer(broker.url, stream, last));
      ours.push(await recountConsumer(join(BENCH_DIR, 'stream-ws'), broker.url, stream, last));
    }
    const bareRate = (lines.length / median(bare)) * 1000;
    const oursRate = (lines.length / median(ours)) * 1000;
    report.add({
      section: 'stream',
      name: `RabbitMQ stream into the live view, exact mode (${lines.length.toLocaleString('en-US')} messages, from a broker on this machine)`,
      value: Math.round(oursRate),
      unit: 'events/s',
      baseline: { name: 'bare amqplib consumer: JSON.parse per message', value: Math.round(bareRate), unit: 'messages/s' },
      ratio: oursRate / bareRate,
      target: '≥ 0.8×',
      met: oursRate / bareRate >= 0.8,
      detail: { 'bare runs ms': bare.map(Math.round).join(' / '), 'Recount runs ms': ours.map(Math.round).join(' / ') },
    });
  } finally {
    await broker?.cleanup();
  }
}

import { createHash } from 'node:crypto';

/** Where a stream is: the broker's URL as given (credentials included, for connecting) and as shown (without them). */
export interface StreamAddress {
  stream: string;
  /** amqp://USER@HOST:PORT/VHOST?stream=NAME: the password is never shown, logged or written to a checkpoint. */
  label: string;
  /** A stable name for the stream's live state: the broker, vhost and stream, whoever connects. */
  key: string;
  /** The URL to connect with: heartbeats on (unless the URL sets them), so that a connection that died is noticed. */
  connectUrl(heartbeatSeconds: number): string;
}

export function isAmqpUrl(text: string): boolean {
  return /^amqps?:\/\//i.test(text);
}

export function streamAddress(url: string, stream: string): StreamAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${url.replace(/\/\/[^@/]*@/, '//…@')} is not a URL: expected amqp://USER:PASS@HOST:PORT/VHOST`);
  }
  if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:') {
    throw new Error(`expected an amqp:// or amqps:// URL, got ${parsed.protocol}//…`);
  }
  if (!stream) throw new Error('a stream name is needed (--stream NAME)');
  const port = parsed.port || (parsed.protocol === 'amqps:' ? '5671' : '5672');
  // amqplib reads an empty path as the default vhost "/", as RabbitMQ's URI spec does.
  const vhost = decodeURIComponent(parsed.pathname.slice(1)) || '/';
  const user = parsed.username ? `${parsed.username}@` : '';
  const label = `${parsed.protocol}//${user}${parsed.hostname}:${port}/${encodeURIComponent(vhost)}?stream=${encodeURIComponent(stream)}`;
  const key = createHash('sha256').update(`${parsed.protocol}//${parsed.hostname}:${port}\0${vhost}\0${stream}`).digest('hex');
  return {
    stream,
    label,
    key,
    connectUrl(heartbeatSeconds) {
      const withHeartbeat = new URL(url);
      if (!withHeartbeat.searchParams.has('heartbeat')) withHeartbeat.searchParams.set('heartbeat', String(heartbeatSeconds));
      return withHeartbeat.toString();
    },
  };
}

import { isUtf8 } from 'node:buffer';
import { LineFramer, NOT_AN_OBJECT, RAW_LIMIT, type LineSink } from '../kernel/lines/line-framer.js';
import type { LiveBatch, LiveReject } from './live-types.js';

/** One message of a stream: its offset and body. */
export interface StreamMessage {
  offset: number;
  content: Buffer;
}

/**
 * A batch of a stream's messages as the live view takes a log's lines: each message one line, its offset in place of
 * a line number. Messages that cannot be an event are `rejects`, with their offsets; a blank message is skipped, as a
 * blank line is.
 */
export interface StreamBatch extends LiveBatch {
  lineNumbers: Float64Array;
  rejects: LiveReject[];
  /** The offsets of the first and last message the batch covers (rejected and blank ones included). */
  first: number;
  last: number;
  messages: number;
}

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;

/**
 * Frames messages into newline-terminated lines with the one line framer the tailer and the import use, so that a
 * message is kept or rejected, with the same reason, exactly as the same text on a line of a log would be. A message is
 * a document of its own: a byte-order mark at its start is stripped, as at a file's start, and a message that spans
 * lines (pretty-printed JSON) is one event: raw newlines in JSON text can only be whitespace, so they become spaces. A
 * multi-line message that is not one JSON value is rejected whole, never read as several lines.
 *
 * The returned batch's data is valid until the next call, which reuses its memory: the session frames the next batch
 * only once the view has written this one to its batch file.
 */
export class MessageFramer {
  private joined = Buffer.alloc(0);
  private out = Buffer.alloc(0);

  constructor(private readonly maxLineBytes: number) {}

  frame(messages: readonly StreamMessage[]): StreamBatch {
    const rejects: LiveReject[] = [];
    let total = 0;
    for (const m of messages) total += m.content.length + 1;
    if (this.joined.length < total) this.joined = Buffer.allocUnsafe(Math.max(total, this.joined.length * 2));
    if (this.out.length < total) this.out = Buffer.allocUnsafe(Math.max(total, this.out.length * 2));
    const joined = this.joined;
    // The offset of each line handed to the framer, which numbers lines 1, 2, 3…
    const framed = new Float64Array(messages.length);
    let lines = 0;
    let at = 0;
    for (const m of messages) {
      let body = m.content;
      if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) body = body.subarray(3);
      const multiLine = body.indexOf(LF) >= 0 || body.indexOf(CR) >= 0;
      if (multiLine && body.length <= this.maxLineBytes && isUtf8(body) && !isJson(body)) {
        rejects.push({ line: m.offset, reason: NOT_AN_OBJECT, raw: body.toString('utf8', 0, Math.min(body.length, RAW_LIMIT)) });
        continue;
      }
      body.copy(joined, at);
      if (multiLine) {
        for (let i = at; i < at + body.length; i++) if (joined[i] === LF || joined[i] === CR) joined[i] = SPACE;
      }
      at += body.length;
      joined[at++] = LF;
      framed[lines++] = m.offset;
    }
    const out = this.out;
    const numbers = new Float64Array(lines);
    let count = 0;
    let written = 0;
    const sink: LineSink = {
      line(buf, start, end, line) {
        written += buf.copy(out, written, start, end);
        out[written++] = LF;
        numbers[count++] = framed[line - 1] as number;
      },
      blank() {},
      reject(line, reason, raw) {
        rejects.push({ line: framed[line - 1] as number, reason, raw });
      },
    };
    new LineFramer({ maxLineBytes: this.maxLineBytes, atFileStart: false }).push(joined.subarray(0, at), sink);
    if (rejects.length > 1) rejects.sort((a, b) => a.line - b.line);
    return {
      data: out.subarray(0, written),
      lineNumbers: numbers.subarray(0, count),
      count,
      rejects,
      first: messages[0]?.offset ?? 0,
      last: messages[messages.length - 1]?.offset ?? 0,
      messages: messages.length,
    };
  }
}

function isJson(body: Buffer): boolean {
  try {
    JSON.parse(body.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

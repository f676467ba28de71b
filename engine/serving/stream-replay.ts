import type { Workspace } from '../kernel/workspace/workspace.js';
import { UserError } from '../kernel/util/errors.js';
import { throttled, type OperationOptions } from '../shared/progress.js';
import { LiveView } from '../speed/live-view.js';
import { MessageFramer } from '../speed/stream-batch.js';
import { streamAddress } from '../speed/stream-address.js';
import { readStreamRange } from '../speed/stream-range.js';

/** A stream to compare with: where it is, and the offsets to replay (from its first retained one by default). */
export interface StreamToReplay {
  url: string;
  stream: string;
  /** The first offset to replay. */
  fromOffset?: number;
  /** The last offset to replay (default: the stream's last offset when the replay begins). */
  throughOffset?: number;
}

/** The stream, as the live view and the lake name it (without the password). */
export function streamLabel(source: StreamToReplay): string {
  try {
    return streamAddress(source.url, source.stream).label;
  } catch (error) {
    throw new UserError((error as Error).message);
  }
}

/**
 * Replays a stream into a fresh live view, each message one line as a tail of it reads it: the same framing and the
 * same rejects, each with its offset in place of a line number.
 */
export async function replayStream(
  workspace: Workspace,
  source: StreamToReplay,
  pipeline: string,
  options: OperationOptions = {},
): Promise<{ view: LiveView; rejects: { line: number; reason: string }[]; through: number | null }> {
  const label = streamLabel(source);
  const view = await LiveView.create(workspace, { source: label, pipelines: [pipeline] });
  const rejects: { line: number; reason: string }[] = [];
  const progress = throttled(options.onProgress);
  const framer = new MessageFramer(workspace.settings.import.maxLineBytes);
  try {
    const read = await readStreamRange(
      source.url,
      source.stream,
      {
        ...(source.fromOffset !== undefined && source.fromOffset > 0 ? { after: source.fromOffset - 1 } : {}),
        through: source.throughOffset ?? 'end',
      },
      async (messages) => {
        const batch = framer.frame(messages);
        view.counters.rejects += batch.rejects.length;
        rejects.push(...batch.rejects.map((r) => ({ line: r.line, reason: r.reason })));
        // The framer reuses the batch's memory: the next batch is framed once this one is applied.
        const ingest = await view.ingest({ data: batch.data, lineNumbers: batch.lineNumbers, count: batch.count });
        rejects.push(...ingest.rejects.map((r) => ({ line: r.line, reason: r.reason })));
        progress({ phase: 'replaying the stream', done: batch.last + 1, unit: 'rows', rows: view.counters.lines });
      },
      { ...(options.signal ? { signal: options.signal } : {}) },
    );
    return { view, rejects: rejects.sort((a, b) => a.line - b.line), through: read.last ?? null };
  } catch (error) {
    await view.close();
    throw error;
  }
}

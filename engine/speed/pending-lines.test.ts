import { describe, expect, it } from 'vitest';
import type { TailBatch } from './tail-types.js';
import { PendingLines, linesOf } from './pending-lines.js';

function batch(lines: string[], first: number, generation = 0, extra: Partial<TailBatch> = {}): TailBatch {
  return {
    data: Buffer.from(lines.map((l) => `${l}\n`).join('')),
    lineNumbers: Float64Array.from(lines, (_, i) => first + i),
    count: lines.length,
    rejects: [],
    generation,
    file: { dev: '1', ino: String(generation), fingerprint: 'f' },
    position: {
      file: { dev: '1', ino: String(generation), fingerprint: 'f' },
      offset: first * 10,
      line: first + lines.length - 1,
      anchor: 'a',
      generation,
    },
    ...extra,
  };
}

describe('pending lines', () => {
  it('takes the batches held as one: their lines and rejects in order, positioned after the last', () => {
    const pending = new PendingLines(1 << 20);
    const first = batch(['{"a":1}', '{"a":2}'], 1, 0, { event: 'resumed' });
    const reject = { line: 3, reason: 'line longer than maxLineBytes', raw: 'x', generation: 0 };
    const second = batch(['{"a":4}'], 4, 0, { rejects: [reject] });
    pending.add(first);
    pending.add(second);
    expect(pending.size).toBe(4);
    const taken = pending.take() as TailBatch;
    expect(taken.data.toString()).toBe('{"a":1}\n{"a":2}\n{"a":4}\n');
    expect(Array.from(taken.lineNumbers)).toEqual([1, 2, 4]);
    expect(taken.count).toBe(3);
    expect(taken.rejects).toEqual([reject]);
    expect(taken.position).toEqual(second.position);
    expect(taken.event).toBe('resumed');
    expect(linesOf(taken)).toBe(4);
    expect(pending.empty).toBe(true);
    expect(pending.size).toBe(0);
    expect(pending.take()).toBeUndefined();
  });

  it('holds a copy: the tailer may reuse a batch’s memory once it is held', () => {
    const pending = new PendingLines(1 << 20);
    const held = batch(['{"a":1}'], 1);
    pending.add(held);
    held.data.fill(0x20);
    held.lineNumbers[0] = 99;
    const taken = pending.take() as TailBatch;
    expect(taken.data.toString()).toBe('{"a":1}\n');
    expect(Array.from(taken.lineNumbers)).toEqual([1]);
  });

  it('holds one generation at a time, within its size', () => {
    const pending = new PendingLines(20);
    pending.add(batch(['{"a":1}'], 1, 0));
    expect(pending.accepts(batch(['{"a":1}'], 1, 1))).toBe(false);
    expect(() => pending.add(batch(['{"a":1}'], 1, 1))).toThrow(/another generation/);
    expect(pending.accepts(batch(['{"a":2}'], 2, 0))).toBe(true);
    expect(pending.accepts(batch(['{"a":2}', '{"a":3}'], 2, 0))).toBe(false);
  });
});

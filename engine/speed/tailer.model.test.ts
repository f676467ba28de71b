import { appendFile, mkdtemp, rename, rm, stat, truncate, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tailer, type TailPosition } from './tailer.js';

/*
 * Model-based test in the spirit of Vector's file_watcher tests: random sequences of writer actions, polls and restarts
 * run against the real Tailer and against a model that says which complete lines must have been delivered, in order,
 * with their line numbers, and without duplicates. Every poll drains fully (rotateWaitMs 0) and every restart resumes
 * from the position after the last poll, so the model's only losses are the inherent ones: lines truncated away before
 * a poll read them, and lines of files that were rotated or deleted away before the tailer ever opened them. The tailer
 * stopped while the log is rotated, copytruncated or its checkpoint damaged: tailer-stopped.model.test.ts.
 */

interface LineSpec {
  blank: boolean;
  crlf: boolean;
  pad: number;
}

type Op =
  | { kind: 'append'; lines: LineSpec[]; split?: { at: number; pollBetween: boolean } }
  | { kind: 'rotate'; touch: boolean }
  /** A writer that has not reopened yet appends to the rotated file. */
  | { kind: 'late'; lines: LineSpec[] }
  | { kind: 'recreate'; touch: boolean }
  | { kind: 'truncate'; lines: LineSpec[] }
  | { kind: 'restart' }
  | { kind: 'poll' };

/** A file as the writer made it: its inode, content and complete lines since the last truncation (null: blank). */
interface ModelFile {
  ino: string;
  content: string;
  lines: (string | null)[];
}

interface Model {
  path?: ModelFile;
  /** The file at log.1, if any. */
  rotated?: ModelFile;
  /**
   * Where the tailer's position points (`consumed` lines into `file`; `stale` once the file was truncated under a
   * non-zero offset), and whether the live tailer has that file open.
   */
  checkpoint?: { file: ModelFile; consumed: number; stale: boolean };
  live: boolean;
  /** A restart happened and the new tailer has not polled yet. */
  fresh: boolean;
  /**
   * What the live tailer had read when it polled mid-line, and the same once a truncation cut that line off. The cut
   * line is rejected as incomplete at the next poll, unless the rewrite starts with the very bytes the tailer had read:
   * then nothing observable changed.
   */
  carry?: string;
  cutOff?: string;
  expected: [number, string][];
  expectedRejects: number;
}

const lineArb: fc.Arbitrary<LineSpec> = fc.record({
  blank: fc.nat({ max: 9 }).map((n) => n === 0),
  crlf: fc.boolean(),
  pad: fc.nat({ max: 120 }),
});
const linesArb = fc.array(lineArb, { minLength: 1, maxLength: 5 });

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      lines: linesArb,
      // Per mille: fc.double piles up at 0, 1 and tiny values, so a cut would almost never fall inside a line.
      split: fc.option(fc.record({ at: fc.nat({ max: 999 }).map((n) => n / 1000), pollBetween: fc.boolean() }), {
        nil: undefined,
      }),
    }),
  },
  { weight: 4, arbitrary: fc.constant({ kind: 'poll' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rotate' as const), touch: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('late' as const), lines: linesArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('recreate' as const), touch: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), lines: fc.array(lineArb, { maxLength: 8 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
);

class Run {
  private nextId = 0;
  private tailer: Tailer;
  private readonly model: Model = { live: false, fresh: false, expected: [], expectedRejects: 0 };
  readonly delivered: [number, string][] = [];
  readonly rejects: unknown[] = [];
  readonly generations: number[] = [];

  private readonly log: string;

  constructor(
    dir: string,
    /** Batches share memory across polls: each poll's lines are read before the next poll, as the option requires. */
    private readonly reuseBuffers = false,
  ) {
    this.log = join(dir, 'events.ndjson');
    this.tailer = this.newTailer(undefined);
  }

  get expected(): [number, string][] {
    return this.model.expected;
  }

  get expectedRejects(): number {
    return this.model.expectedRejects;
  }

  async apply(op: Op): Promise<void> {
    const m = this.model;
    switch (op.kind) {
      case 'poll':
        return this.poll();
      case 'append': {
        const rendered = this.renderAll(op.lines, !m.path || m.path.content === '');
        const bytes = rendered.map((r) => r.bytes).join('');
        if (!op.split) return this.append(bytes, rendered);
        const cut = Math.floor(op.split.at * bytes.length);
        let end = 0;
        const complete = rendered.filter((r) => (end += r.bytes.length) <= cut);
        await this.append(bytes.slice(0, cut), complete);
        if (op.split.pollBetween) {
          await this.poll();
          if (this.endsMidLine(rendered, cut)) m.carry = m.path!.content;
        }
        return this.append(bytes.slice(cut), rendered.slice(complete.length));
      }
      case 'rotate':
        if (!m.path) return;
        await rename(this.log, `${this.log}.1`);
        m.rotated = m.path;
        m.path = undefined;
        if (op.touch) await this.append('', []);
        return;
      case 'late': {
        if (!m.rotated) return;
        const rendered = this.renderAll(op.lines, m.rotated.content === '');
        const bytes = rendered.map((r) => r.bytes).join('');
        await appendFile(`${this.log}.1`, bytes);
        m.rotated.content += bytes;
        m.rotated.lines.push(...rendered.map((r) => r.text));
        return;
      }
      case 'recreate':
        if (!m.path) return;
        await unlink(this.log);
        m.path = undefined;
        if (op.touch) await this.append('', []);
        return;
      case 'truncate': {
        if (!m.path) return;
        await truncate(this.log, 0);
        m.path.lines = [];
        m.path.content = '';
        if (m.checkpoint?.file === m.path) {
          m.checkpoint.stale ||= m.checkpoint.consumed > 0;
          m.checkpoint.consumed = 0;
          if (m.live && m.carry !== undefined) m.cutOff ??= m.carry;
        }
        const rendered = this.renderAll(op.lines, true);
        return this.append(rendered.map((r) => r.bytes).join(''), rendered);
      }
      case 'restart': {
        await this.tailer.close();
        // Persisted as JSON, as the checkpoint store does.
        this.tailer = this.newTailer(JSON.parse(JSON.stringify(this.tailer.position)) as TailPosition);
        m.fresh = true;
        m.live = false;
        m.carry = m.cutOff = undefined;
        return;
      }
    }
  }

  async close(): Promise<void> {
    await this.tailer.close();
  }

  private newTailer(resumeFrom: TailPosition | undefined): Tailer {
    return new Tailer({
      path: this.log,
      start: 'beginning',
      resumeFrom,
      maxLineBytes: 4096,
      maxBatchBytes: 300,
      rotateWaitMs: 0,
      watch: false,
      reuseBuffers: this.reuseBuffers,
    });
  }

  /**
   * A file's first line is never blank, so every file (and every rewrite) starts with a unique id: a fingerprint
   * mismatch then means exactly "this is not the checkpoint's content".
   */
  private renderAll(specs: LineSpec[], startsFile: boolean): { bytes: string; text: string | null }[] {
    return specs.map((spec, i) => this.render(i === 0 && startsFile ? { ...spec, blank: false } : spec));
  }

  private endsMidLine(rendered: { bytes: string }[], cut: number): boolean {
    let end = 0;
    for (const r of rendered) {
      if (cut === end) return false;
      end += r.bytes.length;
      if (cut < end) return true;
    }
    return false;
  }

  private render(spec: LineSpec): { bytes: string; text: string | null } {
    const end = spec.crlf ? '\r\n' : '\n';
    if (spec.blank) return { bytes: (spec.pad % 2 ? '  ' : '') + end, text: null };
    const text = JSON.stringify({ id: this.nextId++, p: 'x'.repeat(spec.pad) });
    return { bytes: text + end, text };
  }

  /** Writes to the path (creating it if needed); `complete` are the lines this write completes. */
  private async append(bytes: string, complete: { text: string | null }[]): Promise<void> {
    await appendFile(this.log, bytes);
    const m = this.model;
    m.path ??= { ino: String((await stat(this.log)).ino), content: '', lines: [] };
    m.path.content += bytes;
    m.path.lines.push(...complete.map((r) => r.text));
  }

  private async poll(): Promise<void> {
    for (const batch of await this.tailer.poll()) {
      const text = batch.data.toString('utf8');
      const lines = text === '' ? [] : text.slice(0, -1).split('\n');
      lines.forEach((line, i) => this.delivered.push([batch.lineNumbers[i]!, line]));
      this.rejects.push(...batch.rejects);
      this.generations.push(batch.generation);
    }
    this.modelPoll();
  }

  private modelPoll(): void {
    const m = this.model;
    if (m.cutOff !== undefined && !m.checkpoint!.file.content.startsWith(m.cutOff)) m.expectedRejects++;
    m.carry = m.cutOff = undefined;
    if (m.fresh) {
      m.fresh = false;
      const saved = m.checkpoint;
      // The resumed tailer takes the file at the path from the checkpoint's offset if it is the same, unchanged file,
      // else from 0. A rotated file (log.1) is drained only if it is the checkpoint's file, unchanged, or if nothing had
      // been read (offset 0: nothing to check, so a file that reused the inode is taken as new content).
      if (saved && m.path === saved.file) m.live = true;
      else if (
        saved &&
        m.rotated &&
        m.rotated.ino === saved.file.ino &&
        !saved.stale &&
        (m.rotated === saved.file || saved.consumed === 0)
      ) {
        if (m.rotated !== saved.file) m.checkpoint = { file: m.rotated, consumed: 0, stale: false };
        m.live = true;
      }
    }
    if (m.live && m.checkpoint && m.checkpoint.file !== m.path) {
      this.deliverRest();
      m.live = false;
    }
    if (m.path) {
      if (!m.live || m.checkpoint?.file !== m.path) m.checkpoint = { file: m.path, consumed: 0, stale: false };
      m.live = true;
      this.deliverRest();
    }
  }

  private deliverRest(): void {
    const checkpoint = this.model.checkpoint!;
    const { lines } = checkpoint.file;
    for (let i = checkpoint.consumed; i < lines.length; i++) {
      const text = lines[i];
      if (text !== null && text !== undefined) this.model.expected.push([i + 1, text]);
    }
    checkpoint.consumed = lines.length;
    checkpoint.stale = false;
  }
}

// TAILER_MODEL_RUNS / TAILER_MODEL_OPS raise the search for a soak run; the defaults keep the suite fast.
describe('Tailer model', () => {
  it('delivers every complete line once, in order, with its line number, across rotations, truncations and restarts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 5, maxLength: Number(process.env.TAILER_MODEL_OPS ?? 40), size: 'max' }),
        fc.boolean(),
        async (ops, reuseBuffers) => {
          const dir = await mkdtemp(join(tmpdir(), 'recount-tail-model-'));
          const run = new Run(dir, reuseBuffers);
          try {
            for (const op of ops) await run.apply(op);
            await run.apply({ kind: 'poll' });
            expect(run.delivered).toEqual(run.expected);
            expect(run.rejects).toEqual(
              Array.from({ length: run.expectedRejects }, () =>
                expect.objectContaining({ reason: 'incomplete last line (no newline)' }),
              ),
            );
            expect(run.generations).toEqual([...run.generations].sort((a, b) => a - b));
          } finally {
            await run.close();
            await rm(dir, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: Number(process.env.TAILER_MODEL_RUNS ?? 80) },
    );
  });
});

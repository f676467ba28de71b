import { appendFile, copyFile, mkdtemp, readFile, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readCheckpoint, TailPositionSchema, writeCheckpoint } from './checkpoint.js';
import { Tailer, type TailReject } from './tailer.js';

/*
 * Model-based test of the tailer STOPPED while logrotate went on without it (the sibling tailer.model.test.ts covers a
 * live tailer). A run alternates live windows (appends, polls, checkpoints, rotations) with stopped windows: the tailer
 * is closed and its position checkpointed, the writer appends and rotates, the newest checkpoint may be cut in half,
 * then a new tailer starts from what the checkpoint store loads. Each run rotates one way, as a logrotate config does:
 *
 * - 'rename' (create): log.N -> log.N+1 ..., log -> log.1. Nothing is deleted, so no inode is reused.
 * - 'copytruncate': the same shift, log copied to log.1, some lines appended to log after the copy (`lost`), log
 *   truncated to 0 and written on.
 *
 * The consumer keeps its state (the lines it applied) in the checkpoint with the position, as a session does. The
 * tailer redelivers the lines after the checkpoint it resumes from, so its raw output (`delivered`) holds them twice
 * after a damaged checkpoint, while the consumer, rolled back to the state saved with that checkpoint, counts each once.
 * Both are compared with the model exactly, and so are the warnings of the checkpoint store and of the tailer.
 *
 * Losses the model expects, each as the tailer works (every other written line must be delivered):
 * - live: lines of a file rotated away before the tailer opened it (two rotations between polls), and lines a
 *   copytruncate took into the copy before a poll read them — unless the tailer stops while nothing of the truncated
 *   file's generation was read: its checkpoint, at offset 0, records the rotated files there when that generation
 *   began, and the restart reads every copy made since (below);
 * - copytruncate while stopped: lines written after the copy and before the truncation (warned, not countable). From a
 *   checkpoint at offset 0 (nothing read yet from that file) the copies are the rotated files the checkpoint does not
 *   record: read whole, oldest first, with a warning;
 * - no usable checkpoint (the newest damaged and the one before it too, as after a recovery whose next checkpoint was
 *   damaged again): the start policy ('beginning') reads the path whole, and no rotated file.
 */

type LineSpec = { blank: boolean; crlf: boolean; pad: number };

type Method = 'rename' | 'copytruncate';

type Op =
  /** Cut `at` per mille of the bytes; `then`: poll (mid-line, if the cut falls in a line), or poll and stop, between. */
  | { kind: 'append'; lines: LineSpec[]; split?: { at: number; then: 'poll' | 'stop' } }
  | { kind: 'poll' }
  /** Checkpoint the position with the consumer's state. */
  | { kind: 'save' }
  /** `touch`: with rename, create the new log at once; `lost`: with copytruncate, lines between the copy and truncate. */
  | { kind: 'rotate'; touch: boolean; lost: LineSpec[] }
  /** Close the tailer and checkpoint its position. */
  | { kind: 'stop' }
  /** Cut the newest checkpoint in half. */
  | { kind: 'damage' }
  /** Load the checkpoint, start a tailer from it and poll. */
  | { kind: 'start' };

/** One generation of a file's content: a truncation starts a new one on the same inode. Lines: null when blank. */
type ModelFile = { ino: string; content: string; lines: (string | null)[] };
/** `consumed` complete lines of `file` delivered. */
type At = { file: ModelFile; consumed: number };

/** `known`: the inodes of the rotated files when the generation at the path began, as the position records them. */
type Saved = { at: At | undefined; applied: number; known: Set<string> } | 'damaged';

interface Model {
  path?: ModelFile;
  /** rotated[0] is log.1. */
  rotated: ModelFile[];
  live: boolean;
  /** The tailer's position; undefined before it saw any file. */
  at?: At;
  /** The content the live tailer had read when it polled mid-line. */
  carry?: string;
  /** Bytes the tailer has read of the file at the path: above 0, a truncation is noticed and starts a generation. */
  seen: number;
  /** The rotated files' inodes when the generation at the path began (the tailer opened it, or noticed a truncation). */
  known: Set<string>;
  saved: { current?: Saved; previous?: Saved };
  expected: [number, string][];
  state: [number, string][];
  rejects: number;
  /** Exact texts, or matchers where they quote a JSON parser's message. */
  warnings: unknown[];
}

const SavedSchema = z.object({ position: TailPositionSchema, applied: z.number().int().nonnegative() });

const lineArb: fc.Arbitrary<LineSpec> = fc.record({
  blank: fc.nat({ max: 9 }).map((n) => n === 0),
  crlf: fc.boolean(),
  pad: fc.nat({ max: 120 }),
});
const linesArb = fc.array(lineArb, { minLength: 1, maxLength: 4 });
const appendArb = (split: boolean): fc.Arbitrary<Op> =>
  fc.record({
    kind: fc.constant('append' as const),
    lines: linesArb,
    split: split
      ? fc.option(fc.record({ at: fc.nat({ max: 999 }), then: fc.constantFrom('poll', 'stop') }), {
          nil: undefined,
        })
      : fc.constant(undefined),
  });
const rotateArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constant('rotate' as const),
  touch: fc.boolean(),
  lost: fc.array(lineArb, { maxLength: 3 }),
});
const liveOpArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: appendArb(true) },
  { weight: 4, arbitrary: fc.constant({ kind: 'poll' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'save' as const }) },
  { weight: 2, arbitrary: rotateArb },
);
const stoppedOpArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: appendArb(false) },
  { weight: 3, arbitrary: rotateArb },
  { weight: 2, arbitrary: fc.constant({ kind: 'damage' as const }) },
);
/** A live window, then a stopped one. Ops that do not apply in the state they meet (a poll while stopped) do nothing. */
const windowArb: fc.Arbitrary<Op[]> = fc
  .tuple(fc.array(liveOpArb, { maxLength: 6 }), fc.array(stoppedOpArb, { maxLength: 6 }))
  .map(([live, stopped]) => [...live, { kind: 'stop' }, ...stopped, { kind: 'start' }]);

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

class Run {
  private nextId = 0;
  private tailer: Tailer | undefined;
  private readonly log: string;
  private readonly store: string;
  readonly model: Model = {
    rotated: [],
    live: false,
    seen: 0,
    known: new Set(),
    saved: {},
    expected: [],
    state: [],
    rejects: 0,
    warnings: [],
  };
  readonly delivered: [number, string][] = [];
  /** The consumer's state: the lines it applied, rolled back with the checkpoint it resumes from. */
  state: [number, string][] = [];
  readonly rejects: TailReject[] = [];
  readonly warnings: string[] = [];

  constructor(
    dir: string,
    private readonly method: Method,
  ) {
    this.log = join(dir, 'events.ndjson');
    this.store = join(dir, 'state', 'tail.json');
  }

  /** The log exists with a line, and the first tailer has read it and checkpointed. */
  async begin(): Promise<void> {
    await this.writeLines([{ blank: false, crlf: false, pad: 0 }]);
    this.tailer = this.newTailer(undefined);
    this.model.live = true;
    await this.poll();
    await this.save();
  }

  async apply(op: Op): Promise<void> {
    const m = this.model;
    switch (op.kind) {
      case 'poll':
        return this.poll();
      case 'save':
        return this.save();
      case 'append': {
        const rendered = this.renderAll(op.lines, !m.path || m.path.content === '');
        const bytes = rendered.map((r) => r.bytes).join('');
        if (!op.split) return this.append(bytes, rendered);
        const cut = Math.floor((op.split.at / 1000) * bytes.length);
        let end = 0;
        const complete = rendered.filter((r) => (end += r.bytes.length) <= cut);
        await this.append(bytes.slice(0, cut), complete);
        if (m.live) {
          await this.poll();
          if (endsMidLine(rendered, cut)) m.carry = m.path!.content;
          if (op.split.then === 'stop') await this.stop();
        }
        return this.append(bytes.slice(cut), rendered.slice(complete.length));
      }
      case 'rotate':
        return this.method === 'rename' ? this.rotateByRename(op.touch) : this.copyTruncate(op.lost);
      case 'stop':
        return this.stop();
      case 'damage': {
        if (m.live || m.saved.current === undefined || m.saved.current === 'damaged') return;
        const text = await readFile(this.store, 'utf8');
        await writeFile(this.store, text.slice(0, Math.floor(text.length / 2)));
        m.saved.current = 'damaged';
        return;
      }
      case 'start':
        return this.start();
    }
  }

  async close(): Promise<void> {
    await this.tailer?.close();
  }

  private newTailer(resumeFrom: z.infer<typeof SavedSchema>['position'] | undefined): Tailer {
    return new Tailer({
      path: this.log,
      start: 'beginning',
      ...(resumeFrom ? { resumeFrom } : {}),
      maxLineBytes: 4096,
      maxBatchBytes: 300,
      rotateWaitMs: 0,
      watch: false,
      onWarning: (w) => this.warnings.push(w),
    });
  }

  private async rotateByRename(touch: boolean): Promise<void> {
    const m = this.model;
    if (!m.path) return;
    await this.shift();
    await rename(this.log, `${this.log}.1`);
    m.rotated.unshift(m.path);
    m.path = undefined;
    if (touch) await this.append('', []);
  }

  private async copyTruncate(lost: LineSpec[]): Promise<void> {
    const m = this.model;
    const original = m.path;
    if (!original) return;
    await this.shift();
    await copyFile(this.log, `${this.log}.1`);
    const ino = String((await stat(`${this.log}.1`)).ino);
    m.rotated.unshift({ ino, content: original.content, lines: [...original.lines] });
    // Written by the application between logrotate's copy and its truncate: in neither file afterwards.
    await this.writeLines(lost);
    await truncate(this.log, 0);
    m.path = { ino: original.ino, content: '', lines: [] };
  }

  /** log.N -> log.N+1, oldest first, as logrotate does before rotating the log (which it keeps all of here). */
  private async shift(): Promise<void> {
    for (let n = this.model.rotated.length; n >= 1; n--) await rename(`${this.log}.${n}`, `${this.log}.${n + 1}`);
  }

  private async stop(): Promise<void> {
    const m = this.model;
    if (!m.live) return;
    await this.tailer!.close();
    // A closed tailer's position is where it stopped: the offset after the last complete line it delivered.
    await this.save();
    this.tailer = undefined;
    m.live = false;
    m.carry = undefined;
  }

  private async save(): Promise<void> {
    const m = this.model;
    if (!m.live) return;
    await writeCheckpoint(this.store, { position: this.tailer!.position, applied: this.state.length });
    m.saved.previous = m.saved.current;
    m.saved.current = { at: m.at && { ...m.at }, applied: m.state.length, known: m.known };
  }

  private async start(): Promise<void> {
    const m = this.model;
    if (m.live) return;
    const read = await readCheckpoint(this.store, SavedSchema);
    if (read.warning !== undefined) this.warnings.push(read.warning);
    this.state = read.value ? this.state.slice(0, read.value.applied) : [];
    this.tailer = this.newTailer(read.value?.position);
    await this.read();
    this.modelStart();
  }

  private async poll(): Promise<void> {
    if (!this.model.live) return;
    await this.read();
    this.modelPoll();
  }

  /** Everything the tailer has now, into `delivered` and the consumer's state. */
  private async read(): Promise<void> {
    const tailer = this.tailer!;
    for (const batch of await tailer.poll()) {
      const text = batch.data.toString('utf8');
      const lines = text === '' ? [] : text.slice(0, -1).split('\n');
      lines.forEach((line, i) => {
        this.delivered.push([batch.lineNumbers[i]!, line]);
        this.state.push([batch.lineNumbers[i]!, line]);
      });
      this.rejects.push(...batch.rejects);
    }
    expect(tailer.status.lastError).toBeUndefined();
  }

  /** A live poll: the open file is drained if it was renamed away; the file at the path is read on. */
  private modelPoll(): void {
    const m = this.model;
    const path = m.path;
    const at = m.at;
    // A truncation cut the line the tailer had begun: rejected, unless the new content starts with what it read.
    if (m.carry !== undefined && at && path && at.file !== path && path.ino === at.file.ino && !path.content.startsWith(m.carry))
      m.rejects++;
    m.carry = undefined;
    if (at && at.file !== path) {
      // Renamed away: read to its end from the open fd. Truncated (same inode, new content): the rest is gone.
      if (path?.ino !== at.file.ino) {
        this.deliver(at.file, at.consumed);
        if (path) this.generationBegins();
      } else if (m.seen > 0 && !path.content.startsWith(at.file.content.slice(0, m.seen))) this.generationBegins();
      // A file rotated away before the tailer ever opened it is never read.
      if (path) m.at = { file: path, consumed: 0 };
    } else if (!at && path) {
      m.at = { file: path, consumed: 0 };
      this.generationBegins();
    }
    if (path) this.deliver(m.at!.file, m.at!.consumed);
    if (m.at) m.at.consumed = m.at.file.lines.length;
    m.seen = path?.content.length ?? 0;
  }

  /** A generation of the file at the path begins: the rotated files there now are the ones its copies are not. */
  private generationBegins(): void {
    this.model.known = new Set(this.model.rotated.map((f) => f.ino));
  }

  /** What a tailer started from the loaded checkpoint reads at its first poll, and what it says. */
  private modelStart(): void {
    const m = this.model;
    m.live = true;
    let from: Saved | undefined = m.saved.current;
    if (from === 'damaged') {
      const previous = m.saved.previous;
      const head = `^checkpoint ${escape(this.store)} is not valid JSON, probably a torn or corrupt write \\(.*\\)`;
      if (previous !== undefined && previous !== 'damaged') {
        from = previous;
        m.warnings.push(
          expect.stringMatching(
            new RegExp(
              `${head}; resumed from the checkpoint before it \\(${escape(this.store)}\\.prev\\): the lines after it are read again, each counted once$`,
            ),
          ),
        );
      } else {
        from = undefined;
        m.warnings.push(expect.stringMatching(new RegExp(`${head}, and there is no usable checkpoint before it; ignoring it$`)));
      }
    }
    m.state = from ? m.state.slice(0, from.applied) : [];
    const checkpoint = from?.at;
    const path = m.path;
    // The new tailer looks at the rotated files before it opens anything.
    this.generationBegins();
    m.seen = path?.content.length ?? 0;
    if (!checkpoint) {
      // No position, or one taken before any file existed: the start policy, the path from its start.
      m.at = undefined;
      return this.modelPoll();
    }
    const { file, consumed: k } = checkpoint;
    const prefix = contentBefore(file, k);
    const holds = (f: ModelFile) => k === 0 || f.content.startsWith(prefix);
    const name = (f: ModelFile) => `events.ndjson.${m.rotated.indexOf(f) + 1}`;
    const drain: At[] = [];
    let atPath = 0;
    if (path && path.ino === file.ino) {
      if (k === 0) {
        // Nothing read of it: every rotated file the checkpoint does not know was copied from it since, unless the
        // file still begins with the copy's bytes (not truncated after it). Read whole, oldest first.
        const known = (from as Exclude<Saved, 'damaged'>).known;
        const copies = [...m.rotated]
          .reverse()
          .filter((f) => !known.has(f.ino) && f.ino !== path.ino && !(f.content !== '' && path.content.startsWith(f.content)));
        drain.push(...copies.map((f) => ({ file: f, consumed: 0 })));
        const names = copies.map(name);
        if (copies.length > 0) {
          m.warnings.push(
            `${this.log} was copied and truncated while Recount was stopped (copytruncate), before any line of it was read: ${names.length === 1 ? `the copy ${names[0]} is read whole` : `the copies ${names.join(', ')} are read whole, oldest first`}; lines written between a copy and the truncation are in neither file and cannot be counted`,
          );
        }
      } else if (path === file) atPath = k;
      else {
        // Truncated while stopped: the copy holding what the checkpoint saw, newest first, read from its offset.
        const copy = m.rotated.find((f) => f.ino !== path.ino && holds(f));
        if (copy) {
          // Then every copy made after it (copytruncate more than once while stopped), whole, oldest first.
          const newer = this.newer(copy, path);
          drain.push({ file: copy, consumed: k }, ...newer);
          const n = newer.length;
          const later =
            n === 0 ? '' : `, then ${n === 1 ? 'the copy made after it is' : `the ${n} copies made after it are`} read whole`;
          m.warnings.push(
            `${this.log} was copied and truncated while Recount was stopped (copytruncate): the lines after line ${k} are read from the copy ${name(copy)}${later}; lines written between the copy and the truncation are in neither file and cannot be counted`,
          );
        } else {
          // Not reached here (every truncation comes with a copy); modelled for completeness.
          m.warnings.push(
            `${this.log} was truncated or rewritten while Recount was stopped, and no copy of it beside it holds the lines after line ${k}: any written after the checkpoint and before that are lost; it is read again from its start`,
          );
        }
      }
    } else {
      // Renamed while stopped: finished from the checkpoint, then every file rotated after it, whole, oldest first.
      const rotated = m.rotated.find((f) => f.ino === file.ino && holds(f));
      if (rotated) {
        const newer = this.newer(rotated, path);
        drain.push({ file: rotated, consumed: k }, ...newer);
        const n = newer.length;
        if (n > 0) {
          m.warnings.push(
            `${this.log} was rotated ${n + 1} times while Recount was stopped: ${name(rotated)} is finished from line ${k}, then ${n === 1 ? 'the file rotated after it is' : `the ${n} files rotated after it are`} read whole`,
          );
        }
      } else {
        // Not reached here either: no file is deleted.
        m.warnings.push(
          `the file ${this.log} named when Recount stopped (at line ${k}) is gone, deleted or compressed by rotation: lines it held after that are not read, and could not be counted`,
        );
      }
    }
    for (const d of drain) this.deliver(d.file, d.consumed);
    const last = drain.at(-1);
    if (path) {
      this.deliver(path, atPath);
      m.at = { file: path, consumed: path.lines.length };
    } else if (last) m.at = { file: last.file, consumed: last.file.lines.length };
    // Nothing found and no file at the path: the tailer's position is still the checkpoint's.
    else m.at = { ...checkpoint };
  }

  /** The files rotated after `older` (log.N), oldest first, from their start: each copy or renamed file once. */
  private newer(older: ModelFile, path: ModelFile | undefined): At[] {
    const files = this.model.rotated.slice(0, this.model.rotated.indexOf(older)).reverse();
    return files.filter((f) => f.ino !== older.ino && f.ino !== path?.ino).map((file) => ({ file, consumed: 0 }));
  }

  private deliver(file: ModelFile, from: number): void {
    file.lines.forEach((text, i) => {
      if (i < from || text === null) return;
      this.model.expected.push([i + 1, text]);
      this.model.state.push([i + 1, text]);
    });
  }

  /** A file's first line is never blank, so every file and every rewrite starts with a line of its own. */
  private renderAll(specs: LineSpec[], startsFile: boolean): { bytes: string; text: string | null }[] {
    return specs.map((spec, i) => this.render(i === 0 && startsFile ? { ...spec, blank: false } : spec));
  }

  private render(spec: LineSpec): { bytes: string; text: string | null } {
    const end = spec.crlf ? '\r\n' : '\n';
    if (spec.blank) return { bytes: (spec.pad % 2 ? '  ' : '') + end, text: null };
    const text = JSON.stringify({ id: this.nextId++, p: 'x'.repeat(spec.pad) });
    return { bytes: text + end, text };
  }

  private writeLines(specs: LineSpec[]): Promise<void> {
    const rendered = this.renderAll(specs, !this.model.path || this.model.path.content === '');
    return this.append(rendered.map((r) => r.bytes).join(''), rendered);
  }

  /** Writes to the path (creating it if needed); `complete` are the lines this write completes. */
  private async append(bytes: string, complete: { text: string | null }[]): Promise<void> {
    await appendFile(this.log, bytes);
    const m = this.model;
    m.path ??= { ino: String((await stat(this.log)).ino), content: '', lines: [] };
    m.path.content += bytes;
    m.path.lines.push(...complete.map((r) => r.text));
  }
}

function endsMidLine(rendered: { bytes: string }[], cut: number): boolean {
  let end = 0;
  for (const r of rendered) {
    if (cut === end) return false;
    end += r.bytes.length;
    if (cut < end) return true;
  }
  return false;
}

/** The bytes of a file's first `lines` complete lines. */
function contentBefore(file: ModelFile, lines: number): string {
  let end = 0;
  for (let i = 0; i < lines; i++) end = file.content.indexOf('\n', end) + 1;
  return file.content.slice(0, end);
}

const ids = (lines: [number, string][]) => lines.map(([, text]) => (JSON.parse(text) as { id: number }).id);

// TAILER_STOPPED_RUNS / TAILER_STOPPED_WINDOWS raise the search for a soak run; the defaults keep the suite fast.
describe('Tailer stopped-window model', () => {
  it('across rotations, copytruncates and a damaged checkpoint while stopped, delivers and reports exactly what the model says', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Method>('rename', 'copytruncate'),
        fc.array(windowArb, { minLength: 1, maxLength: Number(process.env.TAILER_STOPPED_WINDOWS ?? 5) }),
        async (method, windows) => {
          const dir = await mkdtemp(join(tmpdir(), 'recount-tail-stopped-model-'));
          const run = new Run(dir, method);
          try {
            await run.begin();
            for (const op of windows.flat()) await run.apply(op);
            await run.apply({ kind: 'poll' });
            const model = run.model;
            expect(run.warnings).toEqual(model.warnings);
            // Raw tailer output: every line after the checkpoint resumed from, so twice after a fallback.
            expect(run.delivered).toEqual(model.expected);
            // The consumer, rolled back with its checkpoint: each line once, in the order written.
            expect(run.state).toEqual(model.state);
            const once = ids(model.state);
            expect(once).toEqual([...new Set(once)].sort((a, b) => a - b));
            expect(run.rejects).toEqual(
              Array.from({ length: model.rejects }, () =>
                expect.objectContaining({ reason: 'incomplete last line (no newline)' }),
              ),
            );
          } finally {
            await run.close();
            await rm(dir, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: Number(process.env.TAILER_STOPPED_RUNS ?? 100) },
    );
  });
});

import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Workspace } from '../kernel/workspace/workspace.js';
import type { Connection } from '../kernel/workspace/db.js';
import type { OperationOptions } from '../shared/progress.js';
import { recordIdentitySql } from '../kernel/events/plan.js';
import { ndjsonRecordsReader } from '../kernel/events/records.js';
import type { IdentitySet } from './identity-set.js';
import type { ArrivalStore, StoredBatch } from './arrivals.js';
import { batchFileName } from './scratch.js';
import type { Lanes } from './live-lanes.js';
import { sampleTypes, type LiveSchema } from './live-schema.js';
import { batchRejects } from './live-rejects.js';
import type { StepTimer } from './live-step-timer.js';
import type { LiveBatch, LiveCounters, LiveIngest, LiveMode } from './live-types.js';

/**
 * Columns whose first holds numbers that grow with arrival (row ids of the arrival store), sorted by it (a no-op,
 * checked in one pass, when they already are).
 */
export function inArrivalOrder<T extends Float64Array[]>(columns: T): T {
  const arrivals = columns[0] as Float64Array;
  let sorted = true;
  for (let i = 1; i < arrivals.length && sorted; i++) sorted = (arrivals[i - 1] as number) < (arrivals[i] as number);
  if (sorted) return columns;
  const order = Array.from(arrivals.keys()).sort((a, b) => (arrivals[a] as number) - (arrivals[b] as number));
  return columns.map((column) => Float64Array.from(order, (i) => column[i] as number)) as T;
}

/** A file batches are written to, and when the last batch written to it no longer needs it. */
interface BatchFile {
  path: string;
  handle?: FileHandle;
  free: Promise<unknown>;
}

/** What the ingest steps work on: the live view's parts, and how it fixes its schema. */
export interface IngestParts {
  workspace: Workspace;
  /** The live view's own connection: it samples types and works out rejects. */
  connection: Connection;
  /** The attached database holding the arrivals (batch files are named after it). */
  database: string;
  /** The folder batch files go to (scratchDir). */
  scratch: string;
  modes: readonly LiveMode[];
  store: ArrivalStore;
  /** Identities of the exact events held (first arrival wins). */
  seen: IdentitySet;
  lanes: Lanes;
  counters: LiveCounters;
  timer: StepTimer;
  /** The view's schema, once fixed. */
  schema(): LiveSchema | undefined;
  /** Fixes the view's schema to these types (which `open`s the steps), and compiles the pipelines unless `compile` is false. */
  fixSchema(types: Map<string, string>, compile: boolean): Promise<void>;
  /** Compiles the pipelines for the fixed schema (after `fixSchema(types, false)`). */
  compile(): Promise<void>;
}

/**
 * The steps a live view takes a batch in: written (to a batch file), loaded (parsed, typed and numbered into the
 * store), identified (its rejects taken, its identities checked) and applied (each pipeline's delta query, merge and
 * rows). Each step runs in batch order, and a batch is written while the one before it is loaded, which is loaded
 * while the one before it is identified, and so on.
 */
export class IngestSteps {
  /** Arrival numbers given out: a batch's rows are numbered on from them when it is handed over, in batch order. */
  arrivals = 0;
  /** The statement reading each batch file into the store (see `files`). */
  private readonly typedRowsSql = new Map<string, string>();
  /**
   * Batches are written to three files in turn, so that a batch is written while the two before it are read into the
   * store. A file is written again once its last batch is identified (which may read it again: identities of lines
   * without an id, reasons for rejected lines): `free`.
   */
  private readonly files: BatchFile[];
  private writes = 0;
  /**
   * The connections batches are read into the store on, in turn: a batch is read while the one before it is still
   * being read (each commits after the one before it, so row ids keep the order of lines: ArrivalStore.append).
   */
  private readonly loaders: { connection: Connection; free: Promise<unknown> }[] = [];
  /**
   * The last batch's steps (begun: its schema known and its read under way; loaded; identified; applied): each step
   * of `ingest` waits for the same step of the batch before.
   */
  private beginning: Promise<unknown> = Promise.resolve();
  private loading: Promise<unknown> = Promise.resolve();
  private storing: Promise<unknown> = Promise.resolve();
  private applying: Promise<unknown> = Promise.resolve();

  constructor(private readonly view: IngestParts) {
    this.files = [0, 1, 2].map((i) => ({ path: join(view.scratch, batchFileName(view.database, i)), free: Promise.resolve() }));
  }

  /** Readies the steps for the schema just fixed: the statements reading batch files, and the loaders' connections. */
  async open(schema: LiveSchema): Promise<void> {
    for (const file of this.files) this.typedRowsSql.set(file.path, schema.typedRows(schema.reader(file.path, true)));
    for (let i = 0; i < 2; i++) this.loaders.push({ connection: await this.view.workspace.connect(), free: Promise.resolve() });
  }

  /** Takes in a batch through every step (see LiveView.ingest). */
  ingest(batch: LiveBatch, options: { onRead?: () => void; onStored?: () => void } = {}): Promise<LiveIngest> {
    const file = this.files[this.writes % this.files.length] as BatchFile;
    const sequence = this.writes++;
    // Numbered here, in batch order: batches are read side by side.
    const base = this.arrivals;
    this.arrivals += batch.count;
    const written = file.free.then(() => this.writeBatch(file, batch, options.onRead));
    // Begun once written, its loader free and the batch before it begun: then the next may be written.
    const previousBegun = this.beginning;
    const previousLoaded = this.loading;
    let begun = () => {};
    const beginning = new Promise<void>((resolve) => (begun = resolve));
    this.beginning = beginning;
    // Called once the read is under way, or when loading ends without one (an empty batch, a failure): once only.
    let stored = false;
    const onStored = () => {
      if (stored) return;
      stored = true;
      begun();
      options.onStored?.();
    };
    const loaded = Promise.all([written, previousBegun])
      .then(() => this.loadBatch(batch, file.path, base, sequence, onStored, previousLoaded))
      .finally(onStored);
    this.loading = loaded.catch(() => {});
    const identifying = this.storing;
    const identified = loaded.then(async (l) => {
      await identifying;
      return l.batch ? this.identifyBatch(l.result, l.batch, l.file) : l;
    });
    this.storing = identified.catch(() => {});
    file.free = this.storing;
    const applying = this.applying;
    const applied = identified.then(async (s) => {
      await applying;
      return s.batch ? this.applyBatch(s.result, s.batch) : s.result;
    });
    this.applying = applied.catch(() => {});
    return applied;
  }

  /** Resolves once every batch handed to `ingest` is applied (state, rows and store agree with each other). */
  async settled(): Promise<void> {
    await this.loading;
    await this.storing;
    await this.applying;
  }

  /** Takes in the first lines of a log as one batch DuckDB reads straight from it (see LiveView.ingestLog). */
  async ingestLog(
    path: string,
    options: OperationOptions & { begin: () => Promise<boolean>; lines: () => Promise<number> },
  ): Promise<LiveIngest | undefined> {
    if (this.writes > 0 || this.arrivals > 0) throw new Error('live view: a log is read whole only into a fresh view');
    const timer = this.view.timer;
    let mark = performance.now();
    // The pipelines compile while DuckDB reads the log: only the table's schema must come before.
    let compiling: Promise<void> = Promise.resolve();
    if (!this.view.schema()) {
      // The schema is fixed for good: only from lines the framing allows (a file of none fixes none, batches will).
      if (!(await options.begin())) return undefined;
      const types = await sampleTypes(this.view.connection, path);
      if (types.size === 0) return undefined;
      await this.view.fixSchema(types, false);
      compiling = this.view.compile();
      compiling.catch(() => {});
      mark = timer.lap('schema from the first batch', mark);
    }
    const schema = this.view.schema() as LiveSchema;
    const loader = (this.loaders[0] as (typeof this.loaders)[number]).connection;
    let count = 0;
    let stored: StoredBatch;
    try {
      stored = await this.view.store.append(loader, schema.typedRows(schema.reader(path, true)), () => count, 0, 1, {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        surplus: true,
        check: async () => {
          count = await options.lines();
        },
      });
    } catch {
      await compiling;
      return undefined;
    }
    await compiling;
    this.writes++;
    this.arrivals = count;
    timer.lap('read and type', mark);
    const identified = await this.identifyBatch(
      { lines: count, events: stored.events, newEvents: 0, rejects: [], updates: [] },
      stored,
      path,
    );
    return this.applyBatch(identified.result, stored);
  }

  /** The first step of `ingest`: a batch's lines written to its file (while the batch before it may be loading). */
  private async writeBatch(file: BatchFile, batch: LiveBatch, onRead: (() => void) | undefined): Promise<void> {
    const mark = performance.now();
    try {
      if (batch.count > 0) await writeInPlace(file, batch.data);
    } finally {
      onRead?.();
    }
    this.view.timer.lap('write batch file', mark);
  }

  /**
   * The second step of `ingest`: the batch's lines, one row each, in the store, read on a loader connection of its own
   * (`begun` once its read is under way) and committed after the batch before it (`previous`).
   */
  private async loadBatch(
    batch: LiveBatch,
    file: string,
    base: number,
    sequence: number,
    begun: () => void,
    previous: Promise<unknown>,
  ): Promise<{ result: LiveIngest; batch?: StoredBatch; file: string }> {
    const timer = this.view.timer;
    let mark = performance.now();
    const result: LiveIngest = { lines: batch.count, events: 0, newEvents: 0, rejects: [], updates: [] };
    if (batch.count === 0) return { result, file };
    if (!this.view.schema()) {
      // A view of an empty lake takes its schema from the types DuckDB sees in its first batch.
      await this.view.fixSchema(await sampleTypes(this.view.connection, file), true);
      mark = timer.lap('schema from the first batch', mark);
    }
    // Line numbers only increase: the batch's lines are consecutive when the last is first + count - 1.
    const numbers = batch.lineNumbers;
    const first = numbers[0] as number;
    const lines = numbers[numbers.length - 1] === first + numbers.length - 1 ? first : Array.from(numbers);
    const loader = this.loaders[sequence % this.loaders.length] as (typeof this.loaders)[number];
    await loader.free;
    // One row per line (a line that is not a JSON object gives a row of NULLs), read and typed in one pass.
    const appending = this.view.store.append(loader.connection, this.typedRowsSql.get(file) as string, batch.count, base, lines, {
      begun,
      previous,
    });
    loader.free = appending.catch(() => {});
    const stored = await appending;
    result.events = stored.events;
    timer.lap('read and type', mark);
    return { result, batch: stored, file };
  }

  /** The third step of `ingest`: the batch numbered where its lines skip, its rejects taken, in exact mode its repeats marked. */
  private async identifyBatch(
    result: LiveIngest,
    stored: StoredBatch,
    file: string,
  ): Promise<{ result: LiveIngest; batch?: StoredBatch }> {
    const { store, timer } = this.view;
    let mark = performance.now();
    await store.number(stored);
    await store.deriveIds(stored, ndjsonRecordsReader(file, this.view.workspace.settings.import.maxLineBytes), recordIdentitySql);
    mark = timer.lap('number and identify', mark);
    if (result.events < result.lines) {
      result.rejects = await batchRejects(this.view.connection, this.view.schema() as LiveSchema, file, stored);
      await store.dropRejected(stored);
      mark = timer.lap('rejects', mark);
    }
    if (this.view.modes.includes('exact')) {
      // First arrival wins: within the batch by arrival order, across batches by the identity index.
      const [rows, k1, k2] = inArrivalOrder(await store.identityKeys(stored));
      mark = timer.lap('identity keys', mark);
      const repeats = this.view.seen.addAll(k1, k2).map((i) => rows[i] as number);
      mark = timer.lap('identity index', mark);
      // Marked, not copied out: the repeats are few, and each reader of the exact batch skips them as it scans.
      await store.markRepeats(stored, repeats);
      result.newEvents = result.events - repeats.length;
      timer.lap('mark repeats', mark);
    }
    return { result, batch: stored };
  }

  /** The last step of `ingest`: every lane's delta queries over the batch, merged into state, and the rows they change. */
  private async applyBatch(result: LiveIngest, batch: StoredBatch): Promise<LiveIngest> {
    result.updates = await this.view.lanes.apply(batch, result.events);
    const counters = this.view.counters;
    counters.lines += result.lines;
    counters.events += result.events;
    counters.newEvents += result.newEvents;
    counters.rejects += result.rejects.length;
    return result;
  }

  /** Closes the loaders' connections and removes the batch files. */
  async close(): Promise<void> {
    for (const loader of this.loaders) loader.connection.close();
    for (const file of this.files) {
      await file.handle?.close().catch(() => {});
      await rm(file.path, { force: true });
    }
  }
}

/**
 * Writes a batch over the file's last one in place: rewriting a file's pages costs much less than allocating
 * them again, as replacing the file would.
 */
async function writeInPlace(file: BatchFile, data: Buffer): Promise<void> {
  file.handle ??= await open(file.path, 'w');
  for (let written = 0; written < data.length;) {
    written += (await file.handle.write(data, written, data.length - written, written)).bytesWritten;
  }
  await file.handle.truncate(data.length);
}

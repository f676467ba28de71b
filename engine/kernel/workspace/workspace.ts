import { mkdir, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError } from '../util/errors.js';
import { exists } from '../util/fsx.js';
import { Database, type Connection } from './db.js';
import { migrateCatalog } from './catalog.js';
import { defaultSettings, isTimeZone, readSettings, writeSettings, type Settings } from './settings.js';
import { knownTimeZones, type TimeZones } from '../events/timestamps.js';

export const SETTINGS_FILE = 'recount.json';
export const DATABASE_FILE = 'recount.duckdb';

export interface WorkspacePaths {
  root: string;
  settings: string;
  database: string;
  /** Hive-partitioned event Parquet: lake/events/event_date=YYYY-MM-DD/*.parquet */
  lakeEvents: string;
  /** Where an import writes before its commit; emptied at every open. */
  staging: string;
  pipelines: string;
  notebooks: string;
  /** Durable engine state (tail checkpoints). */
  state: string;
  /** Scratch space: DuckDB spill files, sanitized copies of inputs. */
  tmp: string;
}

export function workspacePaths(dir: string): WorkspacePaths {
  const root = resolve(dir);
  return {
    root,
    settings: join(root, SETTINGS_FILE),
    database: join(root, DATABASE_FILE),
    lakeEvents: join(root, 'lake', 'events'),
    staging: join(root, 'lake', '_staging'),
    pipelines: join(root, 'pipelines'),
    notebooks: join(root, 'notebooks'),
    state: join(root, 'state'),
    tmp: join(root, '.tmp'),
  };
}

export interface InitResult {
  created: boolean;
  paths: WorkspacePaths;
  settings: Settings;
}

export interface RecoveryReport {
  stagingRemoved: number;
  orphansRemoved: number;
  /** Committed files whose move into their partition a crash interrupted, moved at this open. */
  rolledForward: number;
  /** Files in the lake Recount did not write (another tool's, or the user's): left as they are. */
  foreign: string[];
}

/**
 * What a layer repairs or prepares when a workspace opens, before anything reads it: the lake finishes or clears a
 * crashed import and rebuilds its views, the batch layer closes runs a dead process left. The kernel runs the steps it
 * is given, in order, under DuckDB's file lock; it knows none of the layers' tables.
 */
export type OpenStep = (context: OpenContext) => Promise<Partial<RecoveryReport> | void>;

export interface OpenContext {
  paths: WorkspacePaths;
  settings: Settings;
  catalog: Connection;
}

/**
 * A folder the user owns: settings, the event lake, the DuckDB catalog with summary tables, pipeline
 * definitions and notebooks. Opening it takes DuckDB's single-writer lock and repairs whatever a crash
 * left behind before anything reads the lake.
 */
export class Workspace {
  private constructor(
    readonly paths: WorkspacePaths,
    readonly settings: Settings,
    readonly db: Database,
    /** The connection for catalog reads and commits; long jobs take connections of their own. */
    readonly catalog: Connection,
    readonly recovery: RecoveryReport,
    /** DuckDB's name for the catalog database, for references that must not resolve to a temporary view. */
    readonly catalogName: string,
    /** The workspace's zone and the zone names this DuckDB knows, for every expression that parses a time. */
    readonly timeZones: TimeZones,
  ) {}

  private lockTail: Promise<unknown> = Promise.resolve();

  get dir(): string {
    return this.paths.root;
  }

  /** Runs `work` after every earlier exclusive job of this workspace (imports and recounts write the lake one at a time). */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.lockTail.then(work, work);
    this.lockTail = next.catch(() => {});
    return next;
  }

  /** Creates the workspace's folders, settings and catalog; `seed` adds files (default pipelines) before it is marked done. */
  static async init(
    dir: string,
    options: { timezone?: string; seed?: (paths: WorkspacePaths) => Promise<void>; steps?: readonly OpenStep[] } = {},
  ): Promise<InitResult> {
    const paths = workspacePaths(dir);
    if (await exists(paths.settings)) {
      return { created: false, paths, settings: await readSettings(paths.settings) };
    }
    const timezone = options.timezone ?? 'UTC';
    if (!isTimeZone(timezone)) throw new UserError(`Unknown time zone "${timezone}": use an IANA name like UTC or Asia/Kolkata.`);
    const settings = defaultSettings(timezone);
    for (const d of [paths.root, paths.lakeEvents, paths.pipelines, paths.notebooks, paths.state]) {
      await mkdir(d, { recursive: true });
    }
    await options.seed?.(paths);
    // The settings file is written last: it is what marks the folder as a workspace.
    const db = await Database.open(paths.database, { timezone });
    try {
      const connection = await db.connect();
      await migrateCatalog(connection);
      for (const step of options.steps ?? []) await step({ paths, settings, catalog: connection });
      await connection.run('CHECKPOINT');
      connection.close();
    } finally {
      db.close();
    }
    await writeSettings(paths.settings, settings);
    return { created: true, paths, settings };
  }

  static async open(dir: string, steps: readonly OpenStep[] = []): Promise<Workspace> {
    const paths = workspacePaths(dir);
    if (!(await exists(paths.settings))) {
      throw new UserError(
        `${paths.root} is not a Recount workspace (no ${SETTINGS_FILE}). Create one with: recount init --workspace ${dir}`,
        'not-a-workspace',
      );
    }
    const settings = await readSettings(paths.settings);
    await mkdir(paths.tmp, { recursive: true });
    const db = await Database.open(paths.database, {
      timezone: settings.timezone,
      threads: availableParallelism(),
      tempDirectory: join(paths.tmp, 'duckdb'),
    });
    try {
      const catalog = await db.connect();
      const timeZones: TimeZones = { local: settings.timezone, known: await knownTimeZones(catalog) };
      await migrateCatalog(catalog);
      // Scratch of a process that is gone (sanitized copies, DuckDB's spill files of finished queries).
      await rm(paths.tmp, { recursive: true, force: true }).catch(() => {});
      await mkdir(paths.tmp, { recursive: true });
      const recovery: RecoveryReport = { stagingRemoved: 0, orphansRemoved: 0, rolledForward: 0, foreign: [] };
      for (const step of steps) Object.assign(recovery, await step({ paths, settings, catalog }));
      const catalogName = (await catalog.one<{ name: string }>('SELECT current_database() AS name'))?.name ?? 'recount';
      return new Workspace(paths, settings, db, catalog, recovery, catalogName, timeZones);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** A fresh connection for a long job, so that interrupting it leaves the catalog connection alone. */
  async connect(): Promise<Connection> {
    return this.db.connect();
  }

  /** Jobs running under `withReplayThreads`: DuckDB keeps their thread count until the last ends. */
  private replays = 0;
  /** The latest change of DuckDB's threads: each replay starts once its setting is in place. */
  private threadsSet: Promise<void> = Promise.resolve();

  /**
   * Runs a replay with DuckDB on one thread fewer than the cores (at least one), restored when the last replay ends.
   * A replay keeps every core busy with queries side by side (a batch read while the one before it is identified and
   * the one before that aggregated) and with its own JS work (framing lines, the identity index, merging state), so
   * DuckDB's threads only add their overhead: with no idle core, more threads for the reads cost CPU time without
   * making the replay faster. Other queries meanwhile get the same threads; the setting is DuckDB's, for the whole
   * database.
   */
  async withReplayThreads<T>(work: () => Promise<T>): Promise<T> {
    const threads = Math.max(1, availableParallelism() - 1);
    if (this.replays++ === 0) this.threadsSet = this.setThreads(threads, this.threadsSet);
    try {
      await this.threadsSet;
      return await work();
    } finally {
      if (--this.replays === 0) {
        this.threadsSet = this.setThreads(availableParallelism(), this.threadsSet);
        await this.threadsSet;
      }
    }
  }

  /** On a connection of its own: the catalog's may be busy with a long statement. */
  private async setThreads(threads: number, after: Promise<void>): Promise<void> {
    await after.catch(() => {});
    const connection = await this.connect();
    try {
      await connection.run(`SET GLOBAL threads = ${threads}`);
    } finally {
      connection.close();
    }
  }

  async close(): Promise<void> {
    try {
      await this.catalog.run('CHECKPOINT');
    } catch {
      // A failed checkpoint leaves the WAL in place; DuckDB replays it at the next open.
    }
    this.catalog.close();
    this.db.close();
  }
}

import { mkdir, readdir, rm, rmdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../util/errors.js';
import { ident } from '../util/sql.js';
import { exists, listFilesRecursive } from '../util/fsx.js';
import { Database, type Connection } from './db.js';
import { migrateCatalog } from './catalog.js';
import { defaultSettings, isTimeZone, readSettings, writeSettings, type Settings } from './settings.js';
import { rebuildLakeViews } from '../lake/views.js';
import { backfillImportColumns } from '../lake/lake-schema.js';
import { finishMoves } from './pending-moves.js';
import { setKnownTimeZones } from '../lake/timestamps.js';

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
    options: { timezone?: string; seed?: (paths: WorkspacePaths) => Promise<void> } = {},
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
      await rebuildLakeViews(connection, paths.root);
      await connection.run('CHECKPOINT');
      connection.close();
    } finally {
      db.close();
    }
    await writeSettings(paths.settings, settings);
    return { created: true, paths, settings };
  }

  static async open(dir: string): Promise<Workspace> {
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
      setKnownTimeZones(
        (await catalog.all<{ name: string }>('SELECT name FROM pg_timezone_names() ORDER BY name')).map((r) => r.name),
      );
      await migrateCatalog(catalog);
      const recovery = await recoverLake(paths, catalog);
      // A run still marked running belonged to a process that died: nothing of it was half-committed.
      await catalog.run(`UPDATE runs SET status = 'interrupted', finished_at = now() WHERE status = 'running'`);
      await dropAbandonedRebuilds(catalog);
      await backfillImportColumns(catalog, paths.root);
      await rebuildLakeViews(catalog, paths.root);
      const catalogName = (await catalog.one<{ name: string }>('SELECT current_database() AS name'))?.name ?? 'recount';
      return new Workspace(paths, settings, db, catalog, recovery, catalogName);
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
   * DuckDB's threads only add their overhead: on 2 cores, reading a 64 MiB batch on two threads took twice the CPU
   * time of one thread, and a million-event replay ran about a tenth faster on one thread, with a fifth less CPU time
   * (measured). Other queries meanwhile get the same threads; the setting is DuckDB's, for the whole database.
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

/**
 * A run that rebuilds a pipeline's table under a new column set writes `<pipeline>__rebuild_<run id>` and swaps it in
 * when every partition succeeded; a run killed before the swap left it behind. Such a table of a run that is over is
 * dropped (only when that run exists: a user's table of the same shape stays).
 */
async function dropAbandonedRebuilds(catalog: Connection): Promise<void> {
  const tables = await catalog.all<{ name: string }>(
    `SELECT t.table_name AS name FROM duckdb_tables() t
     JOIN runs r ON r.run_id = TRY_CAST(regexp_extract(t.table_name, '__rebuild_([0-9]+)$', 1) AS BIGINT)
     WHERE t.schema_name = 'main' AND NOT t.temporary AND regexp_matches(t.table_name, '.+__rebuild_[0-9]+$')
       AND r.status <> 'running'`,
  );
  for (const { name } of tables) await catalog.run(`DROP TABLE IF EXISTS ${ident(name)}`);
}

/** A staging folder an import of this process made: `<import id>-<8 hex digits>`. */
const STAGING_DIR = /^\d+-[0-9a-f]{8}$/;
/** A lake file an import wrote: `import-<id>-<staging folder>-import-<id>-<n>.parquet` (commit.ts names them). */
const LAKE_FILE = /^import-(\d+)-\1-[0-9a-f]{8}-import-\1-\d+\.parquet$/;

/**
 * Crash recovery for the lake, which removes only what Recount can prove it wrote itself. Moves a crash left half-done
 * after the catalog committed them are finished (rolled forward); staging folders of imports that never committed are
 * removed; a file in the lake's partitions that Recount named but the catalog does not list (an import that died
 * before its commit, from before commits moved files only afterwards) is removed. Anything else in the lake, a
 * user's own Parquet file, a `_SUCCESS` marker, notes, is another tool's and is left as it is, and reported. Runs
 * under DuckDB's file lock, so no other import can be in flight.
 */
async function recoverLake(paths: WorkspacePaths, catalog: Connection): Promise<RecoveryReport> {
  const pendingDirs = new Set(
    (await catalog.all<{ staged: string }>('SELECT staged_path AS staged FROM pending_moves')).map(
      (r) => r.staged.split(/[\\/]/)[2] as string,
    ),
  );
  const rolledForward = pendingDirs.size > 0 ? await finishMoves({ dir: paths.root, paths }, catalog) : 0;
  let stagingRemoved = 0;
  const foreign: string[] = [];
  for (const entry of await readdir(paths.staging).catch(() => [] as string[])) {
    if (STAGING_DIR.test(entry)) {
      await rm(join(paths.staging, entry), { recursive: true, force: true });
      stagingRemoved++;
    } else foreign.push(join('lake', '_staging', entry));
  }
  await rm(paths.tmp, { recursive: true, force: true }).catch(() => {});
  await mkdir(paths.tmp, { recursive: true });

  const committed = new Set((await catalog.all<{ path: string }>('SELECT path FROM lake_files')).map((r) => r.path));
  const imports = new Set(
    (await catalog.all<{ id: number }>('SELECT import_id::DOUBLE AS id FROM imports')).map((r) => Number(r.id)),
  );
  let orphansRemoved = 0;
  const emptied = new Set<string>();
  for (const rel of await listFilesRecursive(paths.lakeEvents)) {
    const path = join('lake', 'events', rel);
    if (committed.has(path)) continue;
    const ours = LAKE_FILE.exec(basename(rel));
    if (ours && /^event_date=[^/\\]+$/.test(dirname(rel)) && !imports.has(Number(ours[1]))) {
      await rm(join(paths.root, path), { force: true });
      orphansRemoved++;
      emptied.add(dirname(rel));
    } else foreign.push(path);
  }
  // A partition folder emptied of Recount's own orphans would look like an empty partition to other readers.
  for (const dir of emptied) await rmdir(join(paths.lakeEvents, dir)).catch(() => {});
  return { stagingRemoved, orphansRemoved, rolledForward, foreign };
}

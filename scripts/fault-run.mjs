#!/usr/bin/env node
// `npm run fault-run`: fault injection against the built CLI, not part of `npm test`.
//
// Generates NDJSON event files whose truth it knows, puts files of the user's own into the lake beside Recount's,
// then N times starts an import of a file not yet committed, a `run` or a `run --full` as a child process and
// SIGKILLs it after a random delay, uniform over [0, margin × the operation's uncrashed duration): measured once per
// file for imports; for runs, measured once on the whole lake and scaled to the dates the run has to compute; both
// rescaled by a pace that follows what the operations are seen to take (the machine's load changes during a run).
// After each kill, before Recount opens the workspace again, a DuckDB of its own (the outside reader) counts the rows
// of every Parquet file in the lake's partitions: they must be the committed rows before the operation or after it,
// never anything in between, and none may be in a file the catalog does not list. Then `recount status` (which opens
// and recovers the workspace) must exit 0, and the lake must hold exactly the catalog's files and the user's
// (unchanged), with nothing left in staging. At the end every file is imported and the batch run to completion, and
// the totals are compared with the generator's truth, with a second computation by DuckDB over the source files, and
// with a workspace that never crashed.
//
// Only the CLI and @duckdb/node-api are used: nothing of Recount's internals is imported. The CLI under test is a copy
// of bin/, dist/ and the runtime node_modules taken at the start, so a rebuild or an `npm install` while the run goes
// on does not change what is tested.
//
//   node scripts/fault-run.mjs [--kills 100] [--seed 1] [--files 12] [--min-events 10000] [--max-events 20000]
//                              [--margin 1.25] [--timezone Asia/Kolkata] [--probe-moves 0]
//                              [--out .bench/fault-run.json] [--keep]
//
// --probe-moves K first kills K imports at the moment their first file appears in a partition (while the commit moves
// files out of staging), to show what an outside reader sees then; those kills are reported apart from the N.
// Exit status 1 if any invariant failed (the workspace is then kept for inspection).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The CLI under test: a copy of bin/, dist/ and the runtime dependencies (snapshotCli). */
let BIN = join(ROOT, 'bin', 'recount.js');

const { values: args } = parseArgs({
  options: {
    kills: { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    files: { type: 'string', default: '12' },
    'min-events': { type: 'string', default: '10000' },
    'max-events': { type: 'string', default: '20000' },
    margin: { type: 'string', default: '1.25' },
    timezone: { type: 'string', default: 'Asia/Kolkata' },
    'probe-moves': { type: 'string', default: '0' },
    out: { type: 'string', default: join(ROOT, '.bench', 'fault-run.json') },
    keep: { type: 'boolean', default: false },
  },
});
const KILLS = Number(args.kills);
const SEED = Number(args.seed);
const FILES = Number(args.files);
const MIN_EVENTS = Number(args['min-events']);
const MAX_EVENTS = Number(args['max-events']);
const MARGIN = Number(args.margin);
const TIMEZONE = args.timezone;
const PROBES = Number(args['probe-moves']);
const OUT = resolve(args.out);
for (const [name, value] of Object.entries({ KILLS, SEED, FILES, MIN_EVENTS, MAX_EVENTS, MARGIN, PROBES })) {
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name.toLowerCase()} must be a non-negative number`);
}

const wallStart = performance.now();
const log = (line) => process.stdout.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------------------------
// Seeded randomness: one stream for the data, one for the kill schedule (so --kills does not change the data).

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const dataRng = mulberry32(SEED * 7919 + 1);
const killRng = mulberry32(SEED * 104729 + 2);
const int = (rng, lo, hi) => lo + Math.floor(rng() * (hi - lo + 1));
const pick = (rng, list) => list[Math.floor(rng() * list.length)];
const hex = (rng, n) => Array.from({ length: n }, () => Math.floor(rng() * 16).toString(16)).join('');
const uuid = (rng) =>
  `${hex(rng, 8)}-${hex(rng, 4)}-4${hex(rng, 3)}-${pick(rng, ['8', '9', 'a', 'b'])}${hex(rng, 3)}-${hex(rng, 12)}`;

// ---------------------------------------------------------------------------------------------------------------
// The generator: shop sessions in the README's event format (event_id, event_type, occurred_at, user fields, and
// order_id, amount, items on payments). Duplicates are exact copies of a line (same event_id, same content): within a
// file, and lines of earlier files sent again in a later one. The lake keeps every arrival (raw_events); `events` keeps
// one row per event_id.

const START_MS = Date.UTC(2026, 8, 1); // 2026-09-01T00:00Z
const DAYS = 30;
const DAY_MS = 86_400_000;
const PRODUCTS = Array.from({ length: 40 }, (_, i) => ({ id: `P${1000 + i}`, cents: 199 + ((i * 7919) % 25_000) }));
const COUNTRIES = ['AU', 'BR', 'DE', 'IN', 'JP', 'US', 'GB', 'FR'];
const DEVICES = ['mobile', 'desktop', 'tablet'];
const METHODS = ['card', 'upi', 'wallet'];
const money = (cents) => cents / 100;

function session(rng, fromMs, spanMs, out) {
  let t = fromMs + Math.floor(rng() * spanMs);
  const base = {
    user_id: `U${String(int(rng, 1, 6000)).padStart(6, '0')}`,
    session_id: uuid(rng),
    country: pick(rng, COUNTRIES),
    device: pick(rng, DEVICES),
  };
  const push = (event_type, extra = {}) => {
    out.push({ event_id: uuid(rng), event_type, occurred_at: new Date(t).toISOString(), ...base, ...extra });
  };
  push('UserVisitedWebsite');
  if (rng() >= 0.55) return;
  const cart = [];
  for (let n = int(rng, 1, 3); n > 0; n--) {
    t += int(rng, 5_000, 300_000);
    const product = pick(rng, PRODUCTS);
    const quantity = int(rng, 1, 3);
    cart.push({ product_id: product.id, quantity, cents: product.cents });
    push('ItemAddedToCart', { product_id: product.id, quantity, price: money(product.cents) });
  }
  if (rng() >= 0.6) return;
  const amountCents = cart.reduce((sum, item) => sum + item.quantity * item.cents, 0);
  const items = cart.map((item) => ({ product_id: item.product_id, quantity: item.quantity, price: money(item.cents) }));
  const order = { order_id: `O${hex(rng, 12).toUpperCase()}`, amount: money(amountCents) };
  t += int(rng, 10_000, 600_000);
  push('CheckOutCart', { ...order, items });
  t += int(rng, 1_000, 60_000);
  push('PaymentInitiated', { ...order, method: pick(rng, METHODS) });
  t += int(rng, 1_000, 30_000);
  if (rng() < 0.85) push('PaymentSucceeded', { ...order, items });
  else push('PaymentFailed', { ...order, reason: pick(rng, ['declined', 'timeout', 'insufficient_funds']) });
}

/** An instant's partition date: its local date in the workspace's time zone. */
const localDate = (() => {
  const format = new Intl.DateTimeFormat('en-CA', { timeZone: TIMEZONE, year: 'numeric', month: '2-digit', day: '2-digit' });
  return (iso) => format.format(new Date(iso));
})();

/** Writes FILES NDJSON files; returns them with their line counts, and the unique events across all of them. */
async function generate(dir) {
  const files = [];
  const unique = new Map();
  for (let k = 0; k < FILES; k++) {
    const target = int(dataRng, MIN_EVENTS, MAX_EVENTS);
    // Each file an export of a window of days: from a few days to the whole month.
    const days = int(dataRng, 4, DAYS);
    const firstDay = int(dataRng, 0, DAYS - days);
    const events = [];
    while (events.length < target) session(dataRng, START_MS + firstDay * DAY_MS, days * DAY_MS, events);
    events.sort((a, b) => (a.occurred_at < b.occurred_at ? -1 : a.occurred_at > b.occurred_at ? 1 : 0));
    const lines = events.map((e) => JSON.stringify(e));
    // Exact repeats within the file (a client that retried), placed later than the original.
    const repeats = Math.round(lines.length * 0.015);
    for (let r = 0; r < repeats; r++) {
      const from = Math.floor(dataRng() * lines.length);
      const at = from + 1 + Math.floor(dataRng() * (lines.length - from));
      lines.splice(at, 0, lines[from]);
    }
    // Lines of earlier files sent again (an overlapping export).
    if (k > 0) {
      for (let r = Math.round(lines.length * 0.005); r > 0; r--) {
        const earlier = files[Math.floor(dataRng() * k)];
        lines.splice(Math.floor(dataRng() * lines.length), 0, earlier.lines[Math.floor(dataRng() * earlier.lines.length)]);
      }
    }
    for (const e of events) unique.set(e.event_id, e);
    const path = join(dir, `events-${String(k + 1).padStart(2, '0')}.ndjson`);
    await writeFile(path, `${lines.join('\n')}\n`);
    // The partitions the file's rows land in (its copies of earlier lines included).
    const dates = [...new Set(lines.map((line) => localDate(JSON.parse(line).occurred_at)))].sort();
    files.push({ name: relative(dir, path), path, lines, rows: lines.length, dates });
  }
  return { files: files.map(({ lines: _lines, ...f }) => f), unique };
}

/** daily_visits and daily_orders from the generator's own records (integer cents): the first of two second opinions. */
function truthSummaries(unique) {
  const visits = new Map();
  const orders = new Map();
  for (const e of unique.values()) {
    const date = localDate(e.occurred_at);
    if (e.event_type === 'UserVisitedWebsite') {
      const v = visits.get(date) ?? { visits: 0, users: new Set() };
      v.visits++;
      v.users.add(e.user_id);
      visits.set(date, v);
    } else if (e.event_type === 'PaymentSucceeded') {
      const o = orders.get(date) ?? { orders: new Set(), cents: 0 };
      o.orders.add(e.order_id);
      o.cents += Math.round(e.amount * 100);
      orders.set(date, o);
    }
  }
  const sorted = (map) => [...map.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  return {
    daily_visits: sorted(visits).map(([d, v]) => ({ event_date: d, visits: v.visits, visitors: v.users.size })),
    daily_orders: sorted(orders).map(([d, o]) => ({
      event_date: d,
      orders: o.orders.size,
      revenue: `${Math.floor(o.cents / 100)}.${String(o.cents % 100).padStart(2, '0')}`,
    })),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Child processes: the CLI, and nothing else of Recount's.

const childEnv = { ...process.env };
delete childEnv.RECOUNT_WORKSPACE;

/** Runs `recount ARGS`; with `killAfterMs`, SIGKILLs it then unless it ended first. */
function recount(cliArgs, { killAfterMs } = {}) {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, ...cliArgs], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let timer;
    let killSentAt;
    if (killAfterMs !== undefined) {
      timer = setTimeout(() => {
        killSentAt = performance.now() - started;
        child.kill('SIGKILL');
      }, killAfterMs);
    }
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr, ms: performance.now() - started, killed: signal === 'SIGKILL', killSentAt });
    });
  });
}

async function recountOk(cliArgs) {
  const result = await recount(cliArgs);
  if (result.code !== 0) {
    throw new Error(`recount ${cliArgs.join(' ')} exited ${result.code ?? result.signal}:\n${result.stderr}${result.stdout}`);
  }
  return result;
}

async function query(ws, sql) {
  const result = await recountOk(['query', sql, '--workspace', ws, '--format', 'json']);
  return JSON.parse(result.stdout);
}

// ---------------------------------------------------------------------------------------------------------------
// The outside reader: a DuckDB of its own, in memory, reading the lake's Parquet files as another tool would, in
// three layouts: one level of folders (`*/*.parquet`), the README's hive layout (`event_date=*/*.parquet`, hive
// partitioning on, as Spark or Trino read it) and every Parquet file at any depth (`**/*.parquet`).

const GLOBS = {
  flat: { glob: '*/*.parquet', options: 'hive_partitioning = false' },
  hive: { glob: 'event_date=*/*.parquet', options: "hive_partitioning = true, hive_types = {'event_date': DATE}" },
  recursive: { glob: '**/*.parquet', options: 'hive_partitioning = false' },
};

async function outsideReader(ws, foreign) {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const byGlob = {};
    let files = new Map();
    for (const [name, { glob, options }] of Object.entries(GLOBS)) {
      const path = join(ws, 'lake', 'events', glob).replace(/'/g, "''");
      let rows = [];
      try {
        const reader = await connection.runAndReadAll(
          `SELECT filename, count(*)::BIGINT AS n FROM read_parquet('${path}', filename = true, union_by_name = true, ${options})
           GROUP BY filename`,
        );
        rows = reader.getRowObjectsJson();
      } catch (error) {
        if (!/No files found/i.test(error.message)) throw error;
      }
      const seen = { recountRows: 0, foreignRows: 0, recountFiles: 0 };
      const perFile = new Map();
      for (const row of rows) {
        const rel = relative(ws, row.filename);
        const n = Number(row.n);
        perFile.set(rel, n);
        if (foreign.has(rel)) seen.foreignRows += n;
        else {
          seen.recountRows += n;
          seen.recountFiles++;
        }
      }
      byGlob[name] = seen;
      if (name === 'recursive') files = perFile;
    }
    return { byGlob, files };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The user's own files in the lake, which Recount must leave exactly as they are.

async function sha256(path) {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

async function placeForeignFiles(ws) {
  const lake = join(ws, 'lake', 'events');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const parquet = async (rel, sql) => {
    await mkdir(dirname(join(ws, rel)), { recursive: true });
    await connection.run(`COPY (${sql}) TO '${join(ws, rel).replace(/'/g, "''")}' (FORMAT parquet)`);
  };
  // A Parquet file of the user's in a partition Recount writes to, with rows and columns of its own.
  await parquet(
    'lake/events/event_date=2026-09-15/mine.parquet',
    `SELECT range AS n, 'mine' AS owner, range * 1.5 AS score FROM range(37)`,
  );
  // A foreign subfolder beside the partitions: its Parquet is one level down, so `*/*.parquet` globs it.
  await parquet('lake/events/exports/summary.parquet', `SELECT range AS k, 'exported' AS what FROM range(11)`);
  await writeFile(join(lake, 'exports', 'README.md'), '# my exports\n');
  // A subfolder inside a partition: only a recursive glob reaches it.
  await parquet('lake/events/event_date=2026-09-20/backup/old.parquet', `SELECT range AS old FROM range(5)`);
  await writeFile(join(lake, '_SUCCESS'), '');
  await writeFile(join(lake, 'notes.txt'), 'These partitions are read by my Spark job too. Do not delete.\n');
  // A folder of the user's in staging: Recount removes only the staging folders it names itself.
  await mkdir(join(ws, 'lake', '_staging', 'keep'), { recursive: true });
  await writeFile(join(ws, 'lake', '_staging', 'keep', 'scratch.txt'), 'mine\n');
  connection.closeSync();
  instance.closeSync();

  const files = [
    'lake/events/event_date=2026-09-15/mine.parquet',
    'lake/events/exports/summary.parquet',
    'lake/events/exports/README.md',
    'lake/events/event_date=2026-09-20/backup/old.parquet',
    'lake/events/_SUCCESS',
    'lake/events/notes.txt',
    'lake/_staging/keep/scratch.txt',
  ];
  const hashes = new Map();
  for (const rel of files) hashes.set(rel, await sha256(join(ws, rel)));
  // Rows of the user's each glob counts: mine.parquet (37) is in a partition, summary.parquet (11) one level down,
  // old.parquet (5) two levels down.
  const foreignRows = { flat: 37 + 11, hive: 37, recursive: 37 + 11 + 5 };
  // What `status` reports as files Recount did not write: the lake's files, and staging's foreign folder by name.
  const reported = [...files.filter((f) => f.startsWith('lake/events/')), 'lake/_staging/keep'].sort();
  return { hashes, foreignRows, reported };
}

async function listFiles(dir, base = dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path, base)));
    else out.push(relative(base, path));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Checks after each operation.

async function pipelineTables(ws) {
  const names = (await readdir(join(ws, 'pipelines'))).filter((f) => f.endsWith('.sql')).sort();
  const out = [];
  for (const file of names) {
    const sql = await readFile(join(ws, 'pipelines', file), 'utf8');
    const grain = /^--\s*grain:\s*(\w+)/m.exec(sql)?.[1] ?? 'day';
    out.push({ name: file.slice(0, -4), column: { day: 'event_date', week: 'week_start', month: 'month_start' }[grain] });
  }
  return out;
}

/** Rows of summary partitions whose table rows differ from the rows and checksum committed with their state. */
function inconsistencySql(pipelines, tables) {
  return pipelines
    .filter((p) => tables.has(p.name))
    .map(
      (p) => `SELECT 'bad' AS k, '${p.name}/' || coalesce(a.partition, s.partition)::VARCHAR AS v,
        coalesce(a.rows, -1)::BIGINT AS n
      FROM (SELECT ${p.column} AS partition, count(*)::BIGINT AS rows,
              md5(coalesce(string_agg(CAST(r AS VARCHAR), chr(10) ORDER BY CAST(r AS VARCHAR)), '')) AS checksum
            FROM ${p.name} AS r GROUP BY 1) a
      FULL OUTER JOIN (SELECT * FROM pipeline_partitions WHERE pipeline = '${p.name}') s USING (partition)
      WHERE a.checksum IS DISTINCT FROM s.checksum AND NOT (a.partition IS NULL AND s.rows = 0)`,
    );
}

/**
 * The catalog after recovery, through `recount query`: committed files and imports, moves still pending, runs, tables;
 * with `checkTables`, also every summary partition of those pipelines (run-crash.test.ts's check) whose table rows are
 * not the ones committed with its state: none may be doubled or half-written.
 */
async function catalogState(ws, pipelines = [], checkTables = new Set()) {
  const rows = await query(
    ws,
    [
      `SELECT 'file' AS k, path AS v, rows::BIGINT AS n FROM lake_files
       UNION ALL SELECT 'import', source_path, rows::BIGINT FROM imports
       UNION ALL SELECT 'pending', final_path, 0 FROM pending_moves
       UNION ALL SELECT 'run', status, count(*)::BIGINT FROM runs GROUP BY status
       UNION ALL SELECT 'table', table_name, 0 FROM duckdb_tables() WHERE NOT temporary`,
      ...inconsistencySql(pipelines, checkTables),
    ].join('\nUNION ALL\n'),
  );
  const of = (k) => rows.filter((r) => r.k === k);
  return {
    files: new Map(of('file').map((r) => [r.v, Number(r.n)])),
    imports: new Map(of('import').map((r) => [r.v, Number(r.n)])),
    pending: of('pending').map((r) => r.v),
    runs: Object.fromEntries(of('run').map((r) => [r.v, Number(r.n)])),
    tables: new Set(of('table').map((r) => r.v)),
    inconsistent: of('bad').map((r) => ({ partition: r.v, tableRows: Number(r.n) })),
  };
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * Copies the built CLI into `dir`: bin/, dist/, package.json and the runtime dependencies (package.json's
 * `dependencies` and theirs, as node_modules holds them), so that a rebuild or an `npm install` while the run goes on
 * changes nothing of what is tested.
 */
async function snapshotCli(dir) {
  await cp(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
  await cp(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  await cp(join(ROOT, 'package.json'), join(dir, 'package.json'));
  const manifest = async (path) => JSON.parse(await readFile(join(path, 'package.json'), 'utf8'));
  const queue = Object.keys((await manifest(dir)).dependencies ?? {});
  const copied = new Set();
  while (queue.length > 0) {
    const name = queue.shift();
    if (copied.has(name)) continue;
    const source = join(ROOT, 'node_modules', name);
    const present = await stat(source).then(
      () => true,
      () => false,
    );
    if (!present) continue; // an optional dependency of another platform (or not installed: the CLI check below says)
    copied.add(name);
    await cp(source, join(dir, 'node_modules', name), { recursive: true, dereference: true });
    const pkg = await manifest(source);
    queue.push(...Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }));
  }
  const bin = join(dir, 'bin', 'recount.js');
  const check = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`the copied CLI does not start: ${check.stderr}`);
  return bin;
}

function gitDescribe() {
  const git = (...a) => spawnSync('git', a, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
  return {
    commit: git('rev-parse', 'HEAD'),
    uncommittedChanges: git('status', '--porcelain').split('\n').filter(Boolean).length,
  };
}

/** A Recount lake file name (commit.ts names them `import-<id>-<staging folder>-import-<id>-<n>.parquet`). */
const RECOUNT_FILE = /^import-\d+-.*\.parquet$/;

/** Starts an import and SIGKILLs it as soon as a Recount file the lake did not hold appears in a partition. */
async function importKilledAtFirstMove(ws, path) {
  const lake = join(ws, 'lake', 'events');
  const scan = async () => {
    const found = [];
    for (const dir of await readdir(lake).catch(() => [])) {
      if (!dir.startsWith('event_date=')) continue;
      for (const name of await readdir(join(lake, dir)).catch(() => []))
        if (RECOUNT_FILE.test(name)) found.push(`${dir}/${name}`);
    }
    return found;
  };
  const known = new Set(await scan());
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'import', path, '--workspace', ws], { cwd: ROOT, env: childEnv, stdio: 'ignore' });
  let ended = false;
  const closed = new Promise((resolvePromise) =>
    child.on('close', (code, signal) => {
      ended = true;
      resolvePromise({ code, signal });
    }),
  );
  let killSentAt;
  while (!ended) {
    if ((await scan()).some((f) => !known.has(f))) {
      killSentAt = Math.round(performance.now() - started);
      child.kill('SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  const { code, signal } = await closed;
  return { code, signal, killed: signal === 'SIGKILL', killSentAt, ms: performance.now() - started };
}

function newStats() {
  return {
    kills: 0,
    killsByKind: { import: 0, run: 0, rerun: 0 },
    midOperation: 0,
    afterCompletion: 0,
    byKind: {
      import: { mid: 0, after: 0, committedWhenKilledMid: 0 },
      run: { mid: 0, after: 0 },
      rerun: { mid: 0, after: 0 },
    },
    maxUncommittedRowsSeen: 0,
    inBetweenReads: 0,
    inBetweenReadsOfCommittedFilesOnly: 0,
    maxInBetweenRowsSeen: 0,
    readerCatalogDisagreements: 0,
    globDisagreements: 0,
    orphans: 0,
    missingCommittedFiles: 0,
    leftoverStaging: 0,
    pendingMovesAfterRecovery: 0,
    foreignRemoved: 0,
    foreignChanged: 0,
    foreignReportMismatches: 0,
    statusFailures: 0,
    summaryInconsistencies: 0,
    runsStillMarkedRunning: 0,
    unexpectedExits: 0,
  };
}

async function main(report) {
  const root = await mkdtemp(join(tmpdir(), 'recount-fault-'));
  report.tempDir = root;
  const dataDir = join(root, 'data');
  const ws = join(root, 'ws');
  const refWs = join(root, 'reference-ws');
  await mkdir(dataDir, { recursive: true });
  BIN = await snapshotCli(join(root, 'cli'));
  report.tested = { ...gitDescribe(), cli: 'copy of bin/, dist/ and the runtime node_modules taken at the start' };
  log(`fault run: seed ${SEED}, ${KILLS} kills, ${FILES} files, workspace ${ws}`);

  // --- Data and its truth.
  const genStart = performance.now();
  const { files, unique } = await generate(dataDir);
  const rowsTotal = files.reduce((s, f) => s + f.rows, 0);
  const allDates = [...new Set(files.flatMap((f) => f.dates))].sort();
  const truth = truthSummaries(unique);
  report.data = {
    files: files.length,
    rows: rowsTotal,
    distinctEvents: unique.size,
    duplicateArrivals: rowsTotal - unique.size,
    partitions: allDates.length,
    dates: `${allDates[0]} … ${allDates[allDates.length - 1]}`,
    timezone: TIMEZONE,
    perFile: files.map((f) => ({ name: f.name, rows: f.rows, dates: `${f.dates[0]} … ${f.dates[f.dates.length - 1]}` })),
  };
  log(
    `generated ${files.length} files, ${rowsTotal} lines, ${unique.size} distinct events ` +
      `(${rowsTotal - unique.size} duplicate arrivals) over ${allDates.length} dates in ${((performance.now() - genStart) / 1000).toFixed(1)} s`,
  );

  // --- Calibration: each operation uncrashed, in a workspace of its own (afterwards the uncrashed reference).
  await recountOk(['init', '--workspace', refWs, '--timezone', TIMEZONE]);
  const calibration = { import: {}, runWholeLake: 0, rerunWholeLake: 0, runNothingStale: 0 };
  for (const f of files) calibration.import[f.name] = Math.round((await recountOk(['import', f.path, '--workspace', refWs])).ms);
  calibration.runWholeLake = Math.round((await recountOk(['run', '--workspace', refWs])).ms);
  calibration.rerunWholeLake = Math.round((await recountOk(['run', '--full', '--workspace', refWs])).ms);
  calibration.runNothingStale = Math.round((await recountOk(['run', '--workspace', refWs])).ms);
  report.calibrationMs = calibration;
  const importMs = Object.values(calibration.import);
  log(
    `calibration (uncrashed): import ${Math.min(...importMs)}–${Math.max(...importMs)} ms; over all ${allDates.length} dates ` +
      `run ${calibration.runWholeLake} ms, run --full ${calibration.rerunWholeLake} ms; run with nothing stale ` +
      `${calibration.runNothingStale} ms`,
  );
  // A run's duration: its start and end (a run with nothing to do) and a share per date it computes.
  const perDate = (whole) => Math.max(0, whole - calibration.runNothingStale) / allDates.length;
  const runEstimate = (kind, dates) =>
    Math.round(
      calibration.runNothingStale + perDate(kind === 'run' ? calibration.runWholeLake : calibration.rerunWholeLake) * dates,
    );

  // --- The workspace under test, with the user's files in its lake.
  await recountOk(['init', '--workspace', ws, '--timezone', TIMEZONE]);
  const foreign = await placeForeignFiles(ws);
  const foreignSet = new Set(foreign.hashes.keys());
  const pipelines = await pipelineTables(ws);
  /** Summary tables known to exist (a run creates them), checked with the catalog after every run. */
  const summaryTables = new Set();

  const committed = new Set(); // names of the files whose import is committed (the catalog's word, after recovery)
  const committedRows = () => files.filter((f) => committed.has(f.name)).reduce((s, f) => s + f.rows, 0);
  /** Dates with committed data, and those imported since the last run that completed (what a `run` computes at most). */
  const dataDates = () => new Set(files.filter((f) => committed.has(f.name)).flatMap((f) => f.dates));
  let staleDates = new Set();
  const failures = [];
  report.failures = failures;
  const fail = (message, detail = {}) => {
    failures.push({ message, ...detail });
    log(`  FAIL ${message}`);
  };

  /** The checks after an operation (killed or not): outside reader first, then status, then the catalog. */
  async function check(stats, label, op, before, expectedAfter) {
    const record = { label, ...op, before, expectedAfter };
    // 1. Before Recount opens the workspace again: what another tool reading the lake sees.
    const seen = await outsideReader(ws, foreignSet);
    const rows = seen.byGlob.flat.recountRows;
    record.seen = rows;
    for (const [name, g] of Object.entries(seen.byGlob)) {
      if (g.recountRows !== rows) {
        stats.globDisagreements++;
        fail(`${label}: glob ${name} sees ${g.recountRows} of Recount's rows, flat glob ${rows}`);
      }
      if (g.foreignRows !== foreign.foreignRows[name]) {
        fail(`${label}: glob ${name} sees ${g.foreignRows} rows of the user's files, expected ${foreign.foreignRows[name]}`);
      }
    }
    const inBetween = rows !== before && rows !== expectedAfter;
    const readerSaysCommitted = op.kind === 'import' && rows === expectedAfter && expectedAfter !== before;

    // 2. Recount opens (and recovers) the workspace.
    const status = await recount(['status', '--workspace', ws, '--json']);
    record.statusExit = status.code;
    let reportedForeign = [];
    if (status.code !== 0) {
      stats.statusFailures++;
      fail(`${label}: status exited ${status.code ?? status.signal}: ${status.stderr.trim().split('\n')[0]}`);
    } else {
      reportedForeign = [...(JSON.parse(status.stdout).foreignFiles ?? [])].sort();
    }
    if (status.code === 0 && JSON.stringify(reportedForeign) !== JSON.stringify(foreign.reported)) {
      stats.foreignReportMismatches++;
      fail(
        `${label}: status reports foreign files ${JSON.stringify(reportedForeign)}, expected ${JSON.stringify(foreign.reported)}`,
      );
    }

    // 3. The catalog after recovery, and the lake against it (after a run, with the summary tables checked).
    const runKind = op.kind === 'run' || op.kind === 'rerun' || op.kind === 'final';
    const catalog = await catalogState(ws, pipelines, runKind ? summaryTables : new Set());
    if (op.kind === 'import') {
      const nowCommitted = catalog.imports.has(op.path);
      record.committed = nowCommitted;
      if (nowCommitted) {
        committed.add(op.file);
        for (const d of files.find((f) => f.name === op.file).dates) staleDates.add(d);
      }
      if (!inBetween && nowCommitted !== readerSaysCommitted) {
        stats.readerCatalogDisagreements++;
        fail(
          `${label}: the outside reader saw ${rows} rows (committed: ${readerSaysCommitted}), the catalog says ${nowCommitted}`,
        );
      }
      if (!op.killed && op.exit === 0 && !nowCommitted) fail(`${label}: the import exited 0 but is not in the catalog`);
    }
    // Rows visible to the outside reader in files the catalog does not list after recovery: uncommitted rows.
    let uncommitted = 0;
    for (const [rel, n] of seen.files) if (!foreignSet.has(rel) && !catalog.files.has(rel)) uncommitted += n;
    record.uncommittedRowsSeen = uncommitted;
    stats.maxUncommittedRowsSeen = Math.max(stats.maxUncommittedRowsSeen, uncommitted);
    if (uncommitted > 0) fail(`${label}: ${uncommitted} rows were visible in files the catalog does not list`);
    if (inBetween) {
      record.inBetween = true;
      stats.inBetweenReads++;
      if (uncommitted === 0) stats.inBetweenReadsOfCommittedFilesOnly++;
      stats.maxInBetweenRowsSeen = Math.max(stats.maxInBetweenRowsSeen, Math.abs(rows - before));
      fail(
        `${label}: the outside reader saw ${rows} of Recount's rows in ${seen.byGlob.flat.recountFiles} files: neither ` +
          `${before} (before) nor ${expectedAfter} (after); ${uncommitted} of them in files the catalog does not list, ` +
          `the import ${record.committed ? 'committed (its moves rolled forward at the next open)' : 'not committed'}`,
        { op, seen: rows, before, expectedAfter },
      );
    }

    const onDisk = (await listFiles(join(ws, 'lake', 'events'))).map((p) => join('lake', 'events', p));
    const orphans = onDisk.filter((p) => !catalog.files.has(p) && !foreignSet.has(p));
    const missing = [...catalog.files.keys()].filter((p) => !onDisk.includes(p));
    if (orphans.length) {
      stats.orphans += orphans.length;
      fail(`${label}: ${orphans.length} files in the lake the catalog does not list: ${orphans.slice(0, 3).join(', ')}`);
    }
    if (missing.length) {
      stats.missingCommittedFiles += missing.length;
      fail(`${label}: ${missing.length} committed files missing: ${missing.slice(0, 3).join(', ')}`);
    }
    const catalogRows = [...catalog.files.values()].reduce((s, n) => s + n, 0);
    if (catalogRows !== committedRows()) {
      fail(`${label}: the catalog lists ${catalogRows} rows, the committed files hold ${committedRows()}`);
    }
    if (catalog.pending.length) {
      stats.pendingMovesAfterRecovery += catalog.pending.length;
      fail(`${label}: ${catalog.pending.length} moves still pending after recovery`);
    }
    const staging = (await readdir(join(ws, 'lake', '_staging')).catch(() => [])).filter((e) => e !== 'keep');
    if (staging.length) {
      stats.leftoverStaging += staging.length;
      fail(`${label}: staging holds ${staging.join(', ')} after recovery`);
    }
    if (catalog.runs.running) {
      stats.runsStillMarkedRunning += catalog.runs.running;
      fail(`${label}: ${catalog.runs.running} runs still marked running after recovery`);
    }
    for (const [rel, hash] of foreign.hashes) {
      const present = await stat(join(ws, rel)).then(
        () => true,
        () => false,
      );
      if (!present) {
        stats.foreignRemoved++;
        fail(`${label}: the user's ${rel} was removed`);
      } else if ((await sha256(join(ws, rel))) !== hash) {
        stats.foreignChanged++;
        fail(`${label}: the user's ${rel} was changed`);
      }
    }
    if (runKind) {
      // Tables this run created were not known when the query was written: checked now, once.
      const created = new Set(pipelines.map((p) => p.name).filter((n) => catalog.tables.has(n) && !summaryTables.has(n)));
      for (const name of created) summaryTables.add(name);
      const bad = [...catalog.inconsistent, ...(created.size ? (await catalogState(ws, pipelines, created)).inconsistent : [])];
      if (bad.length) {
        stats.summaryInconsistencies += bad.length;
        fail(`${label}: ${bad.length} summary partitions differ from their committed state: ${JSON.stringify(bad.slice(0, 3))}`);
      }
    }
    record.interruptedRuns = catalog.runs.interrupted ?? 0;
    return record;
  }

  // --- Optional probe: imports killed while their commit moves files into the partitions.
  const probeStats = newStats();
  const probeLog = [];
  for (let i = 1; i <= PROBES && i <= files.length; i++) {
    const file = files.find((f) => !committed.has(f.name));
    const before = committedRows();
    const result = await importKilledAtFirstMove(ws, file.path);
    probeStats.kills++;
    probeStats.killsByKind.import++;
    probeStats.byKind.import[result.killed ? 'mid' : 'after']++;
    const op = { kind: 'import', file: file.name, path: file.path, killedAtMs: result.killSentAt, killed: result.killed };
    const record = await check(probeStats, `probe ${i} ${file.name}`, op, before, before + file.rows);
    probeLog.push(record);
    log(
      `probe ${i}: ${file.name} killed at ${result.killSentAt ?? '-'} ms, at its first file in a partition: reader ` +
        `${record.seen} (before ${before}, after ${before + file.rows}), ${record.committed ? 'committed' : 'not committed'}`,
    );
  }
  if (PROBES > 0) report.probeMoves = { ...probeStats, log: probeLog.map(({ path: _path, ...h }) => h) };

  // --- The kills.
  const stats = newStats();
  Object.assign(report, { stats });
  const history = [];
  report.killsLog = history;
  /** How much longer than calibrated each kind of operation now takes (the machine's load changes during the run). */
  const pace = { import: 1, run: 1, rerun: 1 };
  for (let i = 1; i <= KILLS; i++) {
    const remaining = files.filter((f) => !committed.has(f.name));
    const kind = remaining.length > 0 && killRng() < 0.5 ? 'import' : killRng() < 0.5 ? 'run' : 'rerun';
    const file = kind === 'import' ? pick(killRng, remaining) : undefined;
    const base =
      kind === 'import' ? calibration.import[file.name] : runEstimate(kind, kind === 'run' ? staleDates.size : dataDates().size);
    const estimate = Math.round(base * pace[kind]);
    const delay = Math.round(killRng() * estimate * MARGIN);
    const cliArgs =
      kind === 'import'
        ? ['import', file.path, '--workspace', ws]
        : kind === 'run'
          ? ['run', '--workspace', ws]
          : ['run', '--full', '--workspace', ws];
    const before = committedRows();
    const expectedAfter = kind === 'import' ? before + file.rows : before;
    const result = await recount(cliArgs, { killAfterMs: delay });
    stats.kills++;
    stats.killsByKind[kind]++;
    stats.byKind[kind][result.killed ? 'mid' : 'after']++;
    if (result.killed) stats.midOperation++;
    else stats.afterCompletion++;
    const op = {
      kind,
      ...(file ? { file: file.name, path: file.path } : {}),
      delayMs: delay,
      estimateMs: estimate,
      pace: Number(pace[kind].toFixed(2)),
      fraction: Number((delay / estimate).toFixed(3)),
      killed: result.killed,
      exit: result.code,
      ranMs: Math.round(result.ms),
    };
    if (!result.killed && result.code !== 0) {
      stats.unexpectedExits++;
      fail(`#${i} ${kind}: ended by itself with exit ${result.code ?? result.signal}: ${result.stderr.trim().split('\n')[0]}`);
    }
    // The pace follows the machine's load: an operation that ended by itself says how long it took; one killed past its
    // estimate that had not ended says it takes longer.
    if (!result.killed && result.code === 0) pace[kind] = Math.min(10, Math.max(0.25, (pace[kind] + result.ms / base) / 2));
    else if (result.killed && delay / base > pace[kind]) pace[kind] = Math.min(10, (1.2 * delay) / base);
    // A run that completed leaves nothing stale; a killed one may have computed some of it (the estimate stays an upper bound).
    if (kind !== 'import' && !result.killed && result.code === 0) staleDates = new Set();
    const record = await check(stats, `#${i} ${kind}${file ? ` ${file.name}` : ''}`, op, before, expectedAfter);
    if (kind === 'import' && result.killed && record.committed) stats.byKind.import.committedWhenKilledMid++;
    history.push(record);
    log(
      `#${String(i).padStart(3)} ${kind.padEnd(6)} ${(file?.name ?? '').padEnd(18)} kill at ${String(delay).padStart(5)} ms ` +
        `(${(op.fraction * 100).toFixed(0).padStart(3)}% of ${estimate} ms) ${result.killed ? 'mid-operation ' : 'after it ended'} ` +
        `reader ${record.seen}${kind === 'import' ? ` (before ${before}, after ${expectedAfter})` : ''}` +
        `${kind === 'import' ? (record.committed ? ' committed' : ' not committed') : ''} status ${record.statusExit}`,
    );
  }
  stats.importsCommittedDuringKills = history.filter((h) => h.kind === 'import' && h.committed).length;

  // --- To completion: every file (committed ones must be skipped), then the batch.
  log('finishing: importing every file, then running the batch');
  const finalStats = newStats();
  const finalImport = await recount(['import', ...files.map((f) => f.path), '--workspace', ws, '--json']);
  const importSummary = finalImport.code === 0 ? JSON.parse(finalImport.stdout) : { files: [] };
  if (finalImport.code !== 0) fail(`final import exited ${finalImport.code}: ${finalImport.stderr.trim()}`);
  for (const f of files) {
    const got = importSummary.files.find((r) => r.path === f.path || resolve(r.path) === f.path);
    const want = committed.has(f.name) ? 'skipped' : 'imported';
    if (got?.status !== want) fail(`final import of ${f.name}: ${got?.status ?? 'missing'}, expected ${want}`);
    if (want === 'imported' && got?.rows !== f.rows) fail(`final import of ${f.name}: ${got?.rows} rows, expected ${f.rows}`);
  }
  for (const f of files) committed.add(f.name);
  await check(finalStats, 'final import', { kind: 'import-all' }, rowsTotal, rowsTotal);
  const finalRun = await recount(['run', '--workspace', ws, '--json']);
  const runStatus = finalRun.code === 0 ? JSON.parse(finalRun.stdout).status : `exit ${finalRun.code}`;
  if (!['succeeded', 'nothing-to-do'].includes(runStatus)) fail(`final run: ${runStatus} ${finalRun.stderr.trim()}`);
  const finalRunRecord = await check(finalStats, 'final run', { kind: 'final' }, rowsTotal, rowsTotal);

  // --- Totals: the lake and the summaries against the truth, DuckDB over the sources, and the uncrashed workspace.
  const [counts] = await query(
    ws,
    'SELECT (SELECT count(*) FROM events)::BIGINT AS events, (SELECT count(*) FROM raw_events)::BIGINT AS raw_events',
  );
  const readBack = {
    daily_visits:
      'SELECT event_date::VARCHAR AS event_date, visits::BIGINT AS visits, visitors::BIGINT AS visitors FROM daily_visits ORDER BY 1',
    daily_orders:
      'SELECT event_date::VARCHAR AS event_date, orders::BIGINT AS orders, revenue::VARCHAR AS revenue FROM daily_orders ORDER BY 1',
  };
  const recounted = {};
  for (const [name, sql] of Object.entries(readBack)) recounted[name] = await query(ws, sql);

  const duck = await DuckDBInstance.create(':memory:');
  const connection = await duck.connect();
  await connection.run(`SET TimeZone = '${TIMEZONE}'`);
  const sourceList = `[${files.map((f) => `'${f.path.replace(/'/g, "''")}'`).join(', ')}]`;
  await connection.run(`CREATE TEMP VIEW src AS
    SELECT DISTINCT ON (event_id) *, CAST(timezone('${TIMEZONE}', occurred_at) AS DATE) AS event_date
    FROM read_json(${sourceList}, format = 'newline_delimited',
      columns = {event_id: 'VARCHAR', event_type: 'VARCHAR', occurred_at: 'TIMESTAMPTZ', user_id: 'VARCHAR',
                 order_id: 'VARCHAR', amount: 'DECIMAL(18,2)'})`);
  const duckRows = async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJson();
  const [duckCounts] = await duckRows(
    `SELECT count(*)::BIGINT AS events, (SELECT count(*) FROM read_json(${sourceList}, format = 'newline_delimited',
       columns = {event_id: 'VARCHAR'}))::BIGINT AS raw_events FROM src`,
  );
  const direct = {
    daily_visits: await duckRows(`SELECT event_date::VARCHAR AS event_date, count(*)::BIGINT AS visits,
        count(DISTINCT user_id)::BIGINT AS visitors FROM src WHERE event_type = 'UserVisitedWebsite' GROUP BY 1 ORDER BY 1`),
    daily_orders: await duckRows(`SELECT event_date::VARCHAR AS event_date, count(DISTINCT order_id)::BIGINT AS orders,
        sum(amount)::VARCHAR AS revenue FROM src WHERE event_type = 'PaymentSucceeded' GROUP BY 1 ORDER BY 1`),
  };
  connection.closeSync();
  duck.closeSync();

  const normalize = (rows) => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)])));
  const summaries = {};
  for (const name of Object.keys(readBack)) {
    const a = normalize(recounted[name]);
    const b = normalize(direct[name]);
    const c = normalize(truth[name]);
    const diff = (x, y) => {
      const keyed = new Map(y.map((r) => [r.event_date, JSON.stringify(r)]));
      const dates = new Set([...x.map((r) => r.event_date), ...y.map((r) => r.event_date)]);
      return [...dates].filter((d) => JSON.stringify(x.find((r) => r.event_date === d)) !== keyed.get(d)).length;
    };
    const total = (rows, column) => rows.reduce((s, r) => s + Number(r[column]), 0);
    const metric = name === 'daily_visits' ? 'visits' : 'orders';
    summaries[name] = {
      partitions: a.length,
      [`total_${metric}`]: { recount: total(a, metric), duckdb_over_sources: total(b, metric), generator: total(c, metric) },
      partitionsDifferingFromDuckdb: diff(a, b),
      partitionsDifferingFromGenerator: diff(a, c),
    };
    if (name === 'daily_orders') {
      const cents = (rows) => rows.reduce((s, r) => s + Math.round(Number(r.revenue) * 100), 0);
      summaries[name].total_revenue = {
        recount: (cents(a) / 100).toFixed(2),
        duckdb_over_sources: (cents(b) / 100).toFixed(2),
        generator: (cents(c) / 100).toFixed(2),
      };
    }
    if (summaries[name].partitionsDifferingFromDuckdb || summaries[name].partitionsDifferingFromGenerator) {
      fail(`${name} differs from the second computation`, { summary: summaries[name] });
    }
  }

  // Every summary partition's checksum against the workspace that never crashed (same files, another import order).
  const checksumSql =
    'SELECT pipeline, partition::VARCHAR AS partition, rows::BIGINT AS rows, checksum FROM pipeline_partitions ORDER BY 1, 2';
  const mine = await query(ws, checksumSql);
  const reference = await query(refWs, checksumSql);
  const refMap = new Map(reference.map((r) => [`${r.pipeline}/${r.partition}`, r.checksum]));
  const checksumMismatches = mine.filter((r) => refMap.get(`${r.pipeline}/${r.partition}`) !== r.checksum).length;
  if (checksumMismatches || mine.length !== reference.length) {
    fail(
      `summary checksums differ from the uncrashed workspace: ${checksumMismatches} partitions, ${mine.length} vs ${reference.length}`,
    );
  }

  const finalTotals = {
    events: { expected: unique.size, duckdb_over_sources: Number(duckCounts.events), actual: Number(counts.events) },
    raw_events: { expected: rowsTotal, duckdb_over_sources: Number(duckCounts.raw_events), actual: Number(counts.raw_events) },
    lakeRowsSeenByOutsideReader: { expected: rowsTotal, actual: finalRunRecord.seen },
    finalRun: runStatus,
    summaries,
    checksumsVsUncrashedWorkspace: { partitions: mine.length, reference: reference.length, mismatches: checksumMismatches },
  };
  report.finalTotals = finalTotals;
  for (const [name, t] of Object.entries({ events: finalTotals.events, raw_events: finalTotals.raw_events })) {
    if (t.actual !== t.expected || t.duckdb_over_sources !== t.expected) fail(`final ${name}: ${JSON.stringify(t)}`);
  }
  if (finalRunRecord.seen !== rowsTotal)
    fail(`final lake: the outside reader sees ${finalRunRecord.seen}, expected ${rowsTotal}`);

  const s = stats;
  log('');
  log(
    `kills                      ${s.kills} (import ${s.killsByKind.import}, run ${s.killsByKind.run}, run --full ${s.killsByKind.rerun})`,
  );
  log(
    `  mid-operation            ${s.midOperation} (import ${s.byKind.import.mid}, run ${s.byKind.run.mid}, run --full ${s.byKind.rerun.mid})`,
  );
  log(
    `  after completion         ${s.afterCompletion} (import ${s.byKind.import.after}, run ${s.byKind.run.after}, run --full ${s.byKind.rerun.after})`,
  );
  log(
    `  imports committed        ${s.importsCommittedDuringKills} (${s.byKind.import.committedWhenKilledMid} of them killed mid-operation)`,
  );
  log(`max uncommitted rows seen  ${s.maxUncommittedRowsSeen}`);
  log(`in-between reads           ${s.inBetweenReads} (${s.inBetweenReadsOfCommittedFilesOnly} of committed files only)`);
  log(
    `orphans                    ${s.orphans}; missing committed files ${s.missingCommittedFiles}; leftover staging ${s.leftoverStaging}; pending moves ${s.pendingMovesAfterRecovery}`,
  );
  log(
    `foreign files              removed ${s.foreignRemoved}, changed ${s.foreignChanged}, misreported ${s.foreignReportMismatches}`,
  );
  log(
    `status failures            ${s.statusFailures}; summary inconsistencies ${s.summaryInconsistencies}; unexpected exits ${s.unexpectedExits}`,
  );
  if (PROBES > 0) {
    const p = probeStats;
    log(
      `probe (kill at first move) ${p.kills} kills: in-between reads ${p.inBetweenReads} (${p.inBetweenReadsOfCommittedFilesOnly} of committed files only), max uncommitted rows seen ${p.maxUncommittedRowsSeen}`,
    );
  }
  log(
    `final events               ${finalTotals.events.actual} (expected ${finalTotals.events.expected}, DuckDB over the sources ${finalTotals.events.duckdb_over_sources})`,
  );
  log(
    `final raw events           ${finalTotals.raw_events.actual} (expected ${finalTotals.raw_events.expected}); outside reader ${finalRunRecord.seen}`,
  );
  for (const [name, x] of Object.entries(summaries)) {
    log(
      `${name.padEnd(26)} ${x.partitions} partitions, ${x.partitionsDifferingFromDuckdb} differ from DuckDB over the sources, ${x.partitionsDifferingFromGenerator} from the generator`,
    );
  }
  log(`checksums vs uncrashed     ${checksumMismatches} of ${mine.length} partitions differ`);
  return { root, ws };
}

const report = {
  startedAt: new Date().toISOString(),
  command: ['node', 'scripts/fault-run.mjs', ...process.argv.slice(2)].join(' '),
};
report.seed = SEED;
report.margin = MARGIN;
report.environment = {
  node: process.version,
  cpus: `${availableParallelism()} × ${cpus()[0]?.model ?? 'cpu'}`,
  memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
};
let outcome;
try {
  outcome = await main(report);
} catch (error) {
  report.error = error instanceof Error ? error.stack : String(error);
  log(`ERROR ${report.error}`);
}
report.failures ??= [];
report.ok = !report.error && report.failures.length === 0;
report.wallTimeSec = Number(((performance.now() - wallStart) / 1000).toFixed(1));
await mkdir(dirname(OUT), { recursive: true });
// The figures first, the log of every kill last.
const { killsLog, ...figures } = report;
await writeFile(OUT, `${JSON.stringify({ ...figures, killsLog: killsLog?.map(({ path: _path, ...h }) => h) }, null, 2)}\n`);
log(`wall time                  ${report.wallTimeSec} s`);
log(
  `${report.ok ? 'OK' : `FAILED: ${report.failures.length} invariant violations${report.error ? ' and an error' : ''}`}; figures in ${relative(ROOT, OUT) || OUT}`,
);
if (report.ok && !args.keep && outcome) await rm(outcome.root, { recursive: true, force: true });
else if (report.tempDir) log(`kept: ${report.tempDir}`);
process.exitCode = report.ok ? 0 : 1;

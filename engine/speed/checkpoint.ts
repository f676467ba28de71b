import { readFile, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { errorMessage } from '../kernel/util/errors.js';
import { writeFileAtomic } from '../kernel/util/fsx.js';
import type { TailPosition } from './tailer.js';

/**
 * A small durable store for one JSON value, such as the tailer's position. A write is tmp → fsync → rename → fsync dir,
 * so a reader sees the previous checkpoint or the new one. Reading never throws: anything unusable (torn, corrupt,
 * zero bytes as after a power loss on some filesystems — Filebeat #3537 — or written by a newer version) falls back to
 * the checkpoint before it, kept as `<path>.prev`, with a warning; with neither usable it comes back as no value and a
 * warning, and the caller falls back to its start policy and shows the warning.
 */

export const CHECKPOINT_VERSION = 1;

const SHA256_HEX = /^[0-9a-f]{64}$/;
const DECIMAL = /^\d*$/;
const count = () => z.number().int().nonnegative();

export const TailPositionSchema: z.ZodType<TailPosition> = z.object({
  file: z.object({
    dev: z.string().regex(DECIMAL),
    ino: z.string().regex(DECIMAL),
    // Empty when no file existed yet.
    fingerprint: z.string().refine((s) => s === '' || SHA256_HEX.test(s), 'expected a sha256 hex digest'),
  }),
  offset: count(),
  line: count(),
  anchor: z.string().regex(SHA256_HEX),
  generation: count(),
  // Absent in checkpoints of earlier versions, which are read as before.
  siblings: z
    .array(
      z.object({
        dev: z.string().regex(DECIMAL),
        ino: z.string().regex(DECIMAL),
        birthtime: z.string().regex(DECIMAL),
        size: count(),
      }),
    )
    .optional(),
});

const Envelope = z.object({ version: z.number().int().positive(), value: z.unknown() });

export interface CheckpointRead<T> {
  value?: T;
  warning?: string;
}

export async function readCheckpoint<T>(path: string, schema: z.ZodType<T>): Promise<CheckpointRead<T>> {
  const leftovers = await interruptedWrites(path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      if (leftovers.length === 0) return {};
      return {
        warning: `found an interrupted checkpoint write (${leftovers[0]}) but no complete checkpoint at ${path}; ignoring it`,
      };
    }
    return { warning: `could not read checkpoint ${path} (${errorMessage(error)}); ignoring it` };
  }
  const parsed = parse(text, schema);
  if (typeof parsed === 'string') {
    // Damaged (torn by a disk, cut by hand): the checkpoint before it holds a position and state written together,
    // so resuming there reads the lines after it again and counts each once. Never a silent start from scratch.
    const previous = await readFile(`${path}.prev`, 'utf8').catch(() => undefined);
    const older = previous === undefined ? undefined : parse(previous, schema);
    if (older !== undefined && typeof older !== 'string') {
      return {
        value: older.value,
        warning: `checkpoint ${path} ${parsed}; resumed from the checkpoint before it (${path}.prev): the lines after it are read again, each counted once`,
      };
    }
    return { warning: `checkpoint ${path} ${parsed}, and there is no usable checkpoint before it; ignoring it` };
  }
  if (leftovers.length > 0) {
    return {
      value: parsed.value,
      warning: `ignored an interrupted checkpoint write (${leftovers[0]}); using the last complete checkpoint`,
    };
  }
  return { value: parsed.value };
}

export async function writeCheckpoint(path: string, value: unknown): Promise<void> {
  const text = `${JSON.stringify({ version: CHECKPOINT_VERSION, savedAt: new Date().toISOString(), value })}\n`;
  try {
    await writeFileAtomic(path, text, { keepPrevious: true });
  } catch (error) {
    // Disk full, permission revoked…: the previous checkpoint is untouched; do not leave our torn tmp file behind.
    await rm(tmpPath(path), { force: true }).catch(() => {});
    throw error;
  }
  // Tmp files of crashed earlier processes are older than what was just committed.
  for (const name of await interruptedWrites(path)) await rm(join(dirname(path), name), { force: true }).catch(() => {});
}

function parse<T>(text: string, schema: z.ZodType<T>): { value: T } | string {
  if (text.trim() === '') return `is empty (${Buffer.byteLength(text)} bytes), as after a crash or power loss during a write`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return `is not valid JSON, probably a torn or corrupt write (${errorMessage(error)})`;
  }
  const envelope = Envelope.safeParse(json);
  if (!envelope.success) return 'is not a Recount checkpoint (no version and value)';
  const { version, value } = envelope.data;
  if (version > CHECKPOINT_VERSION) {
    return `was written by a newer version of Recount (checkpoint format ${version}; this version reads format ${CHECKPOINT_VERSION})`;
  }
  const checked = schema.safeParse(value);
  if (!checked.success) {
    const issues = checked.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    return `does not hold a valid value (${issues.join('; ')})`;
  }
  return { value: checked.data };
}

/** The tmp file writeFileAtomic uses; its naming is mirrored here to recognise leftovers of interrupted writes. */
function tmpPath(path: string): string {
  return `${path}.tmp-${process.pid}`;
}

async function interruptedWrites(path: string): Promise<string[]> {
  const prefix = `${basename(path)}.tmp-`;
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  return names.filter((name) => name.startsWith(prefix)).sort();
}

import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { UserError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fsx.js';

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The canonical event fields and the source field names that map to them, in priority order. */
export const DEFAULT_FIELD_ALIASES = {
  event_id: ['event_id', 'id', 'messageId', 'uuid'],
  event_type: ['event_type', 'type', 'event', 'name'],
  occurred_at: ['occurred_at', 'timestamp', 'event_time', 'ts', 'time', 'created_at'],
};
export type CanonicalField = keyof typeof DEFAULT_FIELD_ALIASES;
export const CANONICAL_FIELDS = Object.keys(DEFAULT_FIELD_ALIASES) as CanonicalField[];

export const SettingsSchema = z.object({
  version: z.literal(1),
  timezone: z.string().refine(isTimeZone, { message: 'not an IANA time zone (like UTC or Asia/Kolkata)' }),
  fields: z.object({
    event_id: z.array(z.string().min(1)),
    event_type: z.array(z.string().min(1)),
    occurred_at: z.array(z.string().min(1)),
  }),
  import: z.object({
    /** Lines longer than this are rejected without being read into memory. */
    maxLineBytes: z.number().int().min(1024),
  }),
});
export type Settings = z.infer<typeof SettingsSchema>;

export function defaultSettings(timezone = 'UTC'): Settings {
  return {
    version: 1,
    timezone,
    fields: structuredClone(DEFAULT_FIELD_ALIASES),
    import: { maxLineBytes: 1024 * 1024 },
  };
}

export async function readSettings(path: string): Promise<Settings> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UserError(`Cannot read workspace settings ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError(`Workspace settings ${path} are not valid JSON: ${(error as Error).message}`);
  }
  const parsed = SettingsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`Workspace settings ${path}: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? 'is invalid'}`);
  }
  return parsed.data;
}

export async function writeSettings(path: string, settings: Settings): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(settings, null, 2)}\n`);
}

import type { Connection } from '../kernel/workspace/db.js';
import { innerSelectOf, type ImportPlan, type PlanInput, type SourceField, type StagedKind } from '../kernel/events/plan.js';
import { textToTimestamptz, type TimeZones } from '../kernel/events/timestamps.js';
import {
  SUB_MICROSECOND,
  decideTimeFormat,
  holdsInstants,
  parseTimeSql,
  timeFormatStatsColumns,
  type TimeFormat,
  type TimeFormatChoice,
} from '../kernel/events/time-formats.js';
import type { ImportNote } from './notes.js';
import { STAGED_TABLE } from './stage-load.js';

/** For time fields whose values are not all ISO 8601: the format that reads every one of them, if any. */
export async function timesInOtherFormats(
  connection: Connection,
  plan: ImportPlan,
  fields: { key: string; type: string }[],
  zones: TimeZones,
  signal?: AbortSignal,
): Promise<Map<string, { type: string; why?: string; timeFormat: TimeFormat }>> {
  const found = new Map<string, { type: string; why?: string; timeFormat: TimeFormat }>();
  if (fields.length === 0) return found;
  const row =
    (await connection.one<Record<string, unknown>>(
      `SELECT ${fields.flatMap((f, i) => timeFormatStatsColumns(plan.text.get(f.key) as string, `ot${i}`, zones, { iso: false })).join(', ')}
       FROM (${innerSelectOf(plan, STAGED_TABLE)}) WHERE NOT _skip`,
      undefined,
      signal ? { signal } : {},
    )) ?? {};
  fields.forEach((f, i) => {
    const choice = decideTimeFormat(row, `ot${i}`);
    if (choice.format === 'iso' || choice.parsed !== choice.present || choice.present === 0) return;
    const date = (choice.format === 'dmy' || choice.format === 'mdy') && choice.timed === 0;
    found.set(f.key, {
      type: date ? 'DATE' : 'TIMESTAMPTZ',
      timeFormat: choice.format,
      ...(choice.why ? { why: choice.why } : {}),
    });
  });
  return found;
}

/** The texts the event time may come from: each candidate field, and a `date` and `time` pair read together. */
function timeTexts(plan: ImportPlan): string[] {
  const texts = plan.timeCandidates.map((c) => c.text);
  const time = plan.timeCandidates.find((c) => c.alias.toLowerCase() === 'time');
  if (plan.dateField && time) texts.push(`(${plan.dateField.text} || ' ' || ${time.text})`);
  return texts;
}

/**
 * The cheap first look at the event time, in the pass that checks types: how many values the first candidate has,
 * and how many of them read as ISO 8601 or an epoch. Only when some do not are the other formats looked at.
 */
export function timeFirstLook(plan: ImportPlan, zones: TimeZones, fields: SourceField[], kind: StagedKind): string[] {
  const first = plan.timeCandidates[0];
  if (!first) return [];
  // A field DuckDB's JSON sample typed as a time needs no parse here, as the write parses it anyway and rejects what
  // does not parse; but it may be in another form than ISO 8601 (DuckDB's sampler reads 30-04-2024 10:06:21 as a
  // timestamp too), which values that do not start with a four-digit year tell. (The sampler types no text with digits
  // below a microsecond as a time; one first written so after the sample is truncated.)
  const field = fields.find((f) => f.key === first.alias);
  if (kind === 'map' && field && /^(TIMESTAMP|DATE)/i.test(field.type) && !field.timeFormat) {
    return [
      `count(${first.text}) AS tf_first_n`,
      `count(*) FILTER (WHERE regexp_matches(${first.text}, '^-?[0-9]{4}')) AS tf_first_iso`,
      `0 AS tf_first_sub_us`,
    ];
  }
  return [
    `count(${first.text}) AS tf_first_n`,
    `count(${textToTimestamptz(first.text, zones)}) AS tf_first_iso`,
    // Only a long text can hold digits below a microsecond (2026-10-01T10:00:00.1234567Z has 28 characters).
    `count(*) FILTER (WHERE length(${first.text}) > 26 AND regexp_matches(${first.text}, ${SUB_MICROSECOND})) AS tf_first_sub_us`,
  ];
}

/**
 * Which field the event time comes from and how it is written: the first alias whose values are instants (a `time`
 * of times of day, or of small numbers, is passed over), in the format that reads most of them; with none, a `date`
 * and a `time` of day read together; else the first alias there is, whose rows are then rejected with their values.
 */
export async function chooseEventTime(
  connection: Connection,
  plan: ImportPlan,
  firstLook: Record<string, unknown>,
  options: { zones: TimeZones; explicit?: TimeFormat; strptime?: readonly string[]; signal?: AbortSignal },
): Promise<{ format?: TimeFormat; from?: PlanInput['timeFrom']; notes: ImportNote[] }> {
  const notes: ImportNote[] = [];
  const candidates = plan.timeCandidates;
  if (candidates.length === 0) return { notes };
  const subMicrosecondNote = (count: number) =>
    count > 0
      ? [
          {
            column: 'occurred_at',
            kind: 'converted' as const,
            detail: `${count} event time${count === 1 ? ' has' : 's have'} digits below a microsecond; the lake keeps microseconds`,
          },
        ]
      : [];
  const n = Number(firstLook.tf_first_n ?? 0);
  if (!options.explicit && n > 0 && Number(firstLook.tf_first_iso ?? 0) === n) {
    return { notes: subMicrosecondNote(Number(firstLook.tf_first_sub_us ?? 0)) };
  }
  const texts = timeTexts(plan);
  const explicit = options.explicit;
  const row =
    (await connection.one<Record<string, unknown>>(
      `SELECT ${texts
        .flatMap((text, i) => [
          ...timeFormatStatsColumns(text, `tf_${i}`, options.zones, { strptime: options.strptime ?? [] }),
          ...(explicit ? [`count(${parseTimeSql(text, explicit, options.zones)}) AS tf_${i}_explicit`] : []),
        ])
        .join(', ')} FROM (${innerSelectOf(plan, STAGED_TABLE)}) WHERE NOT _skip`,
      undefined,
      options.signal ? { signal: options.signal } : {},
    )) ?? {};
  const choices: TimeFormatChoice[] = texts.map((_, i) => {
    const choice = decideTimeFormat(row, `tf_${i}`, options.strptime ?? []);
    if (!explicit) return choice;
    const { why: _why, ...rest } = choice;
    return { ...rest, format: explicit, parsed: Number(row[`tf_${i}_explicit`] ?? 0) };
  });
  const describe = (c: TimeFormatChoice) =>
    c.timesOfDay * 2 >= c.present ? 'holds times of day, not instants' : 'holds values that are not times';
  let index = choices.slice(0, candidates.length).findIndex(holdsInstants);
  let from: PlanInput['timeFrom'] | undefined;
  if (
    index < 0 &&
    texts.length > candidates.length &&
    plan.dateField &&
    holdsInstants(choices[candidates.length] as TimeFormatChoice)
  ) {
    const time = candidates.find((c) => c.alias.toLowerCase() === 'time') as { alias: string };
    index = candidates.length;
    from = { date: plan.dateField.key, time: time.alias };
    notes.push({
      column: 'occurred_at',
      kind: 'converted',
      detail: `event times from ${plan.dateField.key} and ${time.alias} together: ${time.alias} holds times of day`,
    });
  }
  if (index < 0) index = 0;
  const chosen = choices[index] as TimeFormatChoice;
  if (!from && index > 0) {
    const alias = (candidates[index] as { alias: string }).alias;
    from = { alias };
    const skipped = candidates.slice(0, index).map((c, i) => `${c.alias} ${describe(choices[i] as TimeFormatChoice)}`);
    notes.push({ column: 'occurred_at', kind: 'converted', detail: `event times from ${alias}: ${skipped.join('; ')}` });
  }
  if (chosen.why) notes.push({ column: 'occurred_at', kind: 'converted', detail: chosen.why });
  notes.push(...subMicrosecondNote(chosen.subMicrosecond));
  return { ...(chosen.format !== 'iso' ? { format: chosen.format } : {}), ...(from ? { from } : {}), notes };
}

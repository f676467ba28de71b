// What the scale bench (scale.ts) and each of its steps' processes (scale-step.ts) send each other.
import { z } from 'zod';

export const STEPS = ['import', 'full run', 'one-day re-run', 'count', 'first rows', 'live replay'] as const;
export type Step = (typeof STEPS)[number];

export const StepRequest = z.object({
  step: z.enum(STEPS),
  workspace: z.string(),
  data: z.string(),
  /** The day the one-day re-run recomputes. */
  day: z.string(),
  /** The SQL cell whose first rows are measured. */
  sql: z.string(),
});
export type StepRequest = z.infer<typeof StepRequest>;

export const StepResult = z.object({
  step: z.enum(STEPS),
  ms: z.number(),
  /** The process's resident-set high-water mark (VmHWM), bytes. */
  peakBytes: z.number(),
  detail: z.record(z.string(), z.union([z.string(), z.number()])),
});
export type StepResult = z.infer<typeof StepResult>;

export const RESULT_PREFIX = 'scale-step-result ';

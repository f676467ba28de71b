import { describe, expect, it } from 'vitest';
import { newerLiveState, type LiveState } from './live-state';

const state = (seq: number, lines: number): LiveState => ({
  seq,
  log: '/w/logs/events.log',
  following: true,
  counters: { lines, events: lines, newEvents: lines, rejects: 0 },
  pipelines: [],
  problems: [],
  tail: null,
  simulating: false,
});

describe('newerLiveState', () => {
  it('keeps the state the engine made last, whichever arrived last', () => {
    const event = state(8, 152);
    const lateAnswer = state(7, 150);
    expect(newerLiveState(event, lateAnswer)).toBe(event);
    expect(newerLiveState(lateAnswer, event)).toBe(event);
  });

  it('takes the first state, and an equal one (the same state again)', () => {
    const first = state(1, 0);
    expect(newerLiveState(undefined, first)).toBe(first);
    const again = state(1, 0);
    expect(newerLiveState(first, again)).toBe(again);
  });
});

import { describe, expect, it } from 'vitest';
import type { IncrementalPipeline } from './incremental.js';
import { PipelineState } from './state.js';

/** One group key (a date) and one distinct count: enough to watch the value sets. */
const pipeline: IncrementalPipeline = {
  name: 'distinct_values',
  deltaSql: '',
  keyColumns: ['__k0'],
  aggregates: [{ kind: 'count-distinct', columns: ['__a0'] }],
  finalizeSql: (table) => `SELECT __k0 AS event_date, __a0 AS n FROM ${table}`,
  outputColumns: ['event_date', 'n'],
  keyOutputs: ['event_date'],
  additive: { n: false },
};

function state(): PipelineState {
  return new PipelineState(pipeline, [{ name: '__k0', type: 'DATE' }], [{ name: '__a0', type: 'JSON' }]);
}

describe('distinct-count state', () => {
  it('counts the text "1" and the number 1 as two values, and each value once across batches', () => {
    const s = state();
    s.merge([['2026-10-01', JSON.stringify(['1', 1, 'a', null, { b: 1 }])]]);
    expect(s.distinctValues()).toBe(4);
    s.merge([['2026-10-01', JSON.stringify([1, '1', 'b', { b: 1 }, '{"b":1}'])]]);
    expect(s.distinctValues()).toBe(6);
  });

  it('restores what it serialized, and snapshots that held every value as JSON text', () => {
    const s = state();
    s.merge([['2026-10-01', JSON.stringify(['1', 1, 'a'])]]);
    const restored = state();
    restored.restore(JSON.parse(JSON.stringify(s.serialize())));
    restored.merge([['2026-10-01', JSON.stringify(['a', 1, 2])]]);
    expect(restored.distinctValues()).toBe(4);

    const legacy = state();
    legacy.restore({ groups: [{ key: ['2026-10-01'], partials: [{ set: ['"1"', '1', '"a"'] }] }] });
    legacy.merge([['2026-10-01', JSON.stringify(['1', 'a', 1, 'c'])]]);
    expect(legacy.distinctValues()).toBe(4);
  });
});

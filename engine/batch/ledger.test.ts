import { describe, expect, it } from 'vitest';
import { decodeRunStatus } from './ledger.js';

describe('the run ledger', () => {
  it('reads a cancelled run, stored as its outcome with "(cancelled)", as the outcome and a flag', () => {
    expect(decodeRunStatus('partial (cancelled)')).toEqual({ status: 'partial', cancelled: true });
    expect(decodeRunStatus('failed (cancelled)')).toEqual({ status: 'failed', cancelled: true });
    expect(decodeRunStatus('succeeded')).toEqual({ status: 'succeeded', cancelled: false });
    expect(decodeRunStatus('interrupted')).toEqual({ status: 'interrupted', cancelled: false });
    expect(decodeRunStatus('running')).toEqual({ status: 'running', cancelled: false });
  });
});

import { describe, expect, it } from 'vitest';
import { nextSort } from './grid-arrange.svelte';

describe('clicking a header to sort', () => {
  it('goes ascending, then descending, then back to the order the query gave', () => {
    const asc = nextSort([], 'n');
    expect(asc).toEqual([{ column: 'n', desc: false }]);
    const desc = nextSort(asc, 'n');
    expect(desc).toEqual([{ column: 'n', desc: true }]);
    expect(nextSort(desc, 'n')).toEqual([]);
  });

  it('sorts by the clicked column alone, whatever was sorted before', () => {
    expect(nextSort([{ column: 'n', desc: true }], 'm')).toEqual([{ column: 'm', desc: false }]);
  });
});

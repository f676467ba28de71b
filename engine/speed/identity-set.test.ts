import { describe, expect, it } from 'vitest';
import { IdentitySet } from './identity-set.js';

/** A small seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('IdentitySet', () => {
  it('agrees with a Set of strings over random adds, deletes and lookups, through growth from a small table', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const next = random(seed);
      const set = new IdentitySet(16);
      const reference = new Set<string>();
      // A small key space, so that deletes and lookups often hit keys that are there.
      const key = (): [number, number] => [
        1 + Math.floor(next() * 64) * 4294967296 + Math.floor(next() * 8),
        Math.floor(next() * 3),
      ];
      for (let op = 0; op < 20_000; op++) {
        const [a, b] = key();
        const name = `${a}:${b}`;
        const roll = next();
        if (roll < 0.5) expect(set.add(a, b), `add ${name} (seed ${seed}, op ${op})`).toBe(!reference.has(name));
        else if (roll < 0.8) expect(set.delete(a, b), `delete ${name} (seed ${seed}, op ${op})`).toBe(reference.has(name));
        else expect(set.has(a, b), `has ${name} (seed ${seed}, op ${op})`).toBe(reference.has(name));
        if (roll < 0.5) reference.add(name);
        else if (roll < 0.8) reference.delete(name);
        expect(set.size).toBe(reference.size);
      }
      for (const name of reference) {
        const [a, b] = name.split(':').map(Number) as [number, number];
        expect(set.has(a, b)).toBe(true);
      }
    }
  });

  it('tells apart pairs that share one key', () => {
    const set = new IdentitySet();
    expect(set.add(7, 1)).toBe(true);
    expect(set.add(7, 2)).toBe(true);
    expect(set.add(8, 1)).toBe(true);
    expect(set.add(7, 1)).toBe(false);
    expect(set.delete(7, 1)).toBe(true);
    expect([set.has(7, 1), set.has(7, 2), set.has(8, 1), set.size]).toEqual([false, true, true, 2]);
    set.clear();
    expect([set.has(7, 2), set.size]).toEqual([false, 0]);
  });

  it('holds a million keys and finds every one of them again', () => {
    const set = new IdentitySet();
    const next = random(42);
    const keys: [number, number][] = [];
    for (let i = 0; i < 1_000_000; i++) {
      const k: [number, number] = [1 + Math.floor(next() * 2 ** 52), Math.floor(next() * 2 ** 52)];
      keys.push(k);
      set.add(k[0], k[1]);
    }
    expect(set.size).toBe(new Set(keys.map((k) => `${k[0]}:${k[1]}`)).size);
    expect(keys.every(([a, b]) => set.has(a, b))).toBe(true);
    expect(keys.every(([a, b]) => !set.add(a, b))).toBe(true);
  });

  it('adds a batch as adding its keys one by one would, the first of equal keys winning, across partitions', () => {
    const next = random(7);
    // Keys spread over every partition (k2's top bits) and a few hundred values, so that batches repeat keys.
    const key = (): [number, number] => [1 + Math.floor(next() * 300), Math.floor(next() * 2 ** 52)];
    const pool = Array.from({ length: 2_000 }, key);
    const batched = new IdentitySet(16);
    const reference = new Set<string>();
    for (let batch = 0; batch < 20; batch++) {
      const keys = Array.from(
        { length: 1 + Math.floor(next() * 500) },
        () => pool[Math.floor(next() * pool.length)] as [number, number],
      );
      const expected = keys.flatMap(([a, b], i) => {
        const name = `${a}:${b}`;
        if (reference.has(name)) return [i];
        reference.add(name);
        return [];
      });
      const repeats = batched.addAll(
        Float64Array.from(keys, (k) => k[0]),
        Float64Array.from(keys, (k) => k[1]),
      );
      expect(repeats, `batch ${batch}`).toEqual(expected);
      expect(batched.size).toBe(reference.size);
    }
    expect(pool.every(([a, b]) => batched.has(a, b) === reference.has(`${a}:${b}`))).toBe(true);
    expect(batched.addAll(new Float64Array(0), new Float64Array(0))).toEqual([]);
  });
});

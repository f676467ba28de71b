/**
 * SQL for an event identity's two keys, each a 52-bit integer held exactly in a double: 104 bits in
 * all, so two different identities share both keys with odds like those of two MD5-derived identities
 * colliding. The second hash reads the identity behind a prefix, so it is not a function of the first
 * (a collision of the first hash's state would carry through an appended suffix, not a prefix).
 * Keys are computed in-process and never stored: a restored view computes them again.
 */
export function identityKeysSql(idSql: string): string {
  return `((hash(${idSql}) >> 12)::DOUBLE + 1) AS _k1, (hash('#' || ${idSql}) >> 12)::DOUBLE AS _k2`;
}

/** Partitions of an IdentitySet, chosen by k2's top bits (k1 chooses the slot within one). */
const PARTITION_BITS = 8;
const PARTITIONS = 1 << PARTITION_BITS;
const PARTITION_SCALE = 2 ** (52 - PARTITION_BITS);

function partitionOf(k2: number): number {
  return Math.floor(k2 / PARTITION_SCALE) & (PARTITIONS - 1);
}

/**
 * The exact-mode index of event identities seen: a set of (k1, k2) key pairs, in 256 open-addressing
 * tables (ProbeTable) by the top bits of k2. A batch's keys are first grouped by table (a stable counting
 * sort, so that of two equal keys the first to arrive is still the one added), then added table by table:
 * each table is a 256th of the index, small enough to stay in cache while its keys go in, where one table
 * of a million keys missed the cache on nearly every key and again on every rehash as it grew.
 *
 * Written by hand because nothing general does this job at this rate: DuckDB's ART primary key and a JS
 * Map keyed by numbers above the small-integer range (every key a boxed double) both cost more per key;
 * this index's cost per lookup does not grow with what it holds, and its memory is 32 bytes a slot (at
 * most half full), outside the JS heap.
 */
export class IdentitySet {
  private readonly tables: ProbeTable[];
  size = 0;

  /** `capacity`: keys the whole index makes room for at first. */
  constructor(capacity = 1 << 16) {
    this.tables = Array.from({ length: PARTITIONS }, () => new ProbeTable(capacity / PARTITIONS));
  }

  /** Bytes held by the tables (typed arrays live outside the JS heap, so heap figures do not show them). */
  get bytes(): number {
    return this.tables.reduce((n, t) => n + t.bytes, 0);
  }

  /** Adds a key pair; true when it was not there yet. k1 must be ≥ 1 (0 marks an empty slot). */
  add(a: number, b: number): boolean {
    const added = (this.tables[partitionOf(b)] as ProbeTable).add(a, b);
    if (added) this.size++;
    return added;
  }

  /**
   * Adds a batch of key pairs (k1[i], k2[i]), in order; returns the positions of those that were there already
   * (or repeat one earlier in the batch), in increasing order.
   */
  addAll(k1: Float64Array, k2: Float64Array): number[] {
    const n = k1.length;
    const part = new Uint8Array(n);
    const starts = new Int32Array(PARTITIONS + 1);
    for (let i = 0; i < n; i++) {
      const p = partitionOf(k2[i] as number);
      part[i] = p;
      (starts[p + 1] as number)++;
    }
    for (let p = 0; p < PARTITIONS; p++) starts[p + 1] = (starts[p + 1] as number) + (starts[p] as number);
    const cursor = starts.slice(0, PARTITIONS);
    const order = new Int32Array(n);
    const a = new Float64Array(n);
    const b = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const j = (cursor[part[i] as number] as number)++;
      order[j] = i;
      a[j] = k1[i] as number;
      b[j] = k2[i] as number;
    }
    const repeats: number[] = [];
    for (let p = 0; p < PARTITIONS; p++) {
      const table = this.tables[p] as ProbeTable;
      const from = starts[p] as number;
      const to = starts[p + 1] as number;
      table.reserve(to - from);
      for (let j = from; j < to; j++) if (!table.add(a[j] as number, b[j] as number)) repeats.push(order[j] as number);
    }
    this.size += n - repeats.length;
    return repeats.sort((x, y) => x - y);
  }

  has(a: number, b: number): boolean {
    return (this.tables[partitionOf(b)] as ProbeTable).has(a, b);
  }

  /** Removes a key pair; true when it was there. */
  delete(a: number, b: number): boolean {
    const deleted = (this.tables[partitionOf(b)] as ProbeTable).delete(a, b);
    if (deleted) this.size--;
    return deleted;
  }

  clear(): void {
    for (const t of this.tables) t.clear();
    this.size = 0;
  }
}

/**
 * One partition of an IdentitySet (and the value set of a distinct count): (k1, k2) key pairs in an open-addressing
 * table (linear probing, backward-shift deletion) over one Float64Array, the two keys of a slot side by side so that
 * a probe touches one cache line.
 */
export class ProbeTable {
  /** k1, k2 of slot i at 2i, 2i + 1; k1 = 0 marks an empty slot. */
  private slots: Float64Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1 << 16) {
    const slots = 2 ** Math.ceil(Math.log2(Math.max(16, capacity)));
    this.slots = new Float64Array(slots * 2);
    this.mask = slots - 1;
  }

  /** Bytes held by the table (typed arrays live outside the JS heap, so heap figures do not show them). */
  get bytes(): number {
    return this.slots.byteLength;
  }

  /** Makes room for `more` keys at once, rather than growing (and rehashing) step by step while they are added. */
  reserve(more: number): void {
    let slots = this.mask + 1;
    while ((this.size + more) * 2 > slots) slots *= 2;
    if (slots > this.mask + 1) this.grow(slots);
  }

  /** Adds a key pair; true when it was not there yet. k1 must be ≥ 1 (0 marks an empty slot). */
  add(a: number, b: number): boolean {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    const slots = this.slots;
    const mask = this.mask;
    for (let i = slotOf(a, mask); ; i = (i + 1) & mask) {
      const x = slots[2 * i] as number;
      if (x === 0) {
        slots[2 * i] = a;
        slots[2 * i + 1] = b;
        this.size++;
        return true;
      }
      if (x === a && slots[2 * i + 1] === b) return false;
    }
  }

  has(a: number, b: number): boolean {
    return this.find(a, b) >= 0;
  }

  /** Removes a key pair; true when it was there. */
  delete(a: number, b: number): boolean {
    const slots = this.slots;
    const mask = this.mask;
    let hole = this.find(a, b);
    if (hole < 0) return false;
    // Backward-shift deletion: later entries of the probe run move up, so no lookup stops early at the hole.
    for (let j = (hole + 1) & mask; slots[2 * j] !== 0; j = (j + 1) & mask) {
      const home = slotOf(slots[2 * j] as number, mask);
      const distanceToJ = (j - home) & mask;
      const distanceToHole = (j - hole) & mask;
      if (distanceToJ >= distanceToHole) {
        slots[2 * hole] = slots[2 * j] as number;
        slots[2 * hole + 1] = slots[2 * j + 1] as number;
        hole = j;
      }
    }
    slots[2 * hole] = 0;
    slots[2 * hole + 1] = 0;
    this.size--;
    return true;
  }

  clear(): void {
    this.slots.fill(0);
    this.size = 0;
  }

  /** The key pairs held, k1 then k2 of each, in slot order. */
  pairs(): number[] {
    const out: number[] = [];
    const slots = this.slots;
    for (let i = 0; i < slots.length; i += 2) if (slots[i] !== 0) out.push(slots[i] as number, slots[i + 1] as number);
    return out;
  }

  private find(a: number, b: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let i = slotOf(a, mask); ; i = (i + 1) & mask) {
      const x = slots[2 * i] as number;
      if (x === 0) return -1;
      if (x === a && slots[2 * i + 1] === b) return i;
    }
  }

  /** Rehashes into a table of `capacity` slots (a power of two), twice the current one by default. */
  private grow(capacity = (this.mask + 1) * 2): void {
    const old = this.slots;
    const slots = new Float64Array(capacity * 2);
    const mask = capacity - 1;
    // Every key is known to be new here: each goes to the first empty slot of its probe run, no comparisons.
    for (let i = 0; i < old.length; i += 2) {
      const a = old[i] as number;
      if (a === 0) continue;
      let j = slotOf(a, mask);
      while (slots[2 * j] !== 0) j = (j + 1) & mask;
      slots[2 * j] = a;
      slots[2 * j + 1] = old[i + 1] as number;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/**
 * Fibonacci hashing of both halves of the key: the slot does not depend on which bits of the key vary
 * (keys that differ only in high bits would otherwise share a probe run). `>>> 0` takes the low 32 bits
 * of the integer exactly; the division, the high ones.
 */
function slotOf(a: number, mask: number): number {
  const mixed = Math.imul((a >>> 0) ^ ((a / 4294967296) | 0), 0x9e3779b1);
  return (mixed ^ (mixed >>> 15)) & mask;
}

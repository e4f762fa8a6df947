/**
 * A small seeded pseudo-random generator (mulberry32), so a load run or a simulator's injected faults
 * repeat exactly for one seed. Not for anything secret: tokens and secrets come from node:crypto.
 */

/** Seeded randomness with the few helpers the load generator and the simulator need. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = Math.trunc(seed) >>> 0;
  }

  /** A float in [0, 1). mulberry32: https://gist.github.com/tommyettinger/46a874533244883189143505d203312c */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  /** An integer in [min, max], both included. */
  integer(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError('pick from an empty list');
    return item;
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i -= 1) {
      const j = Math.floor(this.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy;
  }

  /** A version 4 UUID made from this generator: repeatable, unlike crypto.randomUUID. */
  uuid(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(this.next() * 16).toString(16));
    hex[12] = '4';
    hex[16] = (8 + Math.floor(this.next() * 4)).toString(16);
    const s = hex.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }

  /** An independent generator derived from this one's seed and a label, so one stream's use never shifts another's. */
  static derive(seed: number, label: string): SeededRandom {
    let h = Math.trunc(seed) >>> 0;
    for (const char of label) h = Math.imul(h ^ char.charCodeAt(0), 0x9e3779b1) >>> 0;
    return new SeededRandom(h);
  }
}

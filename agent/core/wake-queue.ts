/**
 * The earliest of many wake-up times, each owned by a key, kept up to date as keys move their time: a binary
 * min-heap with lazy deletion, so `set` and `earliest` cost O(log n) at most instead of a walk over every key, and
 * a time moved later (what every report does to its device's offline deadline) costs no heap work until it comes
 * to the top. The agent asks for its next wake-up after every datagram; with 1,000 devices a walk was most of the
 * time spent per datagram.
 */
export class WakeQueue<K> {
  /** Each key's current wake-up; heap entries that disagree with it are stale (skipped, or pushed again later). */
  private readonly current = new Map<K, number>();
  /** The earliest time each key has an entry for in the heap (an entry may hold an earlier time than `current`). */
  private readonly queued = new Map<K, number>();
  private readonly heapMs: number[] = [];
  private readonly heapKey: K[] = [];

  /** `ms` null: the key wants no wake-up. */
  set(key: K, ms: number | null): void {
    if (ms === null) {
      this.current.delete(key);
      return;
    }
    if (this.current.get(key) === ms) return;
    this.current.set(key, ms);
    // A key whose time moved later (a deadline pushed back by each report) keeps its earlier entry, which is
    // pushed again with the new time only when it comes to the top; an earlier time needs an entry of its own.
    const queued = this.queued.get(key);
    if (queued !== undefined && queued <= ms) return;
    this.queued.set(key, ms);
    this.push(ms, key);
    if (this.heapMs.length > 2 * this.current.size + 64) this.rebuild();
  }

  /** The earliest wake-up of any key; null when none wants one. */
  earliest(): number | null {
    this.dropStale();
    return this.heapMs.length === 0 ? null : (this.heapMs[0] as number);
  }

  /**
   * The keys due by `nowMs`, taken out of the queue: the caller re-`set`s each one once it has been looked at.
   */
  takeDue(nowMs: number): Set<K> {
    const due = new Set<K>();
    for (this.dropStale(); this.heapMs.length > 0 && (this.heapMs[0] as number) <= nowMs; this.dropStale()) {
      const key = this.heapKey[0] as K;
      this.pop();
      this.current.delete(key);
      this.queued.delete(key);
      due.add(key);
    }
    return due;
  }

  /** Pops entries at the top that are not their key's current wake-up, re-queueing keys whose time moved later. */
  private dropStale(): void {
    while (this.heapMs.length > 0) {
      const key = this.heapKey[0] as K;
      const ms = this.heapMs[0] as number;
      const now = this.current.get(key);
      if (now === ms) return;
      this.pop();
      if (this.queued.get(key) !== ms) continue; // an older duplicate: the key has a nearer entry of its own
      if (now === undefined) this.queued.delete(key);
      else {
        this.queued.set(key, now);
        this.push(now, key);
      }
    }
  }

  private rebuild(): void {
    this.heapMs.length = 0;
    this.heapKey.length = 0;
    this.queued.clear();
    for (const [key, ms] of this.current) {
      this.queued.set(key, ms);
      this.push(ms, key);
    }
  }

  private push(ms: number, key: K): void {
    const { heapMs, heapKey } = this;
    let i = heapMs.length;
    heapMs.push(ms);
    heapKey.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((heapMs[parent] as number) <= ms) break;
      heapMs[i] = heapMs[parent] as number;
      heapKey[i] = heapKey[parent] as K;
      i = parent;
    }
    heapMs[i] = ms;
    heapKey[i] = key;
  }

  private pop(): void {
    const { heapMs, heapKey } = this;
    const lastMs = heapMs.pop() as number;
    const lastKey = heapKey.pop() as K;
    const n = heapMs.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && (heapMs[right] as number) < (heapMs[left] as number) ? right : left;
      if ((heapMs[child] as number) >= lastMs) break;
      heapMs[i] = heapMs[child] as number;
      heapKey[i] = heapKey[child] as K;
      i = child;
    }
    heapMs[i] = lastMs;
    heapKey[i] = lastKey;
  }
}

const MAX_EMPTY_LANES = 64;

/** A key's place in `DeadlineLanes`: made once per key (`slot`), kept by its owner. */
export interface DeadlineSlot<K> {
  readonly key: K;
  ms: number;
  lane: Lane<K> | null;
  earlier: DeadlineSlot<K> | null;
  later: DeadlineSlot<K> | null;
}

interface Lane<K> {
  head: DeadlineSlot<K> | null;
  tail: DeadlineSlot<K> | null;
  /** Its place in `DeadlineLanes.active` while it holds a deadline; -1 while empty. */
  at: number;
}

/**
 * Deadlines that are "a fixed time after the last sign of life", such as each device's offline deadline, moved later
 * by every report. Keys with the same delay (the same `lane`) fall due in the order they were last set, so each lane
 * is a list sorted by time to which a new deadline is appended: O(1), where a heap pays O(log n) for every move.
 * A time earlier than its lane's last (a clock stepped back) is walked back to its place, so the order holds
 * whatever the clock does.
 *
 * The earliest deadline is the earliest of the lanes' first ones, found by a look at each lane holding a deadline,
 * once after its first deadline changed. There are as many lanes as delays in use: a handful (every SHUNI-1
 * announces the same validity), where keeping the lanes' heads in a heap cost several map operations for every
 * report, since a device's report usually moves the first deadline of its lane (the one that reported longest ago).
 */
export class DeadlineLanes<K> {
  private readonly lanes = new Map<number, Lane<K>>();
  /** The lanes holding a deadline. */
  private readonly active: Array<Lane<K>> = [];
  /** The earliest deadline; undefined: to be looked for again. */
  private earliestMs: number | null | undefined = null;

  slot(key: K): DeadlineSlot<K> {
    return { key, ms: 0, lane: null, earlier: null, later: null };
  }

  /** `ms` null: no deadline. `lane`: what the deadlines of this lane have in common (their delay). */
  set(slot: DeadlineSlot<K>, ms: number | null, lane: number): void {
    if (slot.lane !== null) this.unlink(slot);
    if (ms === null) return;
    let target = this.lanes.get(lane);
    if (target === undefined) {
      // Empty lanes are kept for the next deadline of their delay, unless delays keep changing (a device's
      // announced validity): then they are swept, and memory stays bounded by the keys.
      if (this.lanes.size >= MAX_EMPTY_LANES)
        for (const [delay, empty] of this.lanes) if (empty.head === null) this.lanes.delete(delay);
      target = { head: null, tail: null, at: -1 };
      this.lanes.set(lane, target);
    }
    slot.ms = ms;
    slot.lane = target;
    let before = target.tail;
    while (before !== null && before.ms > ms) before = before.earlier;
    slot.earlier = before;
    slot.later = before === null ? target.head : before.later;
    if (slot.later === null) target.tail = slot;
    else slot.later.earlier = slot;
    if (before !== null) before.later = slot;
    else {
      if (target.head === null) {
        target.at = this.active.length;
        this.active.push(target);
      }
      target.head = slot;
      this.headMoved();
    }
  }

  earliest(): number | null {
    if (this.earliestMs === undefined) {
      let earliest: number | null = null;
      for (const lane of this.active) {
        const ms = (lane.head as DeadlineSlot<K>).ms;
        if (earliest === null || ms < earliest) earliest = ms;
      }
      this.earliestMs = earliest;
    }
    return this.earliestMs;
  }

  /**
   * The keys due by `nowMs`, taken out (lane after lane, in the order of their first deadlines; each lane's in its
   * order): the caller `set`s each again.
   */
  takeDue(nowMs: number): K[] {
    const due: K[] = [];
    const earliest = this.earliest();
    if (earliest === null || earliest > nowMs) return due;
    const byFirst = (x: Lane<K>, y: Lane<K>) =>
      (x.head as DeadlineSlot<K>).ms - (y.head as DeadlineSlot<K>).ms;
    for (const lane of [...this.active].sort(byFirst))
      while (lane.head !== null && lane.head.ms <= nowMs) {
        due.push(lane.head.key);
        this.unlink(lane.head);
      }
    return due;
  }

  private unlink(slot: DeadlineSlot<K>): void {
    const lane = slot.lane as Lane<K>;
    if (slot.later !== null) slot.later.earlier = slot.earlier;
    else lane.tail = slot.earlier;
    if (slot.earlier !== null) slot.earlier.later = slot.later;
    else {
      lane.head = slot.later;
      if (lane.head === null) this.deactivate(lane);
      this.headMoved();
    }
    slot.lane = null;
    slot.earlier = null;
    slot.later = null;
  }

  private headMoved(): void {
    this.earliestMs = undefined;
  }

  private deactivate(lane: Lane<K>): void {
    const last = this.active.pop() as Lane<K>;
    if (last !== lane) {
      this.active[lane.at] = last;
      last.at = lane.at;
    }
    lane.at = -1;
  }
}

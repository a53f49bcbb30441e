import { WakeQueue } from './wake-queue.ts';

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
}

/**
 * Deadlines that are "a fixed time after the last sign of life", such as each device's offline deadline, moved later
 * by every report. Keys with the same delay (the same `lane`) fall due in the order they were last set, so each lane
 * is a list sorted by time to which a new deadline is appended: O(1), where a heap pays O(log n) for every move.
 * Only the lanes' first deadlines are kept in a heap. A time earlier than its lane's last (a clock stepped back) is
 * walked back to its place, so the order holds whatever the clock does.
 */
export class DeadlineLanes<K> {
  private readonly lanes = new Map<number, Lane<K>>();
  private readonly heads = new WakeQueue<Lane<K>>();

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
      target = { head: null, tail: null };
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
      target.head = slot;
      this.heads.set(target, ms);
    }
  }

  earliest(): number | null {
    return this.heads.earliest();
  }

  /** The keys due by `nowMs`, taken out (each lane's in its order): the caller `set`s each again. */
  takeDue(nowMs: number): K[] {
    const due: K[] = [];
    for (const lane of this.heads.takeDue(nowMs)) {
      while (lane.head !== null && lane.head.ms <= nowMs) {
        due.push(lane.head.key);
        this.unlink(lane.head);
      }
      this.heads.set(lane, lane.head === null ? null : lane.head.ms);
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
      this.heads.set(lane, lane.head === null ? null : lane.head.ms);
    }
    slot.lane = null;
    slot.earlier = null;
    slot.later = null;
  }
}

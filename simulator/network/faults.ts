import type { Through } from '../emulator/link.ts';
import type { Scheduler } from '../emulator/scheduler.ts';
import { seededRandom } from './random.ts';

/**
 * What the network does to one stream of sends (a device's CoIoT datagrams, or its MQTT publishes on the way to
 * the broker). Probabilities are per send; times in ms. Pure data, so a plan prints, shrinks and replays.
 */
export interface FaultPlan {
  /** A send is lost. */
  loss: number;
  /** A send arrives twice (the copy `duplicateDelayMs` later, at most). */
  duplicate: number;
  duplicateDelayMs: number;
  /** A send is held back by up to `reorderDelayMs`, so later sends overtake it. */
  reorder: number;
  reorderDelayMs: number;
  /** Every send is delayed by a uniform 0..jitterMs. */
  jitterMs: number;
  /** Windows [from, to) in ms since the stream started in which everything is lost. */
  partitions: Array<[number, number]>;
}

export const NO_FAULTS: FaultPlan = {
  loss: 0,
  duplicate: 0,
  duplicateDelayMs: 0,
  reorder: 0,
  reorderDelayMs: 0,
  jitterMs: 0,
  partitions: [],
};

export function faultPlan(partial: Partial<FaultPlan>): FaultPlan {
  return { ...NO_FAULTS, ...partial };
}

/**
 * The fate of one send at `atMs` (ms since the stream started): the delays of the copies that arrive, in ms;
 * `[]` = lost. Draws a fixed number of random numbers per send, so fates do not shift when a plan changes.
 */
export function fateOf(plan: FaultPlan, random: () => number, atMs: number): number[] {
  const [lost, dup, dupAt, held, heldBy, jitter, jitter2] = Array.from({ length: 7 }, random) as number[];
  if (plan.partitions.some(([from, to]) => atMs >= from && atMs < to)) return [];
  if ((lost as number) < plan.loss) return [];
  const first =
    (jitter as number) * plan.jitterMs +
    ((held as number) < plan.reorder ? (heldBy as number) * plan.reorderDelayMs : 0);
  const delays = [first];
  if ((dup as number) < plan.duplicate)
    delays.push(first + (dupAt as number) * plan.duplicateDelayMs + (jitter2 as number) * plan.jitterMs);
  return delays.map((d) => Math.round(d * 1000) / 1000);
}

export interface TimedSend<T> {
  tMs: number;
  item: T;
}

export interface Delivery<T> {
  tMs: number;
  item: T;
  /** Index of the send in the input stream. */
  index: number;
  /** 0 for the first copy, 1 for a duplicate. */
  copy: number;
}

/**
 * Pure: what arrives, and when, for a stream of timed sends (in delivery order; ties keep send order).
 * `ordered`: the stream is one TCP connection (MQTT): nothing overtakes what was sent before it, so a held-back
 * send or a late copy holds back everything after it (`inOrder`).
 */
export function applyFaults<T>(
  sends: ReadonlyArray<TimedSend<T>>,
  plan: FaultPlan,
  seed: number,
  ordered = false,
): Delivery<T>[] {
  const random = seededRandom(seed);
  const start = sends[0]?.tMs ?? 0;
  const order = ordered ? inOrder() : (t: number) => t;
  const out: Delivery<T>[] = [];
  sends.forEach((send, index) => {
    const delays = fateOf(plan, random, send.tMs - start);
    delays.forEach((delay, copy) => {
      out.push({ tMs: order(send.tMs + delay), item: send.item, index, copy });
    });
  });
  return out.sort((a, b) => a.tMs - b.tMs || a.index - b.index || a.copy - b.copy);
}

/**
 * Delivery times of an ordered stream: each at least the one before it. A copy of an MQTT publish can only be a
 * re-send of the unacknowledged tail after a reconnect, in its order, never a lone old message arriving after
 * newer ones (TCP, and MQTT's ordered topics): a Gen1 level report carries no sequence number, so an old copy
 * overtaken by newer reports would be a new edge no receiver could tell apart.
 */
function inOrder(): (tMs: number) => number {
  let last = Number.NEGATIVE_INFINITY;
  return (tMs) => {
    last = Math.max(last, tMs);
    return last;
  };
}

/**
 * The same plan live: wraps a device's sender so each send meets its fate on `scheduler` (`ordered` as in
 * `applyFaults`). `onFate` sees every send with its delays (the test oracle: which evidence left the device and was
 * not lost).
 */
export function faultyLink<T>(
  plan: FaultPlan,
  seed: number,
  scheduler: Scheduler,
  options: { ordered?: boolean; onFate?: (item: T, delays: number[], atMs: number) => void } = {},
): Through<T> {
  const random = seededRandom(seed);
  let start: number | undefined;
  return (send) => {
    const deliver = options.ordered ? fifo(scheduler, send) : unordered(scheduler, send);
    return (item) => {
      const now = scheduler.now();
      start ??= now;
      const delays = fateOf(plan, random, now - start);
      options.onFate?.(item, delays, now);
      for (const delay of delays) deliver(item, now + delay);
    };
  };
}

function unordered<T>(scheduler: Scheduler, send: (item: T) => void): (item: T, atMs: number) => void {
  return (item, atMs) => {
    const wait = atMs - scheduler.now();
    if (wait <= 0) send(item);
    else scheduler.after(wait, () => send(item));
  };
}

/** One queue and one timer, so that equal delivery times cannot swap on a real clock's timers. */
function fifo<T>(scheduler: Scheduler, send: (item: T) => void): (item: T, atMs: number) => void {
  const order = inOrder();
  const queue: Array<{ atMs: number; item: T }> = [];
  const drain = () => {
    while (queue.length > 0 && (queue[0] as { atMs: number }).atMs <= scheduler.now())
      send((queue.shift() as { item: T }).item);
    const head = queue[0];
    if (head) scheduler.after(head.atMs - scheduler.now(), drain);
  };
  return (item, atMs) => {
    queue.push({ atMs: order(atMs), item });
    if (queue.length === 1) drain();
  };
}

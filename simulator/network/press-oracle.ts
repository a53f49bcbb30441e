import { decodeCoiot } from '../../agent/protocol/coiot-packet.ts';
import { readG } from '../../agent/protocol/coiot-status.ts';
import type { WireSend } from '../emulator/uni.ts';

/**
 * The test oracle: which presses left evidence that reached the agent in a form it can act on, computed from
 * what the emulated devices actually put on the wire (after fault injection), in the order it arrived.
 *  - an edge: a report of input 0 high on a path whose last delivered level was low (or, before that path said
 *    anything, the last level any path delivered), while no other path still sees it high. A rise from an unknown
 *    level is not an edge, except for a Gen2 `btn_down`, which is an edge event by itself (a Plus Uni in button
 *    mode never reports its level);
 *  - a Gen1 counter step: an `event_cnt` above the last one delivered in the same boot, once a first one (the
 *    baseline) has been delivered; it accounts for every press up to that count;
 *  - a Gen2 `single_push`/`long_push`.
 */
export interface PressWindow {
  /** Rise of the logical input (ms, scheduler clock). */
  fromMs: number;
  /** Until the next closure's rise (ms). */
  untilMs: number;
  /** `event_cnt` this press produces on the device (Gen1, events enabled), counted since the last boot. */
  count: number | null;
  boot: number;
}

export interface Observation {
  atMs: number;
  path: 'coiot' | 'mqtt';
  level?: 0 | 1;
  count?: number;
  pushed?: boolean;
  /** The level comes from an edge event (Gen2 btn_down/btn_up), not a state report. */
  edgeEvent?: boolean;
  boot: number;
}

/** What one send says about input 0, or null when it says nothing about it. */
export function observe(send: WireSend, atMs: number, boot: number): Observation | null {
  if (send.via === 'coiot') {
    if (send.kind === 'reply') return null;
    const g = readG(decodeCoiot(send.bytes).payload);
    return { atMs, path: 'coiot', level: g.get(2101) === 1 ? 1 : 0, count: Number(g.get(2103)), boot };
  }
  const topic = send.topic;
  if (/^shellies\/[^/]+\/input\/0$/.test(topic))
    return { atMs, path: 'mqtt', level: send.payload === '1' ? 1 : 0, boot };
  if (/^shellies\/[^/]+\/input_event\/0$/.test(topic)) {
    return { atMs, path: 'mqtt', count: (JSON.parse(send.payload) as { event_cnt: number }).event_cnt, boot };
  }
  if (topic.endsWith('/events/rpc')) {
    const frame = JSON.parse(send.payload) as {
      params: { events?: Array<{ component: string; event: string }> };
    };
    const e = frame.params.events?.find((x) => x.component === 'input:0');
    if (!e) return null;
    if (e.event === 'btn_down' || e.event === 'btn_up')
      return { atMs, path: 'mqtt', level: e.event === 'btn_down' ? 1 : 0, edgeEvent: true, boot };
    if (e.event === 'single_push' || e.event === 'long_push')
      return { atMs, path: 'mqtt', pushed: true, boot };
  }
  return null;
}

/** For each press window, whether its evidence reached the agent (observations in arrival order). */
export function pressesReached(
  windows: readonly PressWindow[],
  observations: readonly Observation[],
): boolean[] {
  const reached = windows.map(() => false);
  const edge = windows.map(() => false);
  const pushed = windows.map(() => false);
  const level: Partial<Record<'coiot' | 'mqtt', 0 | 1>> = {};
  let baseline: { boot: number; count: number } | null = null;
  const windowAt = (ms: number) => windows.findIndex((w) => ms >= w.fromMs && ms < w.untilMs);
  let lastLevel: 0 | 1 | undefined;
  for (const o of observations) {
    if (o.level !== undefined) {
      const other = o.path === 'coiot' ? 'mqtt' : 'coiot';
      const before = level[o.path] ?? lastLevel ?? (o.edgeEvent ? 1 - o.level : undefined);
      if (o.level === 1 && before === 0 && level[other] !== 1) {
        const k = windowAt(o.atMs);
        if (k >= 0) edge[k] = true;
      }
      level[o.path] = o.level;
      lastLevel = o.level;
    }
    if (o.pushed) {
      const k = windowAt(o.atMs);
      if (k >= 0) pushed[k] = true;
    }
    if (o.count !== undefined) {
      if (baseline !== null && baseline.boot === o.boot && o.count > baseline.count) {
        windows.forEach((w, k) => {
          if (
            w.boot === o.boot &&
            w.count !== null &&
            w.count > (baseline as { count: number }).count &&
            w.count <= (o.count as number)
          )
            reached[k] = true;
        });
      }
      if (baseline === null || baseline.boot !== o.boot || o.count > baseline.count)
        baseline = { boot: o.boot, count: o.count };
    }
  }
  // A Gen2 push is not cumulative: it claims the oldest press that was rung from its edge and not yet claimed,
  // whichever press it was for. So when a press rang from its edge but its own push was lost, the next press's
  // push is taken as that press's, and the next press only rings if its own edge got through. (A limitation of
  // the agent's rule, found by the end-to-end property; the agent could match the push's `ts` instead.)
  let unclaimedRung = 0;
  windows.forEach((_w, k) => {
    if (edge[k]) {
      reached[k] = true;
      unclaimedRung++;
    }
    if (pushed[k]) {
      if (unclaimedRung > 0) unclaimedRung--;
      else reached[k] = true;
    }
  });
  return reached;
}

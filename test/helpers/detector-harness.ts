import type { RingEvent } from '../../agent/core/events.ts';
import { silentLogger } from '../../agent/core/logger.ts';
import type { ChimeSettings } from '../../agent/detect/chime.ts';
import { Detector, MemoryChannelStore } from '../../agent/detect/detector.ts';
import { ChatterMonitor } from '../../agent/health/chatter.ts';
import { DEFAULT_HEALTH_PARAMS } from '../../agent/health/types.ts';
import { Pipeline } from '../../agent/runtime/pipeline.ts';
import { encodeStatus, shuniValues } from '../../simulator/emulator/coiot-encode.ts';
import { seededRandom } from '../../simulator/network/random.ts';

/**
 * The detector's property harness. A visitor presses (and a relay chatters); the doorbell turns that into input
 * pulses (an electronic one holds N s and swallows presses inside its hold); a Uni firmware model, with every
 * UNCONFIRMED behaviour as a knob, turns the pulses into reports; a network loses, duplicates, delays and
 * re-delivers them; the real pipeline (decoders, CoIoT de-duplication, detector) rings, across agent restarts.
 * `oracle` says what should ring from what physically happened and what was delivered, never from the
 * detector's rules: only the product's documented windows (settle, bounce, chatter merge) decide when two
 * pulses are one press, and boundaries the network makes ambiguous are allowed either way.
 */
export const MAC = 'AABBCC112233';
export const GEN1_ID = `shellyuni-${MAC}`;
export const GEN2_ID = 'shellyplusuni-aabbcc112233';
/** The most a message is delayed; consecutive messages of one path change delay smoothly (queues drain). */
export const MAX_DELAY_MS = 300;
export const BATCH_MS = 150;
export const EVENT_APART_MS = 40;
const GEN1_LONGPUSH_MS = 800;
const GEN2_LONGPUSH_MS = 1000;
const COIOT_PERIOD_MS = 15_000;
const MQTT_PERIOD_MS = 30_000;
const EVENT_LIFETIME_MS = 5_000;
const TS0 = 1_700_000_000;
/** Documented windows of the product (defaults): the oracle's only knowledge of the rules. */
export const ELECTRONIC_BOUNCE_MS = 300;
export const ELECTRONIC_TOLERANCE_MS = 1_500;
export const CHATTER_MERGE_MS = 1_000;
export const REORDER_WINDOW_MS = 600;
/** How far the network (delay differences, 150 ms batches) can move a gap the agent measures. */
export const SLACK_MS = MAX_DELAY_MS + BATCH_MS;
/** The latest a ring of a pulse may come after its fall: its step delayed, then the reorder window. */
const LATE_RING_MS = EVENT_APART_MS + SLACK_MS + REORDER_WINDOW_MS;

export type Path = 'coiot' | 'mqtt';

/** Firmware and broker behaviour nobody has confirmed, drawn on every run. */
export interface Knobs {
  gen: 'gen1' | 'gen2';
  paths: Path[];
  /** Pulses shorter than this step no event counter (firmware debounce); 0 = every pulse counts. */
  eventMinPulseMs: number;
  /** Gen1 `L`: while held at `longpush_time`, or at the release. */
  longpush: 'held' | 'release';
  /** Rise and release+event as separate reports, the event in a third report, or changes batched 150 ms. */
  reports: 'per-change' | 'event-apart' | 'batched';
  gen2Mode: 'button' | 'switch';
  /** Gen2 QoS 1 re-deliveries (same payload and ts, 150–2000 ms late) of no, a third, or all notifications. */
  gen2Redelivery: 'none' | 'some' | 'all';
  /** Gen2 multi-push wait: a push comes this long after the release (a click within it makes a double push). */
  pushWaitMs: number;
  /** Gen1 `mqtt_retain`: the broker replays the last message of every topic, retained, when the agent connects. */
  mqttRetain: boolean;
}

export type Visit =
  | { kind: 'press'; atMs: number; holdMs: number }
  | { kind: 'burst'; atMs: number; edges: number; seed: number };

export interface Scenario {
  chime: ChimeSettings;
  knobs: Knobs;
  visits: Visit[];
  /** Device reboots (Gen1: counter back to 0), at idle. */
  reboots: number[];
  /** Agent restarts: down from `atMs` for `downMs` (messages arriving then are lost). */
  restarts: Array<{ atMs: number; downMs: number }>;
  /** The agent starts listening here (a press may already be in progress). */
  agentStartMs: number;
  /** CoIoT (UDP) datagrams lost. */
  lossRate: number;
  /** CoIoT datagrams duplicated. */
  dupRate: number;
  seed: number;
  initialCounter: number;
  endMs: number;
}

/** One high period of the input as the Uni sees it. */
export interface Pulse {
  rise: number;
  fall: number;
  visit: number;
  burst: boolean;
}

/** What physically happens at the input: presses through the doorbell, and chattering closures. */
export function pulsesOf(s: Scenario): Pulse[] {
  const pulses: Pulse[] = [];
  let holdEnd = -Infinity;
  s.visits.forEach((visit, index) => {
    if (visit.kind === 'burst') {
      const random = seededRandom(visit.seed);
      const length = () => 40 + Math.round(random() * 50);
      let t = visit.atMs;
      for (let k = 0; k < visit.edges; k++) {
        const fall = t + length();
        pulses.push({ rise: t, fall, visit: index, burst: true });
        t = fall + length();
      }
      return;
    }
    if (s.chime.mode === 'electronic') {
      // The doorbell holds its output N s per press and ignores presses inside the hold.
      if (visit.atMs < holdEnd) return;
      holdEnd = visit.atMs + (s.chime.durationS as number) * 1000;
      pulses.push({ rise: visit.atMs, fall: holdEnd, visit: index, burst: false });
      return;
    }
    pulses.push({ rise: visit.atMs, fall: visit.atMs + visit.holdMs, visit: index, burst: false });
  });
  return pulses.sort((a, b) => a.rise - b.rise);
}

/** A message on the wire, with what the oracle needs to know about it. */
export interface Message {
  path: Path;
  sendMs: number;
  arriveMs: number;
  topic?: string;
  payload?: string;
  bytes?: Buffer;
  retain?: boolean;
  /** The input level the message states (Gen1 report, MQTT input, Gen2 state). */
  level?: boolean;
  /** Gen2: a change notification (btn_down/btn_up/NotifyStatus state). */
  edge?: boolean;
  /** Gen2: the pulses whose rise it notifies, and those its push counts. */
  risePulses?: number[];
  pushPulses?: number[];
  /** Gen1: the boot epoch and the counter steps of that epoch reported so far. */
  epoch?: number;
  steps?: number;
  original: boolean;
  /** Index of the original message (copies share it). */
  id: number;
}

interface Gen1Report {
  t: number;
  level: boolean;
  count: number;
  event: string;
  /** Steps so far in this boot epoch, and the pulses they belong to. */
  epoch: number;
  steps: number;
  stepPulses: number[];
  serial: number;
  cause: 'change' | 'boot';
}

/** Gen1 firmware: reports of input 0 in time order (changes only; periodic re-sends are added per path). */
function gen1Reports(s: Scenario, pulses: Pulse[]): Gen1Report[] {
  const { knobs } = s;
  type Happening = { t: number; kind: 'rise' | 'fall' | 'boot' | 'long' | 'apart' | 'expire'; pulse: number };
  const queue: Happening[] = [];
  pulses.forEach((p, i) => {
    queue.push({ t: p.rise, kind: 'rise', pulse: i }, { t: p.fall, kind: 'fall', pulse: i });
    if (knobs.longpush === 'held' && p.fall - p.rise >= GEN1_LONGPUSH_MS) {
      queue.push({ t: p.rise + GEN1_LONGPUSH_MS, kind: 'long', pulse: i });
    }
  });
  for (const t of s.reboots) queue.push({ t, kind: 'boot', pulse: -1 });
  const order = { boot: 0, long: 1, apart: 2, expire: 3, fall: 4, rise: 5 };
  const sort = () => queue.sort((a, b) => a.t - b.t || order[a.kind] - order[b.kind]);
  sort();
  const out: Gen1Report[] = [];
  let level = false;
  let count = s.initialCounter % 65_536;
  let event = '';
  let epoch = 0;
  let steps = 0;
  let stepPulses: number[] = [];
  let lastEventAt = -Infinity;
  const report = (t: number, cause: Gen1Report['cause']) => {
    out.push({ t, level, count, event, epoch, steps, stepPulses, serial: 0, cause });
    stepPulses = [];
  };
  const step = (t: number, kind: 'S' | 'L', pulse: number) => {
    count = (count + 1) % 65_536;
    event = kind;
    steps++;
    stepPulses = [...stepPulses, pulse];
    lastEventAt = t;
    queue.push({ t: t + EVENT_LIFETIME_MS, kind: 'expire', pulse });
    sort();
  };
  while (queue.length > 0) {
    const h = queue.shift() as Happening;
    switch (h.kind) {
      case 'boot':
        count = 0;
        event = '';
        epoch++;
        steps = 0;
        report(h.t, 'boot');
        break;
      case 'rise':
        level = true;
        report(h.t, 'change');
        break;
      case 'long':
        step(h.t, 'L', h.pulse);
        report(h.t, 'change');
        break;
      case 'fall': {
        level = false;
        const p = pulses[h.pulse] as Pulse;
        const held = p.fall - p.rise;
        const firedWhileHeld = knobs.longpush === 'held' && held >= GEN1_LONGPUSH_MS;
        const kind = held >= GEN1_LONGPUSH_MS ? 'L' : 'S';
        if (firedWhileHeld || held < knobs.eventMinPulseMs) report(h.t, 'change');
        else if (knobs.reports === 'event-apart') {
          report(h.t, 'change');
          queue.push({ t: h.t + EVENT_APART_MS, kind: 'apart', pulse: h.pulse });
          sort();
        } else {
          step(h.t, kind, h.pulse);
          report(h.t, 'change');
        }
        break;
      }
      case 'apart': {
        const p = pulses[h.pulse] as Pulse;
        step(h.t, p.fall - p.rise >= GEN1_LONGPUSH_MS ? 'L' : 'S', h.pulse);
        report(h.t, 'change');
        break;
      }
      case 'expire':
        if (event !== '' && h.t >= lastEventAt + EVENT_LIFETIME_MS) {
          event = '';
          report(h.t, 'change');
        }
        break;
    }
  }
  const grouped = knobs.reports === 'batched' ? batch(out) : out;
  // Serial: +1 per report, never 0; a reboot starts it elsewhere (far from the last one: a serial just behind
  // the last is a reordered copy to the de-duplication, within 2 s).
  let serial = (s.seed >>> 0) % 60_000;
  for (const r of grouped) {
    serial = r.cause === 'boot' ? ((serial + 30_000) % 65_535) + 1 : (serial % 65_535) + 1;
    r.serial = serial;
  }
  return grouped;
}

/** The first report opens a window; one report at its end carries the state then and every step in it. */
function batch(reports: Gen1Report[]): Gen1Report[] {
  const out: Gen1Report[] = [];
  for (let i = 0; i < reports.length; ) {
    const first = reports[i] as Gen1Report;
    if (first.cause === 'boot') {
      out.push(first);
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < reports.length) {
      const next = reports[j + 1] as Gen1Report;
      if (next.t > first.t + BATCH_MS || next.cause === 'boot') break;
      j++;
    }
    const last = reports[j] as Gen1Report;
    const stepPulses = reports.slice(i, j + 1).flatMap((r) => r.stepPulses);
    out.push({ ...last, t: first.t + BATCH_MS, stepPulses });
    i = j + 1;
  }
  return out;
}

interface Gen2Event {
  t: number;
  event: string;
  pulses: number[];
}

interface Gen2Frame {
  t: number;
  payload: string;
  level?: boolean;
  edge?: boolean;
  /** Pulses whose rise this frame notifies. */
  risePulses?: number[];
  pushPulses?: number[];
}

/** Gen2 notifications of input 0 (button or switch mode), as frames on `<id>/events/rpc`. */
function gen2Frames(s: Scenario, pulses: Pulse[]): Gen2Frame[] {
  const { knobs } = s;
  const ts = (t: number) => Math.round(TS0 * 100 + t / 10) / 100;
  const frame = (method: string, params: Record<string, unknown>) =>
    JSON.stringify({ src: GEN2_ID, dst: `${GEN2_ID}/events`, method, params });
  const frames: Gen2Frame[] = [];
  frames.push({
    t: 500,
    payload: frame('NotifyFullStatus', { ts: ts(500), 'input:0': { id: 0, state: false } }),
    level: false,
  });
  if (knobs.gen2Mode === 'switch') {
    const changes = pulses.flatMap((p) => [
      { t: p.rise, level: true },
      { t: p.fall, level: false },
    ]);
    let sent = false;
    for (let i = 0; i < changes.length; ) {
      const first = changes[i] as { t: number; level: boolean };
      let j = i;
      if (knobs.reports === 'batched') {
        while (j + 1 < changes.length && (changes[j + 1] as { t: number }).t <= first.t + BATCH_MS) j++;
      }
      const last = changes[j] as { t: number; level: boolean };
      const t = knobs.reports === 'batched' ? first.t + BATCH_MS : first.t;
      if (last.level !== sent) {
        const high = pulses.findIndex((p) => p.rise <= t && t <= p.fall);
        frames.push({
          t,
          payload: frame('NotifyStatus', { ts: ts(t), 'input:0': { id: 0, state: last.level } }),
          level: last.level,
          edge: true,
          ...(last.level && high >= 0 && { risePulses: [high] }),
        });
        sent = last.level;
      }
      i = j + 1;
    }
    return frames;
  }
  // Button mode: btn_down/btn_up per pulse; clicks within the multi-push wait make one double/triple push; a
  // hold of the long-push time makes long_push while held.
  const events: Gen2Event[] = [];
  let clicks: number[] = [];
  const flush = () => {
    if (clicks.length === 0) return;
    const lastFall = (pulses[clicks.at(-1) as number] as Pulse).fall;
    const name = ['single_push', 'double_push', 'triple_push'][Math.min(clicks.length, 3) - 1] as string;
    const apart = knobs.reports === 'event-apart' ? EVENT_APART_MS : 0;
    events.push({ t: lastFall + knobs.pushWaitMs + apart, event: name, pulses: clicks });
    clicks = [];
  };
  pulses.forEach((p, i) => {
    const lastFall = clicks.length > 0 ? (pulses[clicks.at(-1) as number] as Pulse).fall : -Infinity;
    if (p.rise > lastFall + knobs.pushWaitMs) flush();
    events.push({ t: p.rise, event: 'btn_down', pulses: [i] });
    events.push({ t: p.fall, event: 'btn_up', pulses: [i] });
    const held = p.fall - p.rise;
    if (held >= GEN2_LONGPUSH_MS) {
      flush();
      events.push({ t: p.rise + GEN2_LONGPUSH_MS, event: 'long_push', pulses: [i] });
    } else if (held >= knobs.eventMinPulseMs) clicks.push(i);
  });
  flush();
  events.sort((a, b) => a.t - b.t);
  for (let i = 0; i < events.length; ) {
    const first = events[i] as Gen2Event;
    let j = i;
    if (knobs.reports === 'batched') {
      while (j + 1 < events.length && (events[j + 1] as Gen2Event).t <= first.t + BATCH_MS) j++;
    }
    const group = events.slice(i, j + 1);
    const t = knobs.reports === 'batched' ? first.t + BATCH_MS : first.t;
    const list = group.map((e) => ({ component: 'input:0', id: 0, event: e.event, ts: ts(e.t) }));
    const edges = group.filter((e) => e.event === 'btn_down' || e.event === 'btn_up');
    const pushes = group.filter((e) => e.event.endsWith('_push'));
    frames.push({
      t,
      payload: frame('NotifyEvent', { ts: ts(t), events: list }),
      ...(edges.length > 0 && { level: (edges.at(-1) as Gen2Event).event === 'btn_down', edge: true }),
      ...(group.some((e) => e.event === 'btn_down') && {
        risePulses: group.filter((e) => e.event === 'btn_down').flatMap((e) => e.pulses),
      }),
      ...(pushes.length > 0 && { pushPulses: pushes.flatMap((e) => e.pulses) }),
    });
    i = j + 1;
  }
  return frames;
}

/** Every message each path carries, before the network, in send order. */
export function emit(s: Scenario, pulses: Pulse[]): Message[] {
  const messages: Message[] = [];
  let id = 0;
  const add = (m: Omit<Message, 'arriveMs' | 'original' | 'id'>) =>
    messages.push({ ...m, arriveMs: m.sendMs, original: true, id: id++ });
  if (s.knobs.gen === 'gen2') {
    for (const f of gen2Frames(s, pulses)) {
      add({
        path: 'mqtt',
        sendMs: f.t,
        topic: `${GEN2_ID}/events/rpc`,
        payload: f.payload,
        ...(f.level !== undefined && { level: f.level }),
        ...(f.edge && { edge: true }),
        ...(f.pushPulses && { pushPulses: f.pushPulses }),
        ...(f.risePulses && { risePulses: f.risePulses }),
      });
    }
    return messages.sort((a, b) => a.sendMs - b.sendMs);
  }
  const reports = gen1Reports(s, pulses);
  const stateAt = (t: number): Gen1Report | undefined => {
    let last: Gen1Report | undefined;
    for (const r of reports) if (r.t <= t) last = r;
    return last;
  };
  const initial: Gen1Report = {
    t: 0,
    level: false,
    count: s.initialCounter % 65_536,
    event: '',
    epoch: 0,
    steps: 0,
    stepPulses: [],
    serial: (s.seed >>> 0) % 60_000,
    cause: 'change',
  };
  const coiot = (r: Gen1Report, t: number) => ({
    path: 'coiot' as const,
    sendMs: t,
    bytes: encodeStatus({
      deviceType: 'SHUNI-1',
      mac: MAC,
      messageId: id & 0xffff,
      serial: r.serial === 0 ? 1 : r.serial,
      values: shuniValues({
        inputs: [
          { level: r.level, event: r.event, count: r.count },
          { level: false, event: '', count: 0 },
        ],
      }),
    }),
    level: r.level,
    epoch: r.epoch,
    steps: r.steps,
  });
  if (s.knobs.paths.includes('coiot')) {
    for (const r of reports) add(coiot(r, r.t));
    const periodic: number[] = [];
    for (let t = 1_000; t <= s.endMs; t += COIOT_PERIOD_MS) periodic.push(t);
    // The last word of a Uni before it reboots.
    for (const boot of s.reboots) periodic.push(boot - 3_000);
    for (const t of periodic) add(coiot(stateAt(t) ?? initial, t));
  }
  if (s.knobs.paths.includes('mqtt')) {
    let level: boolean | null = null;
    let count: number | null = null;
    const topic = (kind: string) => `shellies/${GEN1_ID}/${kind}/0`;
    for (const r of reports) {
      if (r.level !== level || r.cause === 'boot') {
        add({
          path: 'mqtt',
          sendMs: r.t,
          topic: topic('input'),
          payload: r.level ? '1' : '0',
          level: r.level,
        });
        level = r.level;
      }
      if (r.count !== count || r.cause === 'boot') {
        add({
          path: 'mqtt',
          sendMs: r.t + 1,
          topic: topic('input_event'),
          payload: JSON.stringify({ event: r.event, event_cnt: r.count }),
          epoch: r.epoch,
          steps: r.steps,
        });
        count = r.count;
      }
    }
    for (let t = 2_000; t <= s.endMs; t += MQTT_PERIOD_MS) {
      const r = stateAt(t) ?? initial;
      add({ path: 'mqtt', sendMs: t, topic: topic('input'), payload: r.level ? '1' : '0', level: r.level });
    }
  }
  return messages.sort((a, b) => a.sendMs - b.sendMs);
}

/** The network: CoIoT losses and duplicates, Gen2 QoS 1 re-deliveries, smooth delays, FIFO per path. */
export function deliver(s: Scenario, messages: Message[]): Message[] {
  const random = seededRandom(s.seed ^ 0x5bd1e995);
  const sent: Message[] = [];
  for (const m of messages) {
    if (m.path === 'coiot' && m.sendMs < s.endMs - 30_000 && random() < s.lossRate) continue;
    sent.push(m);
    if (m.path === 'coiot' && random() < s.dupRate)
      sent.push({ ...m, sendMs: m.sendMs + 1, original: false });
    const redeliver =
      s.knobs.gen2Redelivery === 'all' || (s.knobs.gen2Redelivery === 'some' && random() < 1 / 3);
    if (s.knobs.gen === 'gen2' && redeliver) {
      sent.push({ ...m, sendMs: m.sendMs + 150 + random() * 1_850, original: false });
    }
  }
  sent.sort((a, b) => a.sendMs - b.sendMs);
  const state: Record<Path, { delay: number; at: number; arrive: number }> = {
    coiot: { delay: random() * MAX_DELAY_MS, at: 0, arrive: 0 },
    mqtt: { delay: random() * MAX_DELAY_MS, at: 0, arrive: 0 },
  };
  const out: Message[] = [];
  for (const m of sent) {
    const path = state[m.path];
    const swing = Math.min(MAX_DELAY_MS, 40 + 0.3 * (m.sendMs - path.at));
    path.delay = Math.min(MAX_DELAY_MS, Math.max(0, path.delay + (random() * 2 - 1) * swing));
    path.at = m.sendMs;
    path.arrive = Math.max(path.arrive, m.sendMs + path.delay);
    out.push({ ...m, arriveMs: Math.round(path.arrive) });
  }
  // The agent hears nothing before it starts, nor while it is down.
  const down = (t: number) =>
    t < s.agentStartMs || s.restarts.some((r) => t >= r.atMs && t < r.atMs + r.downMs);
  const heard = out.filter((m) => !down(m.arriveMs));
  // With mqtt_retain the broker replays the last message of every topic to the agent as it (re)connects.
  if (s.knobs.mqttRetain && s.knobs.gen === 'gen1') {
    for (const at of [s.agentStartMs, ...s.restarts.map((r) => r.atMs + r.downMs)]) {
      const last = new Map<string, Message>();
      for (const m of out) if (m.topic && m.sendMs < at) last.set(m.topic, m);
      for (const m of last.values()) heard.push({ ...m, arriveMs: at, retain: true, original: false });
    }
  }
  return heard.sort(
    (a, b) => a.arriveMs - b.arriveMs || Number(b.retain ?? false) - Number(a.retain ?? false),
  );
}

export interface RunResult {
  rings: RingEvent[];
  /** When `chatter` was raised (health's monitor fed by the detector's edges). */
  chatterRaisedMs: number[];
}

/** The real pipeline and detector over the deliveries, timers fired between them, restarts from the store. */
export function run(s: Scenario, deliveries: Message[]): RunResult {
  const store = new MemoryChannelStore();
  const device = s.knobs.gen === 'gen1' ? GEN1_ID : GEN2_ID;
  const channels = [{ device, input: 0, chime: s.chime }];
  const chatter = new ChatterMonitor(DEFAULT_HEALTH_PARAMS, 0);
  const chatterRaisedMs: number[] = [];
  const hooks = {
    onDetected: (_e: unknown, output: { edges?: number }, nowMs: number) => {
      if (output.edges) chatter.rise(nowMs, output.edges);
      if (chatter.evaluate(nowMs) && chatter.latch.on) chatterRaisedMs.push(nowMs);
    },
  };
  const start = () => new Pipeline(new Detector(channels, store), silentLogger, hooks);
  let pipeline = start();
  const rings: RingEvent[] = [];
  const advanceTo = (nowMs: number) => {
    const detector = pipeline.detector;
    for (let wake = detector.nextWakeMs(); wake !== null && wake <= nowMs; wake = detector.nextWakeMs()) {
      rings.push(...pipeline.tick(wake).rings);
    }
  };
  const restarts = [...s.restarts].sort((a, b) => a.atMs - b.atMs);
  for (const m of deliveries) {
    while (restarts.length > 0 && (restarts[0] as { atMs: number }).atMs <= m.arriveMs) {
      const r = restarts.shift() as { atMs: number; downMs: number };
      advanceTo(r.atMs);
      pipeline = start();
      advanceTo(r.atMs + r.downMs);
    }
    advanceTo(m.arriveMs);
    const out = m.bytes
      ? pipeline.coiotDatagram(m.bytes, '192.168.1.51:5683', m.arriveMs)
      : pipeline.mqttMessage(
          m.topic as string,
          Buffer.from(m.payload as string),
          m.retain === true,
          m.arriveMs,
        );
    rings.push(...out.rings);
  }
  advanceTo(s.endMs + 60_000);
  return { rings, chatterRaisedMs };
}

/** Pulses the product's rules may take as one press, and what the agent could know of each. */
export interface Expectation {
  /** Fewest and most rings allowed. */
  min: number;
  max: number;
  /** Presses whose edge arrived, cleanly separate from the one before: each must ring live near its rise. */
  live: Array<{ riseMs: number; untilMs: number }>;
  /** Chattering bursts whose every edge arrived: each must raise chatter by its end (plus the merge window). */
  chatterBy: number[];
  /** Bursts: at most one ring in each window (plus the rings of presses starting inside it). */
  bursts: Array<{ fromMs: number; toMs: number; allowed: number }>;
  why: string[];
}

export function oracle(s: Scenario, pulses: Pulse[], deliveries: Message[]): Expectation {
  const electronic = s.chime.mode === 'electronic';
  const window = electronic ? ELECTRONIC_BOUNCE_MS : s.chime.settleS * 1000;
  const why: string[] = [];
  const originals = deliveries.filter((m) => !m.retain);
  // What each pulse left at the agent.
  const riseArrive: Array<number | undefined> = pulses.map(() => undefined);
  /** When the agent first heard the input low after each pulse (a late periodic report counts, late). */
  const fallHeardMs: Array<number | undefined> = pulses.map(() => undefined);
  /** When the device sent the first report the agent could take as the pulse's rise (it may be late: lost). */
  const riseSentMs: Array<number | undefined> = pulses.map(() => undefined);
  /** Its rise came late (its rise report lost) in a report that also brought a counter step: which is first? */
  const riseWithStep: boolean[] = pulses.map(() => false);
  const reached: boolean[] = pulses.map(() => false);
  const pulseAt = (t: number) => pulses.findIndex((p) => p.rise <= t && t <= p.fall);
  if (s.knobs.gen === 'gen2') {
    for (const m of originals) {
      for (const i of m.risePulses ?? []) {
        // Only the first copy can be an edge: a later one is older than the edges that followed it.
        if (m.original && riseArrive[i] === undefined) {
          riseArrive[i] = m.arriveMs;
          riseSentMs[i] = m.sendMs;
        }
        reached[i] = true;
      }
      for (const i of m.pushPulses ?? []) reached[i] = true;
    }
  } else {
    for (const path of ['coiot', 'mqtt'] as const) {
      let previous: boolean | null = null;
      let steps: number | undefined;
      for (const m of originals.filter((x) => x.path === path && x.level !== undefined)) {
        if (previous === false && m.level === true) {
          const i = pulseAt(m.sendMs);
          if (i >= 0 && (riseArrive[i] === undefined || m.arriveMs < (riseArrive[i] as number))) {
            riseArrive[i] = m.arriveMs;
            riseSentMs[i] = m.sendMs;
            const p = pulses[i] as Pulse;
            riseWithStep[i] = m.sendMs > p.rise + BATCH_MS && m.steps !== undefined && m.steps !== steps;
          }
        }
        previous = m.level as boolean;
        if (m.steps !== undefined) steps = m.steps;
      }
    }
    // A step reaches the agent when a later report carries it and an earlier one (same boot) did not.
    const counted = originals.filter((m) => m.steps !== undefined).sort((a, b) => a.arriveMs - b.arriveMs);
    const reports = gen1StepOwners(s, pulses);
    for (const [epoch, owners] of reports) {
      let baseline: number | null = null;
      for (const m of counted.filter((x) => x.epoch === epoch)) {
        const steps = m.steps as number;
        if (baseline !== null) for (let k = baseline; k < steps; k++) reached[owners[k] as number] = true;
        baseline = baseline === null ? steps : Math.max(baseline, steps);
      }
    }
  }
  // Each path's first low report after the pulse; with two paths, the later one (a path whose own fall report
  // was lost still shows the input high, and the paths' reports cannot be put back in device order).
  for (const path of ['coiot', 'mqtt'] as const) {
    const first: Array<number | undefined> = pulses.map(() => undefined);
    for (const m of originals) {
      if (m.level !== false || m.path !== path) continue;
      pulses.forEach((p, i) => {
        const next = pulses[i + 1];
        if (m.sendMs >= p.fall && (next === undefined || m.sendMs < next.rise)) {
          first[i] = Math.min(first[i] ?? Infinity, m.sendMs);
        }
      });
    }
    first.forEach((t, i) => {
      if (t !== undefined) fallHeardMs[i] = Math.max(fallHeardMs[i] ?? -Infinity, t);
    });
  }
  pulses.forEach((_, i) => {
    if (riseArrive[i] !== undefined) reached[i] = true;
  });
  // Whatever may ring: a report of the input high during the pulse (the other path may have said low just
  // before), or its step reached the agent.
  const seen = reached.map((r, i) => {
    const p = pulses[i] as Pulse;
    return r || originals.some((m) => m.level === true && m.sendMs >= p.rise && m.sendMs <= p.fall);
  });

  // Units: pulses that are one press by definition (a burst; a re-press within the window after a heard fall).
  type Boundary = 'same' | 'separate' | 'either';
  const boundaries: Boundary[] = [];
  let lastBurstEnd = -Infinity;
  for (let i = 1; i < pulses.length; i++) {
    const a = pulses[i - 1] as Pulse;
    const b = pulses[i] as Pulse;
    if (a.burst) lastBurstEnd = a.fall;
    const gap = b.rise - a.fall;
    if (a.burst && b.burst && a.visit === b.visit) {
      boundaries.push('same');
      continue;
    }
    // While the input chatters (a burst within the chatter window), or after a press that bounced (the pulse
    // before may be one press with its own predecessor), the merge window is `chatter_merge_s`.
    const bounced = i >= 2 && boundaries[i - 2] !== 'separate';
    const chattering =
      bounced || b.rise - lastBurstEnd < DEFAULT_HEALTH_PARAMS.chatterWindowS * 1000 + SLACK_MS;
    const long = chattering ? Math.max(window, CHATTER_MERGE_MS) : window;
    // Measured from when the fall was heard: a fall heard late (in a periodic report) holds the press open.
    // (and to when the rise was: a rise report lost, the first report showing the input high).
    const heardGap = (riseSentMs[i] ?? b.rise) - (fallHeardMs[i - 1] ?? a.fall);
    const same = gap < window - SLACK_MS && heardGap < window - SLACK_MS;
    let boundary: Boundary = same ? 'same' : heardGap > long + SLACK_MS ? 'separate' : 'either';
    // A fall the agent never heard: the press may stay open (N + tolerance, or until the next report), or a
    // counted `S` may tell it fell at an unknown time before (then the window is the one after its last edge).
    if (fallHeardMs[i - 1] === undefined && !(a.burst && b.burst && a.visit === b.visit)) boundary = 'either';
    // A press known only by its counter step: the step cannot be placed more precisely than the reorder window.
    if (
      riseArrive[i] === undefined &&
      b.fall - a.fall < Math.max(long, REORDER_WINDOW_MS) + SLACK_MS + BATCH_MS
    ) {
      if (boundary === 'separate') boundary = 'either';
    }
    if (riseArrive[i - 1] === undefined && gap < Math.max(long, REORDER_WINDOW_MS) + SLACK_MS + BATCH_MS) {
      if (boundary === 'separate') boundary = 'either';
    }
    boundaries.push(boundary);
  }
  // A burst is at most one ring, unless the agent could not see it as one: with losses it may be seen only as
  // counter jumps (as many presses as fit in the time), and reports that sample the input (batched) can show a
  // gap longer than the bounce window between two of its pulses.
  const allowance = new Map<number, number>();
  for (const p of pulses) {
    if (!p.burst || allowance.has(p.visit)) continue;
    const group = pulses.filter((q) => q.visit === p.visit);
    const last = group.at(-1) as Pulse;
    if (s.lossRate > 0) {
      allowance.set(p.visit, group.length);
      continue;
    }
    let splits = 0;
    for (const path of ['coiot', 'mqtt'] as const) {
      const seen = originals
        .filter((m) => m.original && m.path === path && m.level !== undefined)
        .filter((m) => m.sendMs >= p.rise && m.sendMs <= last.fall + BATCH_MS)
        .sort((a, b) => a.sendMs - b.sendMs);
      let lowAt: number | null = null;
      let count = 0;
      for (const m of seen) {
        if (m.level === false) lowAt ??= m.sendMs;
        else {
          if (lowAt !== null && m.sendMs - lowAt > window - 150) count++;
          lowAt = null;
        }
      }
      splits = Math.max(splits, count);
    }
    allowance.set(p.visit, 1 + splits);
  }
  // Walk the units and chains.
  let min = 0;
  let max = 0;
  const live: Expectation['live'] = [];
  let chainHasPress = false;
  let unitReached = false;
  let unitCertain = false;
  let unitPress = false;
  let unitStartsBeforeAgent = false;
  const unitBursts = new Set<number>();
  const closeUnit = () => {
    // A burst whose reports were lost is told by a counter jump in a later report, which cannot be told from as
    // many separate presses as fit in the time: with losses it may ring once per pulse.
    if (unitReached) max += 1 + [...unitBursts].reduce((sum, v) => sum + (allowance.get(v) ?? 1) - 1, 0);
    if (unitCertain && unitPress && !unitStartsBeforeAgent) chainHasPress = true;
  };
  const closeChain = () => {
    if (chainHasPress) min++;
    chainHasPress = false;
  };
  pulses.forEach((p, i) => {
    const boundary = i === 0 ? 'separate' : (boundaries[i - 1] as Boundary);
    if (boundary !== 'same') {
      if (i > 0) closeUnit();
      if (boundary === 'separate' && i > 0) closeChain();
      unitReached = false;
      unitCertain = false;
      unitBursts.clear();
      unitPress = !p.burst;
      unitStartsBeforeAgent = p.rise < s.agentStartMs + MAX_DELAY_MS;
      const rise = riseArrive[i];
      if (boundary === 'separate' && !p.burst && rise !== undefined && !unitStartsBeforeAgent) {
        live.push({ riseMs: p.rise, untilMs: rise + 1 });
      }
    }
    if (seen[i]) unitReached = true;
    // A pulse whose own reports were all lost is told only by a counter step in a later report, which cannot
    // be placed in time: it may ring on its own, recovered.
    const own = originals.some((m) => m.sendMs >= p.rise && m.sendMs <= p.fall + EVENT_APART_MS + BATCH_MS);
    // So may a later pulse of the unit whose rise the agent never heard: its start is not known.
    if ((!own || (boundary === 'same' && riseArrive[i] === undefined)) && reached[i] && !p.burst) max++;
    if (riseWithStep[i]) max++;
    if (reached[i]) unitCertain = true;
    if (p.burst) unitBursts.add(p.visit);
    if (p.rise < s.agentStartMs + MAX_DELAY_MS) unitStartsBeforeAgent = true;
  });
  if (pulses.length > 0) {
    closeUnit();
    closeChain();
  }
  why.push(`boundaries ${boundaries.join(',')}`);

  const chatterBy: number[] = [];
  const bursts: Expectation['bursts'] = [];
  const visits = new Map<number, Pulse[]>();
  for (const p of pulses) if (p.burst) visits.set(p.visit, [...(visits.get(p.visit) ?? []), p]);
  for (const group of visits.values()) {
    const first = group[0] as Pulse;
    const last = group.at(-1) as Pulse;
    const toMs = last.fall + Math.max(window, CHATTER_MERGE_MS) + REORDER_WINDOW_MS + SLACK_MS;
    // Other presses and bursts whose ring may fall in that window (a recovered ring comes up to the reorder window
    // after its step) may ring there too.
    const others = new Set(
      pulses
        .filter((p) => p.visit !== first.visit && p.fall + LATE_RING_MS >= first.rise && p.rise <= toMs)
        .map((p) => p.visit),
    );
    bursts.push({ fromMs: first.rise, toMs, allowed: (allowance.get(first.visit) ?? 1) + others.size });
    const allHeard = group.every((p) => riseArrive[pulses.indexOf(p)] !== undefined);
    const restartInside = s.restarts.some(
      (r) =>
        r.atMs < last.fall + 1_000 &&
        r.atMs + r.downMs > first.rise - DEFAULT_HEALTH_PARAMS.chatterWindowS * 1000,
    );
    if (group.length >= DEFAULT_HEALTH_PARAMS.chatterMinEdges + 2 && allHeard && !restartInside) {
      chatterBy.push(last.fall + 2 * MAX_DELAY_MS + BATCH_MS);
    }
  }
  return { min, max, live, chatterBy, bursts, why };
}

/** For each boot epoch, the pulse that made each counter step, in order. */
function gen1StepOwners(s: Scenario, pulses: Pulse[]): Map<number, number[]> {
  const owners = new Map<number, number[]>();
  for (const r of gen1Reports(s, pulses)) {
    const list = owners.get(r.epoch) ?? [];
    list.push(...r.stepPulses);
    owners.set(r.epoch, list);
  }
  return owners;
}

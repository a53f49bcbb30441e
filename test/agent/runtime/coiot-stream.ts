import fc from 'fast-check';
import type { ConfigInput } from '../../../agent/config/schema.ts';
import { encodeReply, encodeStatus, shuniValues } from '../../../simulator/emulator/coiot-encode.ts';
import type { GraphTwin } from './graph-twin.ts';

/**
 * Random streams of what a LAN of Unis sends, for differential tests of the live graph: re-sends (a burst too),
 * new statuses, serial gaps, reboots, fluttering relays, MQTT input and online messages, replies with and without a
 * status, flipped bytes, garbage, forged sources and other ports, pins verified elsewhere or refuted, unknown
 * devices, on a clock that may step back.
 */
/** Ten minutes before the alkaline cells of the first Uni (installed 2016-01-01) pass their shelf life. */
export const START_MS = Date.parse('2025-12-28T23:50:00Z');
const MACS: string[] = ['98CDAC000001', '98CDAC000002', '98CDAC000003', '98CDAC000004'];
/** Where each device sends from; the last one is not configured. */
const HOMES: string[] = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'];
const FORGED = ['10.0.9.1', '10.0.9.2'];

export const CONFIG: ConfigInput = {
  security: { discovery: true, burst_per_source: 24, rate_per_source: 4 },
  devices: [
    {
      id: `shellyuni-${MACS[0]}`,
      address: HOMES[0],
      chime: { mode: 'mechanical' },
      battery: { installed: '2016-01-01' },
    },
    { id: `shellyuni-${MACS[1]}`, address: HOMES[1], chime: { mode: 'electronic', duration_s: 2 } },
    // No address: pinned where it is first heard from (and withdrawn when that is refuted).
    { id: `shellyuni-${MACS[2]}`, chime: { mode: 'mechanical' }, battery: { adc: true } },
  ],
};

interface Uni {
  serial: number;
  messageId: number;
  level: boolean;
  count: number;
  event: string;
  adcVolts: number;
}

type From = { kind: 'home' } | { kind: 'port' } | { kind: 'other'; address: string };

const deviceArb = fc.integer({ min: 0, max: MACS.length - 1 });
const fromArb: fc.Arbitrary<From> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'home' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('other' as const),
      address: fc.constantFrom(...HOMES, ...FORGED),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'port' as const }) },
);
export const stepArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('chatter' as const),
      device: deviceArb,
      edges: fc.integer({ min: 3, max: 14 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('mqtt' as const),
      device: deviceArb,
      topic: fc.constantFrom('input/0', 'online', 'input_event/0'),
      on: fc.boolean(),
    }),
  },
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant('resend' as const),
      device: deviceArb,
      from: fromArb,
      copies: fc.oneof({ weight: 4, arbitrary: fc.constant(1) }, fc.integer({ min: 2, max: 30 })),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('status' as const),
      device: deviceArb,
      from: fromArb,
      serialStep: fc.oneof(fc.constant(1), fc.constant(0), fc.integer({ min: 2, max: 6 }), fc.constant(-3)),
      change: fc.constantFrom('press', 'release', 'adc', 'none'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reboot' as const), device: deviceArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('reply' as const),
      device: deviceArb,
      from: fromArb,
      status: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('flip' as const),
      device: deviceArb,
      from: fromArb,
      // The header (message id included), anywhere, or the last bytes (negative: from the end).
      at: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.nat(), fc.integer({ min: -3, max: -1 })),
      xor: fc.integer({ min: 1, max: 255 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('garbage' as const),
      from: fromArb,
      device: deviceArb,
      bytes: fc.uint8Array({ maxLength: 24 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('pin' as const),
      device: deviceArb,
      verdict: fc.constantFrom('verified', 'refuted'),
      address: fc.constantFrom(...HOMES, ...FORGED),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('wait' as const),
      ms: fc.oneof(
        fc.integer({ min: 0, max: 20_000 }),
        fc.integer({ min: 30_000, max: 120_000 }),
        fc.constant(-2_000),
      ),
      late: fc.boolean(),
    }),
  },
);
export type Step = typeof stepArb extends fc.Arbitrary<infer T> ? T : never;

/** Feeds the same steps to both twins; device state (and its last datagram) is the world's, not a twin's. */
export function play(steps: Step[], twins: GraphTwin[]): void {
  const unis: Uni[] = MACS.map((_, i) => ({
    serial: 100 + i,
    messageId: 7 * i,
    level: false,
    count: 3,
    event: '',
    adcVolts: 3.1,
  }));
  const last: Array<Buffer | undefined> = MACS.map(() => undefined);
  let clockMs = START_MS;
  let port = 5683;
  const status = (i: number) => {
    const uni = unis[i] as Uni;
    uni.messageId = (uni.messageId + 1) & 0xffff;
    const idle = { level: false, event: '', count: 0 };
    const bytes = encodeStatus({
      deviceType: 'SHUNI-1',
      mac: MACS[i] as string,
      messageId: uni.messageId,
      serial: uni.serial,
      values: shuniValues({
        inputs: [{ level: uni.level, event: uni.event, count: uni.count }, idle],
        adcVolts: uni.adcVolts,
      }),
    });
    last[i] = bytes;
    return bytes;
  };
  const sourceOf = (i: number, from: From) => {
    if (from.kind === 'home') return `${HOMES[i]}:5683`;
    if (from.kind === 'port') return `${HOMES[i]}:${++port}`;
    return `${from.address}:5683`;
  };
  const send = (bytes: Buffer, source: string) => {
    for (const twin of twins) twin.coiot(bytes, source);
  };
  for (const step of steps) {
    switch (step.kind) {
      case 'resend':
        for (let k = 0; k < step.copies; k++) {
          const bytes = Buffer.from(last[step.device] ?? status(step.device));
          const uni = unis[step.device] as Uni;
          uni.messageId = (uni.messageId + 1) & 0xffff;
          bytes.writeUInt16BE(uni.messageId, 2);
          send(bytes, sourceOf(step.device, step.from));
        }
        break;
      case 'status': {
        const uni = unis[step.device] as Uni;
        uni.serial = (uni.serial + step.serialStep + 0x10000) % 0x10000 || 1;
        if (step.change === 'press') [uni.level, uni.event] = [true, ''];
        if (step.change === 'release')
          [uni.level, uni.event, uni.count] = [false, 'S', (uni.count + 1) % 0x10000];
        if (step.change === 'adc') uni.adcVolts = Math.round((uni.adcVolts - 0.4) * 100) / 100;
        send(status(step.device), sourceOf(step.device, step.from));
        break;
      }
      case 'reboot':
        (unis[step.device] as Uni).serial = 1;
        send(status(step.device), sourceOf(step.device, { kind: 'home' }));
        break;
      case 'reply': {
        const uni = unis[step.device] as Uni;
        const payload = step.status
          ? JSON.stringify({ G: shuniValues({ inputs: [uni, { level: false, event: '', count: 0 }] }) })
          : '{"blk":[],"sen":[]}';
        const reply = encodeReply({
          deviceType: 'SHUNI-1',
          mac: MACS[step.device] as string,
          messageId: 9,
          payload,
        });
        for (let k = 0; k < 2; k++) send(reply, sourceOf(step.device, step.from));
        break;
      }
      case 'flip': {
        const bytes = Buffer.from(last[step.device] ?? status(step.device));
        const at = (step.at + bytes.length) % bytes.length;
        bytes[at] = (bytes[at] as number) ^ step.xor;
        send(bytes, sourceOf(step.device, step.from));
        break;
      }
      case 'garbage':
        send(Buffer.from(step.bytes), sourceOf(step.device, step.from));
        break;
      case 'pin':
        for (const twin of twins) twin.pins[step.verdict](`shellyuni-${MACS[step.device]}`, step.address);
        break;
      case 'wait':
        clockMs += step.ms;
        for (const twin of twins) step.late ? twin.late(clockMs) : twin.advance(clockMs);
        break;
      case 'chatter':
        // A relay fluttering: rises and falls 150 ms apart, each a new status.
        for (let k = 0; k < 2 * step.edges; k++) {
          const uni = unis[step.device] as Uni;
          uni.serial = (uni.serial % 0xffff) + 1;
          uni.level = k % 2 === 0;
          clockMs += 150;
          for (const twin of twins) twin.advance(clockMs);
          send(status(step.device), sourceOf(step.device, { kind: 'home' }));
        }
        break;
      case 'mqtt': {
        const uni = unis[step.device] as Uni;
        const payload =
          step.topic === 'input_event/0'
            ? JSON.stringify({ event: 'S', event_cnt: uni.count })
            : step.topic === 'online'
              ? String(step.on)
              : step.on
                ? '1'
                : '0';
        for (const twin of twins) twin.mqtt(`shellies/shellyuni-${MACS[step.device]}/${step.topic}`, payload);
        break;
      }
    }
  }
  for (const twin of twins) twin.advance(clockMs + 3_600_000);
}

/** What a run did, summed over runs: the streams must reach every path a fast path could get wrong. */
export function tally(twin: GraphTwin, into: Map<string, number>): void {
  const add = (key: string, n = 1) => into.set(key, (into.get(key) ?? 0) + n);
  for (const [key, n] of Object.entries(twin.graph.pipeline.stats)) add(key, n);
  for (const entry of twin.record as unknown[][]) {
    const [kind, what] = entry;
    if (kind === 'health')
      for (const e of what as Array<{ type: string; problem?: string; on?: boolean }>)
        add(e.type === 'problem' ? `${e.problem} ${e.on ? 'on' : 'off'}` : e.type);
    else if ((kind === 'coiot' || kind === 'tick') && (what as { rings: unknown[] }).rings.length > 0)
      add('rings');
    else add(String(kind));
  }
}

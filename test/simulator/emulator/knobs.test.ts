import { parse } from 'coap-packet';
import { describe, expect, it } from 'vitest';
import { type CoiotSend, coiotStream } from '../../../simulator/emulator/coiot-node.ts';
import { gen1MqttStream } from '../../../simulator/emulator/gen1-mqtt.ts';
import { Gen1Uni } from '../../../simulator/emulator/gen1-uni.ts';
import { gen2MqttStream } from '../../../simulator/emulator/gen2-mqtt.ts';
import type { MqttSend } from '../../../simulator/emulator/mqtt-send.ts';
import { VirtualScheduler } from '../../../simulator/emulator/scheduler.ts';
import {
  applyKnob,
  DEFAULT_KNOBS,
  type FirmwareKnobs,
  KNOB_NAMES,
  KNOB_VALUES,
} from '../../../simulator/uni/knobs.ts';

/** A device on a virtual clock, pressed once at 1 s for `holdS`. */
function device(knobs: Partial<FirmwareKnobs>, holdS = 0.3) {
  const scheduler = new VirtualScheduler();
  const uni = new Gen1Uni({ mac: 'AABBCC000001', scheduler, knobs, eventLifetimeS: 1 });
  uni.feed(0, [
    { t: 1, level: 1 },
    { t: 1 + holdS, level: 0 },
  ]);
  return { scheduler, uni };
}

const validityOf = (bytes: Buffer) => {
  const o = parse(bytes).options.find((x) => String(x.name) === '3412')?.value as Buffer;
  return o.readUInt16LE(0);
};

describe('firmware knobs on the wire', () => {
  it('every knob has a default among its plausible values, and key=value parses each of them', () => {
    for (const name of KNOB_NAMES) {
      expect(KNOB_VALUES[name]).toContain(DEFAULT_KNOBS[name]);
      for (const value of KNOB_VALUES[name])
        expect(applyKnob({}, `${name}=${value}`)).toEqual({ [name]: value });
    }
    expect(() => applyKnob({}, 'reports=sometimes')).toThrow(/per-change, event-apart, batched/);
    expect(() => applyKnob({}, 'colour=red')).toThrow(/key one of/);
  });

  it('unicastCode and validity: unicast publishes carry the chosen code, 3412 is 15 s or the period', () => {
    for (const [unicastCode, validity, expected] of [
      ['0.30', 'fixed', [0x1e, 150]],
      ['2.05', 'update-period', [0x45, 600]],
    ] as const) {
      const { scheduler, uni } = device({ unicastCode, validity, coiotPeriodS: 60 });
      const sends: CoiotSend[] = [];
      const stream = coiotStream({
        device: uni,
        to: '127.0.0.1:5683',
        unicast: true,
        send: (s) => sends.push(s),
      });
      scheduler.advanceTo(61_000);
      stream.stop();
      expect(sends.map((s) => s.kind)).toEqual(['publish', 'publish', 'publish', 'publish', 'periodic']);
      for (const s of sends) expect([s.bytes[1], validityOf(s.bytes)]).toEqual(expected);
    }
  });

  it('multicast publishes stay 0.30 whatever unicastCode says', () => {
    const { uni } = device({ unicastCode: '2.05' });
    const sends: CoiotSend[] = [];
    coiotStream({ device: uni, to: '224.0.1.187:5683', unicast: false, send: (s) => sends.push(s) }).stop();
    expect(sends[0]?.bytes[1]).toBe(0x1e);
  });

  it('coiotPeriodS: the last report again every period, same serial', () => {
    const { scheduler, uni } = device({ coiotPeriodS: 5 });
    const sends: CoiotSend[] = [];
    const stream = coiotStream({ device: uni, to: 'x', unicast: true, send: (s) => sends.push(s) });
    scheduler.advanceTo(10_500);
    stream.stop();
    const periodic = sends.filter((s) => s.kind === 'periodic');
    expect(periodic).toHaveLength(2);
    expect(periodic.map((s) => s.serial)).toEqual([4, 4]);
  });

  it('mqttRetain: Gen1 publishes are retained when it is on', () => {
    for (const mqttRetain of [false, true]) {
      const { scheduler, uni } = device({ mqttRetain });
      const sends: MqttSend[] = [];
      const stream = gen1MqttStream(uni, (s) => sends.push(s));
      stream.connected();
      scheduler.advanceTo(3_000);
      stream.stop();
      expect(sends.find((s) => s.topic.endsWith('/input_event/0'))?.retain).toBe(mqttRetain);
      expect(sends.every((s) => s.retain === mqttRetain)).toBe(true);
    }
  });

  it('gen2Mode=switch: NotifyStatus {"input:0":{"id":0,"state":…}} with ts at each edge, no push events', () => {
    const { scheduler, uni } = device({ gen2Mode: 'switch' });
    const sends: MqttSend[] = [];
    const stream = gen2MqttStream(uni, (s) => sends.push(s));
    scheduler.advanceTo(3_000);
    stream.stop();
    const frames = sends.map((s) => JSON.parse(s.payload));
    expect(frames.map((f) => [f.method, f.params.ts, f.params['input:0']])).toEqual([
      ['NotifyStatus', 1, { id: 0, state: true }],
      ['NotifyStatus', 1.3, { id: 0, state: false }],
    ]);
  });

  it('gen2Redelivery=all: every notification comes again later with the same ts, after the release', () => {
    const { scheduler, uni } = device({ gen2Redelivery: 'all' });
    const sends: Array<MqttSend & { at: number }> = [];
    const stream = gen2MqttStream(uni, (s) => sends.push({ ...s, at: scheduler.now() }), { seed: 5 });
    scheduler.advanceTo(10_000);
    stream.stop();
    const originals = sends.filter((s) => !s.redelivery);
    const copies = sends.filter((s) => s.redelivery);
    expect(originals.map((s) => JSON.parse(s.payload).params.events[0].event)).toEqual([
      'btn_down',
      'btn_up',
      'single_push',
    ]);
    expect(copies.map((c) => c.payload).sort()).toEqual(originals.map((o) => o.payload).sort());
    for (const c of copies) {
      const o = originals.find((x) => x.payload === c.payload) as { at: number };
      expect(c.at - o.at).toBeGreaterThanOrEqual(150);
    }
    expect(copies.some((c) => c.at > 1300 && c.payload.includes('btn_down'))).toBe(true);
  });

  it('reports=batched: a 100 ms tap reaches the wire as one CoIoT report, already low, event_cnt stepped', () => {
    const { scheduler, uni } = device({ reports: 'batched' }, 0.1);
    const sends: CoiotSend[] = [];
    const stream = coiotStream({ device: uni, to: 'x', unicast: true, send: (s) => sends.push(s) });
    scheduler.advanceTo(1_900);
    stream.stop();
    const g = sends.map((s) => JSON.parse(parse(s.bytes).payload.toString()).G as number[][]);
    const input0 = g.map((tuples) => tuples.filter((t) => t[1] === 2101 || t[1] === 2103).map((t) => t[2]));
    expect(input0).toEqual([
      [0, 0],
      [0, 1],
    ]);
    expect(uni.steps).toEqual([{ input: 0, boot: 0, count: 1, riseMs: 1000 }]);
  });
});

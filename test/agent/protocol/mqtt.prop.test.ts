import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidDatagram } from '../../../agent/core/errors.ts';
import type { MqttDecoded } from '../../../agent/protocol/mqtt-gen1.ts';
import { decodeGen1Mqtt } from '../../../agent/protocol/mqtt-gen1.ts';
import { decodeGen2Mqtt, decodeMqtt } from '../../../agent/protocol/mqtt-gen2.ts';

function check(decode: () => MqttDecoded | null): void {
  let r: MqttDecoded | null;
  try {
    r = decode();
  } catch (e) {
    if (!(e instanceof InvalidDatagram)) throw e;
    return;
  }
  if (r === null) return;
  for (const e of r.evidence) {
    expect(typeof e.device).toBe('string');
    expect(e.device.length).toBeGreaterThan(0);
    expect(e.via).toBe('mqtt');
    expect(Number.isInteger(e.input) && e.input >= 0 && e.input <= 15).toBe(true);
    if (e.level !== undefined) expect(typeof e.level).toBe('boolean');
    if (e.counter !== undefined) {
      expect(Number.isInteger(e.counter.value) && e.counter.value >= 0 && e.counter.value <= 0xffff).toBe(
        true,
      );
      expect(typeof e.counter.event).toBe('string');
    }
    if (e.completed !== undefined) {
      expect([1, 2, 3]).toContain(e.completed.presses);
      expect(typeof e.completed.key).toBe('string');
    }
  }
  for (const n of r.notices) {
    expect(n.via).toBe('mqtt');
    if (n.online !== undefined) expect(typeof n.online).toBe('boolean');
    if (n.adcVolts !== undefined) expect(Number.isFinite(n.adcVolts)).toBe(true);
  }
  if (r.announce !== undefined) expect(typeof r.announce.id).toBe('string');
}

const segment = fc.oneof(
  fc.constantFrom('shellyuni-AABBCC112233', 'x', '', '+', '#', 'announce', 'input', 'online'),
  fc.string({ maxLength: 12 }),
);
const topic = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('input', 'input_event', 'adc', 'longpush', 'relay'),
      segment,
      fc.oneof(fc.nat(40).map(String), segment),
    )
    .map(([kind, id, i]) => `shellies/${id}/${kind}/${i}`),
  segment.map((id) => `shellies/${id}/online`),
  segment.map((id) => `shellies/${id}/announce`),
  fc.constant('shellies/announce'),
  segment.map((p) => `${p}/events/rpc`),
  segment.map((p) => `${p}/online`),
  fc.array(segment, { maxLength: 5 }).map((s) => s.join('/')),
);

const event = fc.record(
  {
    component: fc.oneof(fc.constantFrom('input:0', 'input:1', 'input:100', 'switch:0'), fc.string()),
    id: fc.nat(200),
    event: fc.oneof(
      fc.constantFrom('btn_down', 'btn_up', 'single_push', 'double_push', 'triple_push', 'long_push'),
      fc.string(),
    ),
    ts: fc.oneof(fc.double(), fc.constant(undefined), fc.string()),
  },
  { requiredKeys: [] },
);
const plausible = fc.oneof(
  fc.constantFrom('0', '1', 'true', 'false', '11.31', '-1', '', ' 1 '),
  fc
    .record({ event: fc.oneof(fc.string(), fc.integer()), event_cnt: fc.oneof(fc.integer(), fc.double()) })
    .map((o) => JSON.stringify(o)),
  fc
    .record({ id: fc.string(), model: fc.string(), new_fw: fc.jsonValue() }, { requiredKeys: [] })
    .map((o) => JSON.stringify(o)),
  fc
    .record({
      src: fc.oneof(fc.constant('shellyplusuni-aabbcc112233'), fc.string()),
      method: fc.constantFrom('NotifyEvent', 'NotifyStatus', 'NotifyFullStatus', 'Other'),
      params: fc.oneof(
        fc.record({ ts: fc.double(), events: fc.array(event, { maxLength: 5 }) }, { requiredKeys: [] }),
        fc.dictionary(fc.constantFrom('input:0', 'input:1', 'input:99', 'ts'), fc.jsonValue({ maxDepth: 2 })),
        fc.jsonValue({ maxDepth: 2 }),
      ),
    })
    .map((o) => JSON.stringify(o)),
);
const payload = fc.oneof(
  plausible,
  fc.string({ maxLength: 200 }),
  fc.json({ depthSize: 'medium' }),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
  plausible.map((p) => Buffer.from(p)),
);

describe('MQTT decoders never throw anything but InvalidDatagram', () => {
  it('random topics and payloads (Gen1, Gen2, routed)', () => {
    fc.assert(
      fc.property(topic, payload, (t, p) => {
        check(() => decodeGen1Mqtt(t, p));
        check(() => decodeGen2Mqtt(t, p));
        check(() => decodeMqtt(t, p));
      }),
      { numRuns: 5000 },
    );
  });

  it('oversize and deeply nested payloads are refused quickly', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          'shellies/shellyuni-AABBCC112233/input_event/0',
          'shellies/announce',
          'shellyplusuni-aabbcc112233/events/rpc',
        ),
        fc.integer({ min: 10, max: 100_000 }),
        (t, depth) => {
          const p = `${'['.repeat(depth)}${']'.repeat(depth)}`;
          const started = performance.now();
          expect(() => decodeMqtt(t, p)).toThrow(InvalidDatagram);
          expect(() => decodeMqtt(t, Buffer.alloc(depth * 2, 0x20))).toThrow(InvalidDatagram);
          expect(performance.now() - started).toBeLessThan(200);
        },
      ),
      { numRuns: 50 },
    );
  });
});

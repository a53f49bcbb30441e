import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../agent/config/schema.ts';
import type { ProblemEvent } from '../../agent/core/events.ts';
import { silentLogger } from '../../agent/core/logger.ts';
import { Detector, type DetectorOutput, MemoryChannelStore } from '../../agent/detect/detector.ts';
import { channelsFrom, tuningFrom } from '../../agent/detect/from-config.ts';
import { Pipeline } from '../../agent/runtime/pipeline.ts';
import { pinsFrom, securityFrom } from '../../agent/runtime/security-setup.ts';
import { encodeStatus, shuniValues } from '../../simulator/emulator/coiot-encode.ts';
import { hexPackets } from '../agent/protocol/fixtures.ts';

/**
 * Hostile input through the whole pipeline as the agent runs it (address pins, rate limits, decoders, detector):
 * no exception, no ring, and every structure that grows with what is heard stays bounded.
 */
const MAC = '98CDAC25ABCD';
const UNI = `shellyuni-${MAC}`;
const GEN2 = 'shellyplusuni-e465b847ca44';
const HOME = '10.0.0.5';

function build(discovery = false, stepMs = 7) {
  const config = configSchema.parse({
    devices: [{ id: UNI, address: HOME }, { id: GEN2 }],
    security: { discovery, max_sources: 64 },
  });
  const pins = pinsFrom(config);
  const problems: ProblemEvent[] = [];
  const security = securityFrom(config, pins);
  const pipeline = new Pipeline(
    new Detector(channelsFrom(config), new MemoryChannelStore(), tuningFrom(config)),
    silentLogger,
    { onProblem: (p) => problems.push(p) },
    security,
  );
  let now = 1_000;
  const rings: DetectorOutput['rings'] = [];
  const feed = (out: DetectorOutput) => rings.push(...out.rings);
  return {
    pipeline,
    pins,
    limiter: security.limiter,
    problems,
    rings,
    coiot(bytes: Uint8Array, source: string) {
      now += stepMs;
      feed(pipeline.coiotDatagram(Buffer.from(bytes), source, now));
      feed(pipeline.tick(now));
    },
    mqtt(topic: string, payload: Uint8Array | string) {
      now += 7;
      feed(pipeline.mqttMessage(topic, Buffer.from(payload), false, now));
      feed(pipeline.tick(now));
    },
    finish() {
      feed(pipeline.tick(now + 3_600_000));
    },
  };
}

const capture = (serial: number, level: boolean, count: number) =>
  encodeStatus({
    deviceType: 'SHUNI-1',
    mac: MAC,
    messageId: serial,
    serial,
    values: shuniValues({
      inputs: [
        { level, event: 'S', count },
        { level: false, event: '', count: 0 },
      ],
    }),
  });

const captures = [capture(1, false, 3), capture(2, true, 3), capture(3, false, 4), ...hexPackets().values()];
const source = fc.tuple(fc.ipV4(), fc.integer({ min: 1, max: 65535 })).map(([ip, port]) => `${ip}:${port}`);
const foreign = source.filter((s) => !s.startsWith(`${HOME}:`));

const mutated = fc
  .tuple(
    fc.constantFrom(...captures),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
    fc.nat(),
    fc.uint8Array({ maxLength: 64 }),
  )
  .map(([packet, flips, cut, tail]) => {
    const bytes = Buffer.from(packet);
    for (const [at, value] of flips) bytes[at % bytes.length] = value;
    return Buffer.concat([bytes.subarray(0, (cut % (bytes.length + 1)) + 1), tail]);
  });

function deepJson(depth: number, open: string, close: string): string {
  return `${open.repeat(depth)}1${close.repeat(depth)}`;
}

describe('pipeline under hostile input (fast-check)', () => {
  it('arbitrary bytes from any source, the pinned one included: no crash, no ring', () => {
    const p = build();
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 1_500 }),
        fc.oneof(source, fc.constant(`${HOME}:5683`)),
        (bytes, src) => p.coiot(bytes, src),
      ),
      { numRuns: 4_000 },
    );
    p.finish();
    expect(p.rings).toEqual([]);
  });

  it('mutated real captures from foreign addresses: never a ring, forged ids raise spoofed problems', () => {
    const p = build();
    fc.assert(
      fc.property(mutated, foreign, (bytes, src) => p.coiot(bytes, src)),
      { numRuns: 4_000 },
    );
    // Unmutated captures too: the Uni's own press, forged from elsewhere.
    p.coiot(captures[0] as Buffer, '10.9.9.9:5683');
    p.coiot(captures[1] as Buffer, '10.9.9.9:5683');
    p.finish();
    expect(p.rings).toEqual([]);
    expect(p.pipeline.stats.spoofed).toBeGreaterThan(0);
    expect(p.problems.every((e) => e.problem === 'spoofed' && e.device === UNI)).toBe(true);
  });

  it('oversize payloads and deep JSON inside well-formed CoIoT from the pinned address: no crash, no ring', () => {
    const p = build();
    const header = capture(9, false, 3);
    const payloadAt = header.indexOf(0xff) + 1;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 10, max: 20_000 }).map((d) => deepJson(d, '[', ']')),
          fc.integer({ min: 10, max: 20_000 }).map((d) => `{"G":${deepJson(d, '[', ']')}}`),
          fc.integer({ min: 10, max: 5_000 }).map((d) => deepJson(d, '{"a":', '}')),
          fc.integer({ min: 1_500, max: 70_000 }).map((n) => `{"G":[[0,2101,${'9'.repeat(n)}]]}`),
          fc.json({ depthSize: 'medium' }),
        ),
        (payload) =>
          p.coiot(Buffer.concat([header.subarray(0, payloadAt), Buffer.from(payload)]), `${HOME}:5683`),
      ),
      { numRuns: 400 },
    );
    p.finish();
    expect(p.rings).toEqual([]);
  });

  it('hostile MQTT on the Shelly topics: no crash, no ring', () => {
    const p = build();
    const topics = fc.oneof(
      fc.constantFrom(
        `shellies/${UNI}/input_event/0`,
        `shellies/${UNI}/input/0`,
        `shellies/${UNI}/info`,
        `${GEN2}/events/rpc`,
        `${GEN2}/status/input:0`,
        `${GEN2}/online`,
      ),
      fc.string({ maxLength: 80 }),
      fc
        .array(fc.constantFrom('shellies', UNI, GEN2, 'input', '0', '+', '#', '', 'events', 'rpc'), {
          maxLength: 6,
        })
        .map((parts) => parts.join('/')),
    );
    const payloads = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 600 }).map((b) => Buffer.concat([Buffer.from('{'), b])),
      fc.integer({ min: 10, max: 20_000 }).map((d) => deepJson(d, '[', ']')),
      fc.integer({ min: 10, max: 5_000 }).map((d) => `{"params":${deepJson(d, '{"a":', '}')}}`),
      fc
        .integer({ min: 70_000, max: 300_000 })
        .map((n) => `{"event":"S","event_cnt":1,"x":"${'x'.repeat(n)}"}`),
      fc.json({ depthSize: 'medium' }).filter((j) => j.length > 8),
    );
    fc.assert(
      fc.property(topics, payloads, (topic, payload) => p.mqtt(topic, payload)),
      { numRuns: 1_500 },
    );
    p.finish();
    expect(p.rings).toEqual([]);
  });

  it('stays bounded: a flood from 100,000 addresses with forged and random ids', () => {
    for (const discovery of [false, true]) {
      const p = build(discovery, 0.05); // 20,000 datagrams per second
      const random = fc.sample(fc.uint8Array({ minLength: 0, maxLength: 64 }), { numRuns: 1_000, seed: 7 });
      for (let i = 0; i < 100_000; i++) {
        const src = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:5683`;
        if (i % 3 === 0) p.coiot(random[i % random.length] as Uint8Array, src);
        else {
          const mac = (0x98cdac000000 + i).toString(16).toUpperCase();
          const forged = encodeStatus({
            deviceType: 'SHUNI-1',
            mac: i % 2 === 0 ? MAC : mac,
            messageId: i,
            serial: (i % 0xfffe) + 1,
            values: shuniValues({
              inputs: [
                { level: true, event: 'S', count: i & 0xffff },
                { level: false, event: '', count: 0 },
              ],
            }),
          });
          p.coiot(forged, src);
        }
      }
      p.finish();
      expect(p.rings).toEqual([]);
      expect(p.limiter?.size).toBeLessThanOrEqual(64);
      expect(p.pins?.discoveredDevices().length ?? 0).toBeLessThanOrEqual(discovery ? 256 : 0);
      expect(p.pipeline.stats.rateLimited).toBeGreaterThan(0);
    }
  });
});

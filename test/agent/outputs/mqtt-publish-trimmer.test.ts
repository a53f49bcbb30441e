import fc from 'fast-check';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { PublishTrimmer } from '../../../agent/outputs/mqtt-publish-trimmer.ts';

const MAX = 64;

/** What a broker sends a 3.1.1 client: publishes of every QoS and size around the bound, acks, pings. */
const packetArb: fc.Arbitrary<Packet> = fc.oneof(
  fc
    .record({
      topic: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
      payload: fc.oneof(
        fc.uint8Array({ maxLength: MAX }),
        fc.uint8Array({ minLength: MAX - 8, maxLength: MAX + 8 }),
        fc.uint8Array({ minLength: 200, maxLength: 20_000 }),
      ),
      qos: fc.constantFrom(0, 1, 2),
      retain: fc.boolean(),
      messageId: fc.integer({ min: 1, max: 65_535 }),
    })
    .map(({ topic, payload, qos, retain, messageId }) => ({
      cmd: 'publish' as const,
      topic,
      payload: Buffer.from(payload),
      qos: qos as 0 | 1 | 2,
      retain,
      dup: false,
      ...(qos > 0 && { messageId }),
    })),
  fc.integer({ min: 1, max: 65_535 }).map((messageId) => ({ cmd: 'puback' as const, messageId })),
  fc.constant({ cmd: 'pingresp' as const }),
  fc
    .integer({ min: 1, max: 65_535 })
    .map((messageId) => ({ cmd: 'suback' as const, messageId, granted: [1, 0, 128] })),
);

/** The packets as mqtt-packet (MQTT.js's parser) reads them from `bytes`. */
function parse(chunks: Buffer[]): Packet[] {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const packets: Packet[] = [];
  parser.on('packet', (packet) => packets.push(packet));
  parser.on('error', (error) => {
    throw error;
  });
  for (const chunk of chunks) parser.parse(chunk);
  return packets;
}

/** The bytes cut at the given offsets. */
function cut(bytes: Buffer, at: number[]): Buffer[] {
  const cuts = [...new Set(at.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  return [0, ...cuts].map((from, i) => bytes.subarray(from, cuts[i] ?? bytes.length));
}

/** The fixed header's remaining length: 7 bits a byte from the second, while the top bit says more follow. */
function remainingLength(packet: Buffer): number {
  let value = 0;
  for (let i = 1, scale = 1; ; i++, scale *= 128) {
    value += ((packet[i] as number) & 0x7f) * scale;
    if (((packet[i] as number) & 0x80) === 0) return value;
  }
}

/** What the client should read: the same packets, the payload of each PUBLISH longer than MAX left empty. */
function expected(sent: Packet[]): Packet[] {
  return parse(
    sent.map((packet) => {
      const long = packet.cmd === 'publish' && remainingLength(mqttPacket.generate(packet)) > MAX;
      return mqttPacket.generate(long ? { ...packet, payload: Buffer.alloc(0) } : packet);
    }),
  );
}

describe('PublishTrimmer', () => {
  it('reads the same packets, each PUBLISH past the bound with an empty payload, however the bytes are cut', () => {
    fc.assert(
      fc.property(
        fc.array(packetArb, { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (sent, at) => {
          const trimmer = new PublishTrimmer(MAX);
          const bytes = Buffer.concat(sent.map((p) => mqttPacket.generate(p)));
          const received = cut(bytes, at).flatMap((chunk) => trimmer.take(chunk));
          expect(parse(received)).toEqual(expected(sent));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads a PUBLISH of exactly the bound whole, and trims one a byte longer', () => {
    // Remaining length: 2 (topic length) + 1 (topic) + 2 (packet id) + payload.
    const publish = (payloadBytes: number) =>
      mqttPacket.generate({
        cmd: 'publish',
        topic: 't',
        payload: Buffer.alloc(payloadBytes, 0x31),
        qos: 1,
        messageId: 3,
        retain: false,
        dup: false,
      });
    const [atBound, past] = [publish(MAX - 5), publish(MAX - 4)].map((bytes) => {
      expect(remainingLength(bytes)).toBeGreaterThanOrEqual(MAX);
      return parse(new PublishTrimmer(MAX).take(bytes))[0] as Packet & { payload: Buffer };
    });
    expect(atBound?.payload).toHaveLength(MAX - 5);
    expect(past?.payload).toHaveLength(0);
    expect(past).toMatchObject({ cmd: 'publish', topic: 't', qos: 1, messageId: 3 });
  });

  it('passes a chunk with nothing to rewrite on as it is, and drops a large payload without holding it', () => {
    const told: Array<[string, number]> = [];
    const trimmer = new PublishTrimmer(MAX, (topic, bytes) => told.push([topic, bytes]));
    const small = mqttPacket.generate({ cmd: 'puback', messageId: 7 });
    expect(trimmer.take(small)[0]).toBe(small);
    const big = mqttPacket.generate({
      cmd: 'publish',
      topic: 'shellies/x/input/0',
      payload: Buffer.alloc(5_000_000, 0x31),
      qos: 1,
      messageId: 9,
      retain: false,
      dup: false,
    });
    let handedOn = 0;
    for (let i = 0; i < big.length; i += 65_536)
      for (const piece of trimmer.take(big.subarray(i, i + 65_536))) handedOn += piece.length;
    expect(handedOn).toBeLessThan(64);
    expect(told).toEqual([['shellies/x/input/0', 2 + 18 + 2 + 5_000_000]]);
    expect(trimmer.trimmed).toBe(1);
  });
});

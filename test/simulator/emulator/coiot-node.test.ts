import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate, parse } from 'coap-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeCoiot } from '../../../agent/protocol/coiot-packet.ts';
import { SHUNI1_SENSORS, sensorMapFromCitDText } from '../../../agent/protocol/coiot-sensors.ts';
import { decodeStatus, readG } from '../../../agent/protocol/coiot-status.ts';
import { type CoiotNode, startCoiotNode } from '../../../simulator/emulator/coiot-node.ts';
import { Gen1Uni } from '../../../simulator/emulator/gen1-uni.ts';
import { VirtualScheduler } from '../../../simulator/emulator/scheduler.ts';
import { SHELLY_FIXTURES_DIR } from '../../helpers/paths.ts';

const MAC = 'AABBCC112233';
const fixture = (name: string) => readFileSync(join(SHELLY_FIXTURES_DIR, name), 'utf8');
const hexLines = (name: string) =>
  new Map(
    fixture(name)
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'))
      .map((l) => l.trim().split(/\s+/) as [string, string])
      .map(([label, hex]) => [label, Buffer.from(hex, 'hex')]),
  );
const realStatus = hexLines('coiot-capture.shix3-1.v1.status.hex').get('shix3_v1_status_a') as Buffer;
const realCitDReply = hexLines('coiot-capture.requests-and-cit-d-reply.hex').get(
  'shsw1_v1_cit_d_reply',
) as Buffer;
const synthesized = new Map(
  fixture('shuni-1.cit-s.synthesized.hex')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => l.trim().split(/\s+/) as [string, string])
    .map(([label, hex]) => [label, Buffer.from(hex, 'hex')]),
);

/** A loopback UDP socket that keeps every datagram it gets. */
async function receiver() {
  const socket = dgram.createSocket('udp4');
  const got: Buffer[] = [];
  socket.on('message', (b) => got.push(b));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  const waitFor = async (n: number) => {
    for (let i = 0; i < 200 && got.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    return got;
  };
  return { socket, got, port: socket.address().port, waitFor };
}

/** What the decoders make of a datagram, minus what legitimately differs between two devices. */
function structure(bytes: Buffer) {
  const msg = decodeCoiot(bytes);
  const packet = parse(bytes);
  return {
    header: [bytes[0], bytes[1]],
    code: msg.code,
    path: msg.path,
    options: packet.options.map((o) => o.name),
    deviceType: msg.deviceType,
    protocolVersion: msg.protocolVersion,
    validityS: msg.validityS,
    ids: [...readG(msg.payload).keys()],
  };
}

describe('emulated SHUNI-1 CoIoT node on loopback UDP', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup() {
    const scheduler = new VirtualScheduler(1_000_000);
    const device = new Gen1Uni({ mac: MAC, scheduler });
    const rx = await receiver();
    const node: CoiotNode = await startCoiotNode({
      device,
      peer: { host: '127.0.0.1', port: rx.port },
      bindAddress: '127.0.0.1',
      firstMessageId: 0xfffe,
    });
    cleanups.push(
      () => device.stop(),
      () => node.close(),
      () => new Promise<void>((r) => rx.socket.close(() => r())),
    );
    return { scheduler, device, rx, node };
  }

  it('publishes packets with the same structure as the captures, decoded the same way', async () => {
    const { scheduler, device, rx } = await setup();
    device.feed(0, [
      { t: 1000.1, level: 1 },
      { t: 1000.4, level: 0 },
    ]);
    scheduler.advanceTo(1_000_500);
    const got = await rx.waitFor(3);
    expect(got).toHaveLength(3);
    for (const label of ['shuni1_v2_idle', 'shuni1_v2_pressed', 'shuni1_v2_released_S']) {
      expect(structure(got[0] as Buffer)).toEqual(structure(synthesized.get(label) as Buffer));
    }
    // The framing of a real capture (another model, so only header, options and code are compared).
    const framing = (b: Buffer) => ({
      first: [b[0], b[1]],
      options: parse(b).options.map((o) => o.name),
      token: parse(b).token.length,
    });
    expect(framing(got[0] as Buffer)).toEqual(framing(realStatus));
    const idle = JSON.parse(fixture('shuni-1.cit-s.idle.json')) as { G: unknown[] };
    expect(JSON.parse(decodeCoiot(got[0] as Buffer).payload.toString())).toEqual(idle);
    // Pressed, then released with S and event_cnt 1: exactly the synthesized sequence's evidence.
    const evidence = (b: Buffer) => decodeStatus(decodeCoiot(b), SHUNI1_SENSORS).evidence[0];
    expect(got.map((b) => evidence(b))).toEqual(
      ['shuni1_v2_idle', 'shuni1_v2_pressed', 'shuni1_v2_released_S'].map((l) => ({
        ...evidence(synthesized.get(l) as Buffer),
        device: `shellyuni-${MAC}`,
      })),
    );
  });

  it('adds 1 to the message id per datagram (wrapping), 1 to the serial per new report, never 0', async () => {
    const { scheduler, device, rx } = await setup();
    scheduler.advance(15_000); // periodic re-send
    device.feed(0, [
      { t: 1015.1, level: 1 },
      { t: 1015.3, level: 0 },
    ]);
    scheduler.advance(6_000); // press, release with S, S cleared after 5 s
    scheduler.advance(10_000); // one more periodic
    const got = await rx.waitFor(6);
    const msgs = got.map((b) => decodeCoiot(b));
    expect(msgs.map((m) => m.messageId)).toEqual([0xfffe, 0xffff, 0, 1, 2, 3, 4].slice(0, msgs.length));
    expect(msgs.map((m) => m.serial)).toEqual([1, 1, 2, 3, 4, 4]);
    expect(msgs.every((m) => m.serial !== 0 && m.code === '0.30' && m.path === '/cit/s')).toBe(true);
    // The periodic copy repeats the payload of the report it repeats.
    expect(msgs[1]?.payload.equals(msgs[0]?.payload as Buffer)).toBe(true);
    expect(msgs[5]?.payload.equals(msgs[4]?.payload as Buffer)).toBe(true);
  });

  it('answers GET /cit/s and /cit/d with 2.05 and the request message id, token-less or not', async () => {
    const { node, device } = await setup();
    const client = await receiver();
    cleanups.push(() => new Promise<void>((r) => client.socket.close(() => r())));
    const get = (path: string, messageId: number, token = Buffer.alloc(0)) =>
      client.socket.send(
        generate({
          code: 'GET',
          confirmable: false,
          messageId,
          token,
          options: [
            { name: 'Uri-Path', value: Buffer.from('cit') },
            { name: 'Uri-Path', value: Buffer.from(path) },
          ],
        }),
        node.port,
        '127.0.0.1',
      );
    get('d', 10);
    get('s', 11, Buffer.from([7]));
    const got = await client.waitFor(2);
    const byMid = new Map(got.map((b) => [parse(b).messageId, b]));
    const d = byMid.get(10) as Buffer;
    const s = byMid.get(11) as Buffer;
    expect(parse(d).code).toBe('2.05');
    expect(parse(d).options.map((o) => o.name)).toEqual(['3332']);
    // Same framing as a real device's /cit/d reply: NON 2.05, no token, only 3332.
    expect([d[0], d[1], parse(d).options.map((o) => o.name)]).toEqual([
      realCitDReply[0],
      realCitDReply[1],
      parse(realCitDReply).options.map((o) => o.name),
    ]);
    expect(sensorMapFromCitDText(decodeCoiot(d).payload)).toEqual(SHUNI1_SENSORS);
    expect(parse(s).token).toEqual(Buffer.from([7]));
    expect(decodeCoiot(s)).toMatchObject({ code: '2.05', path: '', deviceId: device.id });
    expect(readG(decodeCoiot(s).payload).get(2103)).toBe(0);
  });

  it('restarts event_cnt at 0 after a reboot, and stays silent while booting', async () => {
    const { scheduler, device, rx } = await setup();
    device.feed(0, [
      { t: 1000.1, level: 1 },
      { t: 1000.2, level: 0 },
    ]);
    scheduler.advance(1000);
    device.reboot();
    scheduler.advance(2000);
    const beforeBoot = (await rx.waitFor(3)).length;
    scheduler.advance(2000);
    const got = await rx.waitFor(beforeBoot + 1);
    expect(got).toHaveLength(beforeBoot + 1);
    const last = decodeCoiot(got.at(-1) as Buffer);
    expect(readG(last.payload).get(2103)).toBe(0);
    expect(
      readG(got[beforeBoot - 1] ? decodeCoiot(got[beforeBoot - 1] as Buffer).payload : Buffer.from('{}')).get(
        2103,
      ),
    ).toBe(1);
  });

  it('with the factory btn_type toggle, reports the level and never an event', async () => {
    const scheduler = new VirtualScheduler(0);
    const device = new Gen1Uni({ mac: MAC, scheduler, btnTypes: ['toggle', 'toggle'] });
    const seen: Array<{ level: number; event: string; count: number }> = [];
    device.on((c) => c.kind === 'input' && seen.push(c.state));
    device.feed(0, [
      { t: 0.1, level: 1 },
      { t: 2, level: 0 },
    ]);
    scheduler.advance(10_000);
    expect(seen).toEqual([
      { level: 1, event: '', count: 0 },
      { level: 0, event: '', count: 0 },
    ]);
  });
});

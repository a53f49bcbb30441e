import dgram from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../../agent/config/schema.ts';
import { silentLogger } from '../../../agent/core/logger.ts';
import { decodeCoiot } from '../../../agent/protocol/coiot-packet.ts';
import { type RunningAgent, startAgent } from '../../../agent/runtime/agent.ts';
import { CoiotForwarder, FORWARD_BURST, FORWARD_RATE_PER_S } from '../../../agent/runtime/coiot-forwarder.ts';
import { type EmulatedUni, startEmulatedUni } from '../../../simulator/emulator/uni.ts';
import { sharedBroker } from '../../helpers/mosquitto.ts';
import { freeUdpPort } from '../../helpers/udp.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MAC = `AABB${(process.pid & 0xffff).toString(16).padStart(4, '0').toUpperCase()}6601`;
const ID = `shellyuni-${MAC}`;

/** A plain UDP socket standing in for Home Assistant's CoIoT listener. */
async function haListener() {
  const socket = dgram.createSocket('udp4');
  const got: Buffer[] = [];
  socket.on('message', (bytes) => got.push(bytes));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  return { got, port: socket.address().port, close: () => new Promise<void>((r) => socket.close(() => r())) };
}

/** Sends from another loopback address than the device's, as a spoofer on the LAN would. */
async function spoofer() {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.2', r));
  return {
    send: (bytes: Buffer, port: number) =>
      new Promise<void>((r) => socket.send(bytes, port, '127.0.0.1', () => r())),
    close: () => new Promise<void>((r) => socket.close(() => r())),
  };
}

describe('coiot.forward: the agent resends what it accepts, so Home Assistant keeps hearing the Uni', () => {
  let broker: { url: string; stop(): Promise<void> };
  let agent: RunningAgent;
  let ha: Awaited<ReturnType<typeof haListener>>;
  let uni: EmulatedUni;
  const sent: Buffer[] = [];

  beforeAll(async () => {
    broker = await sharedBroker();
    ha = await haListener();
    const coiotPort = await freeUdpPort();
    const run = `f${process.pid}`;
    agent = await startAgent({
      config: configSchema.parse({
        mqtt: { url: broker.url, base_topic: `doorbell-${run}`, client_id: `agent-${run}` },
        homeassistant: { discovery_prefix: `ha-${run}` },
        coiot: { listen: '127.0.0.1', port: coiotPort, multicast: false, forward: [`127.0.0.1:${ha.port}`] },
        store: { path: join(mkdtempSync(join(tmpdir(), 'doorbell-forward-')), 'store.sqlite') },
        security: { verify_http: false },
        devices: [{ id: ID, address: '127.0.0.1' }],
      }),
      log: silentLogger,
      version: 'test',
      fetchDescriptions: false,
    });
    uni = await startEmulatedUni({
      gen: 'gen1',
      mac: MAC,
      coiot: { peer: { host: '127.0.0.1', port: coiotPort } },
      onSend: (send) => {
        if (send.via === 'coiot') sent.push(send.bytes);
      },
    });
  });
  afterAll(async () => {
    await uni?.stop();
    await agent?.stop();
    await ha?.close();
    await broker?.stop();
  });

  it("every datagram of the Uni reaches HA's listener byte for byte; spoofed and unknown ones do not", async () => {
    uni.input([
      { t: 0.01, level: 1 },
      { t: 0.2, level: 0 },
    ]);
    for (let i = 0; i < 500 && ha.got.length < 3; i++) await sleep(20);
    expect(ha.got.length).toBeGreaterThanOrEqual(3);
    expect(ha.got.map((b) => b.toString('hex'))).toEqual(
      sent.slice(0, ha.got.length).map((b) => b.toString('hex')),
    );

    // The same device id from another address (pinning drops it), and a device that is not configured.
    const forged = Buffer.from(sent[0] as Buffer);
    const stranger = Buffer.from(
      (sent[0] as Buffer).toString('latin1').replace(MAC, 'FFEEDDCCBBAA'),
      'latin1',
    );
    expect(decodeCoiot(stranger).deviceId).toBe('shellyuni-FFEEDDCCBBAA');
    const liar = await spoofer();
    const before = ha.got.length;
    await liar.send(forged, agent.coiotPort as number);
    await liar.close();
    const udp = dgram.createSocket('udp4');
    await new Promise<void>((r) => udp.send(stranger, agent.coiotPort as number, '127.0.0.1', () => r()));
    udp.close();
    // A marker the agent does forward, sent after both: once it has arrived, the two before it were dropped.
    uni.input([
      { t: 0.01, level: 1 },
      { t: 0.2, level: 0 },
    ]);
    for (let i = 0; i < 500 && ha.got.length < before + 2; i++) await sleep(20);
    const after = ha.got.slice(before).map((b) => decodeCoiot(b));
    expect(after.every((m) => m.deviceId === ID)).toBe(true);
    expect(ha.got.slice(before).some((b) => b.equals(forged))).toBe(false);
    expect(agent.pipeline.stats.spoofed).toBeGreaterThanOrEqual(1);
  });

  it('is rate-limited per listener: a burst, then the rate', async () => {
    const listener = await haListener();
    let nowMs = 1_000_000;
    const forwarder = new CoiotForwarder([`127.0.0.1:${listener.port}`], silentLogger, () => nowMs);
    await forwarder.start();
    const bytes = Buffer.from('flood');
    for (let i = 0; i < FORWARD_BURST * 3; i++) forwarder.forward(bytes);
    expect(forwarder.stats).toEqual({ sent: FORWARD_BURST, dropped: FORWARD_BURST * 2 });
    nowMs += 1000;
    for (let i = 0; i < FORWARD_BURST; i++) forwarder.forward(bytes);
    expect(forwarder.stats.sent).toBe(FORWARD_BURST + FORWARD_RATE_PER_S);
    for (let i = 0; i < 500 && listener.got.length < forwarder.stats.sent; i++) await sleep(20);
    expect(listener.got.length).toBe(forwarder.stats.sent);
    await forwarder.stop();
    await listener.close();
  });
});

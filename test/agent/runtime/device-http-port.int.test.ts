import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../../agent/config/schema.ts';
import { createLogger } from '../../../agent/core/logger.ts';
import { type RunningAgent, startAgent } from '../../../agent/runtime/agent.ts';
import { type EmulatedUni, startEmulatedUni } from '../../../simulator/emulator/uni.ts';
import { FakeUni, tempDir, waitUntil } from '../../faults/support.ts';
import { sharedBroker } from '../../helpers/mosquitto.ts';
import { freeUdpPort } from '../../helpers/udp.ts';

const MAC = '98CDAC25AB77';
const ID = `shellyuni-${MAC}`;

/**
 * `devices[].address` as `host:port`: the device's HTTP API is on another port than 80 (an emulator, a port
 * forward), and both the `/cit/d` fetch and the `/shelly` check of a moved address must go there.
 */
describe('a device whose HTTP API is on another port (devices[].address host:port)', () => {
  let broker: { url: string; stop(): Promise<void> };
  let emulator: EmulatedUni;
  let agent: RunningAgent;
  let uni: FakeUni;
  const logs: Array<{ msg: string } & Record<string, unknown>> = [];

  beforeAll(async () => {
    broker = await sharedBroker();
    // The emulated Uni serves /shelly and /cit/d on a free port of every loopback address.
    emulator = await startEmulatedUni({ gen: 'gen1', mac: MAC, http: { port: 0, host: '0.0.0.0' } });
    const httpPort = emulator.http?.port as number;
    const coiotPort = await freeUdpPort();
    const config = configSchema.parse({
      mqtt: { url: broker.url, base_topic: `httpport${process.pid}` },
      homeassistant: { enabled: false },
      shelly_mqtt: { enabled: false },
      coiot: { listen: '127.0.0.1', port: coiotPort, multicast: false },
      store: { path: join(tempDir('http-port-'), 'state.sqlite') },
      devices: [{ id: ID, address: `127.0.1.40:${httpPort}` }],
    });
    expect(config.devices[0]).toMatchObject({ address: '127.0.1.40', http_port: httpPort });
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
        done();
      },
    });
    agent = await startAgent({
      config,
      log: createLogger({ level: 'info', format: 'json', stream }),
      version: '0.0.0-test',
    });
    uni = new FakeUni(MAC, '127.0.1.40', coiotPort);
    await uni.open();
  });

  afterAll(async () => {
    uni?.close();
    await agent?.stop();
    await emulator?.stop();
    await broker?.stop();
  });

  it('pins the device to the host part only', () => {
    expect(agent.pins?.pinOf(ID)).toMatchObject({ address: '127.0.1.40', source: 'config' });
  });

  it('fetches /cit/d from the configured port', async () => {
    await uni.report();
    await waitUntil('description loaded', () =>
      logs.some(
        (l) => l.msg === 'CoIoT description loaded' || l.msg.startsWith('CoIoT description unavailable'),
      ),
    );
    expect(logs.find((l) => l.msg.startsWith('CoIoT description'))).toMatchObject({
      msg: 'CoIoT description loaded',
      device: ID,
    });
  });

  it('checks a moved address over /shelly on the configured port, and re-pins', async () => {
    await uni.moveTo('127.0.1.41');
    await uni.report();
    await waitUntil('re-pinned', () => agent.pins?.pinOf(ID)?.address === '127.0.1.41');
    expect(agent.pins?.pinOf(ID)?.source).toBe('verified');
  });
});

describe('devices[].address', () => {
  it('takes a host, or host:port; refuses other forms', () => {
    const parse = (address: string) => configSchema.safeParse({ devices: [{ id: ID, address }] });
    expect(parse('192.168.1.20').data?.devices[0]).toMatchObject({ address: '192.168.1.20' });
    expect(parse('192.168.1.20').data?.devices[0]).not.toHaveProperty('http_port');
    expect(parse('192.168.1.20:8080').data?.devices[0]).toMatchObject({
      address: '192.168.1.20',
      http_port: 8080,
    });
    for (const bad of [
      '192.168.1.20:0',
      '192.168.1.20:70000',
      '192.168.1.300',
      'doorbell.lan',
      '192.168.1.20:',
    ]) {
      expect(parse(bad).success, bad).toBe(false);
    }
  });
});

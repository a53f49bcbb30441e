import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../../agent/config/schema.ts';
import { silentLogger } from '../../../agent/core/logger.ts';
import { type RunningAgent, startAgent } from '../../../agent/runtime/agent.ts';
import { FakeUni, ringCollector, sleep, tempDir, waitUntil } from '../../faults/support.ts';
import { freePort, sharedBroker } from '../../helpers/mosquitto.ts';
import { freeUdpPort } from '../../helpers/udp.ts';

const MAC = '98CDAC25ABCD';
const ID = `shellyuni-${MAC}`;

/** `GET /shelly` as a Gen1 Uni answers it, on one address. */
async function shellyHttp(address: string, port: number, mac: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== '/shelly') return res.writeHead(404).end();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ type: 'SHUNI-1', mac, auth: false, fw: 'test', longid: 1 }));
  });
  await new Promise<void>((resolve) => server.listen(port, address, resolve));
  return server;
}

describe('a second sender forging the Uni id from another address (real UDP, real mosquitto)', () => {
  const base = `spoof${process.pid}`;
  let broker: { url: string; stop(): Promise<void> };
  let agent: RunningAgent;
  let collector: Awaited<ReturnType<typeof ringCollector>>;
  let uni: FakeUni;
  let forger: FakeUni;
  const servers: Server[] = [];

  beforeAll(async () => {
    broker = await sharedBroker();
    collector = await ringCollector(broker.url, base);
    const port = await freeUdpPort();
    const httpPort = await freePort();
    // The Uni's next address answers with its MAC; the forger's address with its own.
    servers.push(await shellyHttp('127.0.1.11', httpPort, MAC));
    servers.push(await shellyHttp('127.0.1.66', httpPort, 'A4CF12000066'));
    const config = configSchema.parse({
      mqtt: { url: broker.url, base_topic: base, client_id: `agent-${base}` },
      homeassistant: { enabled: false },
      shelly_mqtt: { enabled: false },
      coiot: { listen: '127.0.0.1', port, multicast: false },
      store: { path: join(tempDir('spoof-'), 'state.sqlite') },
      devices: [{ id: ID }],
    });
    agent = await startAgent({
      config,
      log: silentLogger,
      version: '0.0.0-test',
      fetchDescriptions: false,
      verifyPort: httpPort,
    });
    uni = new FakeUni(MAC, '127.0.1.10', port);
    forger = new FakeUni(MAC, '127.0.1.66', port);
    await uni.open();
    await forger.open();
  });

  afterAll(async () => {
    uni?.close();
    forger?.close();
    await agent?.stop();
    for (const server of servers) server.close();
    await collector?.close();
    await broker?.stop();
  });

  it('pins the Uni at first contact', async () => {
    await uni.report();
    await waitUntil('pinned', () => agent.pins?.pinOf(ID)?.address === '127.0.1.10');
  });

  it('drops the forged press: no ring, a counted drop, a spoofed problem on the broker', async () => {
    await forger.pressDown();
    await sleep(100);
    await forger.release();
    await waitUntil('spoofed problem published', () => collector.problems.length > 0);
    await waitUntil('both datagrams dropped', () => agent.pipeline.stats.spoofed === 2);
    expect(collector.problems[0]).toMatchObject({
      type: 'problem',
      device: ID,
      problem: 'spoofed',
      on: true,
    });
    expect(collector.problems[0]?.detail).toContain('127.0.1.66');
    // HTTP at the forger's address reports another MAC: the pin stays.
    await sleep(300);
    expect(agent.pins?.pinOf(ID)?.address).toBe('127.0.1.10');
    expect(collector.rings).toHaveLength(0);
  });

  it('still rings for the real Uni, once', async () => {
    await uni.pressDown();
    await sleep(100);
    await uni.release();
    await waitUntil('ring', () => collector.rings.length === 1);
    await sleep(800);
    expect(collector.rings).toHaveLength(1);
    expect(collector.rings[0]?.ring).toMatchObject({ device: ID, via: 'coiot', recovered: false });
  });

  it('re-pins the Uni that really moved, after /shelly at the new address reported its MAC', async () => {
    await uni.moveTo('127.0.1.11');
    // It reports from its new address as a Uni does, again and again: the forger's address was checked moments
    // ago, and a device is checked at a new address at most once in 10 s.
    const reporting = setInterval(() => void uni.report(), 1_000);
    await uni.report();
    await waitUntil('re-pinned', () => agent.pins?.pinOf(ID)?.address === '127.0.1.11', 20_000).finally(() =>
      clearInterval(reporting),
    );
    expect(agent.pins?.pinOf(ID)?.source).toBe('verified');
    // A re-press inside the settle window (1 s) after the last release would be the same press, by definition.
    await sleep(1_000);
    await uni.pressDown();
    await sleep(100);
    await uni.release();
    await waitUntil('second ring', () => collector.rings.length === 2);
    // The old address is now the foreign one.
    const spoofedBefore = agent.pipeline.stats.spoofed;
    await forger.moveTo('127.0.1.10');
    await forger.report();
    await waitUntil('dropped', () => agent.pipeline.stats.spoofed === spoofedBefore + 1);
    await sleep(800);
    expect(new Set(collector.rings.map((r) => r.ring.press_id)).size).toBe(2);
  });
});

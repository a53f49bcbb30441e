import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../agent/config/schema.ts';
import { silentLogger } from '../../agent/core/logger.ts';
import { type RunningAgent, startAgent } from '../../agent/runtime/agent.ts';
import type { OutboxEntry } from '../../agent/store/outbox.ts';
import { freeUdpPort } from '../helpers/udp.ts';
import {
  AgentProcess,
  FakeUni,
  macFor,
  type PersistentBroker,
  ringCollector,
  sleep,
  startPersistentBroker,
  tempDir,
  waitUntil,
  writeAgentConfig,
} from './support.ts';

async function press(uni: FakeUni): Promise<void> {
  await uni.pressDown();
  await sleep(60);
  await uni.release();
}

function ringsOf(entries: OutboxEntry[]) {
  return entries.map((e) => e.event).filter((e) => e.type === 'ring');
}

describe('broker killed mid-stream (real mosquitto, SIGKILL)', () => {
  let broker: PersistentBroker | undefined;
  let agent: RunningAgent | undefined;
  const unis: FakeUni[] = [];
  afterAll(async () => {
    for (const uni of unis) uni.close();
    await agent?.stop();
    await broker?.stop();
  });

  it('keeps the rings of the outage in the outbox and publishes them in order, with their original t and press_id', async () => {
    broker = await startPersistentBroker();
    const base = `order${process.pid}`;
    const collector = await ringCollector(broker.url, base);
    const port = await freeUdpPort();
    for (let i = 0; i < 4; i++) unis.push(new FakeUni(macFor(500 + i), `127.0.2.${i + 1}`, port));
    const config = configSchema.parse({
      mqtt: { url: broker.url, base_topic: base, client_id: `agent-${base}` },
      homeassistant: { enabled: false },
      shelly_mqtt: { enabled: false },
      coiot: { listen: '127.0.0.1', port, multicast: false },
      store: { path: join(tempDir('order-'), 'state.sqlite') },
      security: { verify_http: false },
      devices: unis.map((u) => ({ id: u.id })),
    });
    agent = await startAgent({ config, log: silentLogger, version: '0', fetchDescriptions: false });
    for (const uni of unis) {
      await uni.open();
      await uni.report();
    }
    await press(unis[0] as FakeUni);
    await waitUntil('ring before the outage', () => collector.rings.length === 1);
    // A re-press within the mechanical settle window (1 s after the fall) is the same press by definition.
    await sleep(1_200);

    await broker.kill();
    for (let round = 0; round < 3; round++) {
      for (const uni of unis) await press(uni);
      await sleep(1_700);
    }
    const a = agent;
    await waitUntil('12 rings queued', () => ringsOf(a.outbox.entries()).length === 12);
    const queued = ringsOf(a.outbox.entries());
    await broker.start();
    await waitUntil('queued rings delivered', () => collector.rings.length >= 13, 30_000);
    await waitUntil('outbox empty', () => a.outbox.size === 0);
    const delivered = collector.rings.slice(1).map((r) => r.ring);
    expect(delivered.map((r) => r.press_id)).toEqual(queued.map((r) => r.type === 'ring' && r.press_id));
    expect(delivered.map((r) => r.t)).toEqual(queued.map((r) => r.t));
    await collector.close();
  });
});

describe('agent SIGKILLed between hearing presses and publishing them', () => {
  let broker: PersistentBroker | undefined;
  let agent: AgentProcess | undefined;
  const unis: FakeUni[] = [];
  afterAll(async () => {
    for (const uni of unis) uni.close();
    await agent?.kill('SIGTERM');
    await broker?.stop();
  });

  it('publishes them after the restart, with the t and press_id decided before the kill', async () => {
    broker = await startPersistentBroker();
    const base = `kill${process.pid}`;
    const collector = await ringCollector(broker.url, base);
    const port = await freeUdpPort();
    const dir = tempDir('kill-');
    for (let i = 0; i < 3; i++) unis.push(new FakeUni(macFor(600 + i), `127.0.3.${i + 1}`, port));
    agent = new AgentProcess(
      writeAgentConfig(dir, {
        mqtt: { url: broker.url, base_topic: base, client_id: `agent-${base}` },
        homeassistant: { enabled: false },
        shelly_mqtt: { enabled: false },
        coiot: { listen: '127.0.0.1', port, multicast: false },
        store: { path: join(dir, 'state.sqlite') },
        security: { verify_http: false },
        devices: unis.map((u) => ({ id: u.id })),
      }),
      dir,
    );
    agent.start();
    await agent.waitFor('MQTT connected');
    for (const uni of unis) {
      await uni.open();
      await uni.report();
    }
    await waitUntil('pinned', () => (agent?.log.match(/device pinned/g) ?? []).length === 3);
    await broker.kill();
    for (const uni of unis) await press(uni);
    await waitUntil('three rings decided', () => (agent?.log.match(/"msg":"ring"/g) ?? []).length === 3);
    const decided = (agent.log.match(/\{[^\n]*"msg":"ring"[^\n]*\}/g) ?? []).map((l) => JSON.parse(l));
    await agent.kill('SIGKILL');
    await broker.start();
    agent.start();
    await waitUntil('rings after the restart', () => collector.rings.length === 3, 30_000);
    await sleep(1_000);
    expect(collector.rings.map((r) => r.ring.press_id).sort()).toEqual(decided.map((d) => d.press_id).sort());
    expect(collector.rings.map((r) => r.ring.t).sort()).toEqual(decided.map((d) => d.t).sort());
    // Nothing rang twice: the restarted agent did not decide these presses again.
    expect(agent.log).not.toContain('"msg":"ring"');
    await collector.close();
  });
});

describe('agent started while the broker is down', () => {
  let broker: PersistentBroker | undefined;
  let agent: RunningAgent | undefined;
  let uni: FakeUni | undefined;
  afterAll(async () => {
    uni?.close();
    await agent?.stop();
    await broker?.stop();
  });

  it('listens at once, queues the ring, and publishes it when the broker appears', async () => {
    broker = await startPersistentBroker();
    const base = `late${process.pid}`;
    const collector = await ringCollector(broker.url, base);
    await broker.kill();
    const port = await freeUdpPort();
    uni = new FakeUni(macFor(900), '127.0.2.90', port);
    const config = configSchema.parse({
      mqtt: { url: broker.url, base_topic: base, client_id: `agent-${base}` },
      homeassistant: { enabled: false },
      shelly_mqtt: { enabled: false },
      coiot: { listen: '127.0.0.1', port, multicast: false },
      store: { path: join(tempDir('late-'), 'state.sqlite') },
      security: { verify_http: false },
      devices: [{ id: uni.id }],
    });
    const starting = startAgent({ config, log: silentLogger, version: '0', fetchDescriptions: false });
    await uni.open();
    // No handle on the agent yet: it is still waiting for its broker, but its CoIoT socket is up.
    await sleep(500);
    await uni.report();
    await sleep(100);
    await press(uni);
    await sleep(1_000);
    expect(collector.rings).toHaveLength(0);
    await broker.start();
    agent = await starting;
    await waitUntil('ring after the broker appeared', () => collector.rings.length === 1, 20_000);
    expect(collector.rings[0]?.ring).toMatchObject({ device: uni.id, recovered: false });
    await collector.close();
  });
});

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunningAgent } from '../../agent/runtime/agent.ts';
import type { OutboxEntry } from '../../agent/store/outbox.ts';
import { freeUdpPort } from '../helpers/udp.ts';
import {
  AgentProcess,
  FakeUni,
  faultSettings,
  firstReports,
  macFor,
  ringCollector,
  sleep,
  startAgentOn,
  startPersistentBroker,
  stoppedAfterAll,
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
  const started = stoppedAfterAll<RunningAgent>();
  const { unis } = started;

  it('keeps the rings of the outage in the outbox and publishes them in order, with their original t and press_id', async () => {
    const broker = await startPersistentBroker();
    started.broker = broker;
    const base = `order${process.pid}`;
    const collector = await ringCollector(broker.url, base);
    const port = await freeUdpPort();
    for (let i = 0; i < 4; i++) unis.push(new FakeUni(macFor(500 + i), `127.0.2.${i + 1}`, port));
    const store = join(tempDir('order-'), 'state.sqlite');
    const agent = await startAgentOn(faultSettings({ url: broker.url, base, port, store, unis }));
    started.agent = agent;
    await firstReports(unis);
    await press(unis[0] as FakeUni);
    await waitUntil('ring before the outage', () => collector.rings.length === 1);
    // A re-press within the mechanical settle window (1 s after the fall) is the same press by definition.
    await sleep(1_200);

    await broker.kill();
    for (let round = 0; round < 3; round++) {
      for (const uni of unis) await press(uni);
      await sleep(1_700);
    }
    await waitUntil('12 rings queued', () => ringsOf(agent.outbox.entries()).length === 12);
    const queued = ringsOf(agent.outbox.entries());
    await broker.start();
    await waitUntil('queued rings delivered', () => collector.rings.length >= 13, 30_000);
    await waitUntil('outbox empty', () => agent.outbox.size === 0);
    const delivered = collector.rings.slice(1).map((r) => r.ring);
    expect(delivered.map((r) => r.press_id)).toEqual(queued.map((r) => r.type === 'ring' && r.press_id));
    expect(delivered.map((r) => r.t)).toEqual(queued.map((r) => r.t));
    await collector.close();
  });
});

describe('agent SIGKILLed between hearing presses and publishing them', () => {
  const started = stoppedAfterAll<{ stop(): Promise<void> }>();
  const { unis } = started;

  it('publishes them after the restart, with the t and press_id decided before the kill', async () => {
    const broker = await startPersistentBroker();
    started.broker = broker;
    const base = `kill${process.pid}`;
    const collector = await ringCollector(broker.url, base);
    const port = await freeUdpPort();
    const dir = tempDir('kill-');
    for (let i = 0; i < 3; i++) unis.push(new FakeUni(macFor(600 + i), `127.0.3.${i + 1}`, port));
    const store = join(dir, 'state.sqlite');
    const agent = new AgentProcess(
      writeAgentConfig(dir, faultSettings({ url: broker.url, base, port, store, unis })),
      dir,
    );
    started.agent = { stop: () => agent.kill('SIGTERM') };
    agent.start();
    await agent.waitFor('MQTT connected');
    await firstReports(unis);
    await waitUntil('pinned', () => (agent.log.match(/device pinned/g) ?? []).length === 3);
    await broker.kill();
    for (const uni of unis) await press(uni);
    await waitUntil('three rings decided', () => (agent.log.match(/"msg":"ring"/g) ?? []).length === 3);
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
  const started = stoppedAfterAll<RunningAgent>();

  it('listens at once, queues the ring, and publishes it when the broker appears', async () => {
    const broker = await startPersistentBroker();
    started.broker = broker;
    const base = `late${process.pid}`;
    const collector = await ringCollector(broker.url, base);
    await broker.kill();
    const port = await freeUdpPort();
    const uni = new FakeUni(macFor(900), '127.0.2.90', port);
    started.unis.push(uni);
    const store = join(tempDir('late-'), 'state.sqlite');
    const starting = startAgentOn(faultSettings({ url: broker.url, base, port, store, unis: [uni] }));
    await uni.open();
    // No handle on the agent yet: it is still waiting for its broker, but its CoIoT socket is up.
    await sleep(500);
    await uni.report();
    await sleep(100);
    await press(uni);
    await sleep(1_000);
    expect(collector.rings).toHaveLength(0);
    await broker.start();
    started.agent = await starting;
    await waitUntil('ring after the broker appeared', () => collector.rings.length === 1, 20_000);
    expect(collector.rings[0]?.ring).toMatchObject({ device: uni.id, recovered: false });
    await collector.close();
  });
});

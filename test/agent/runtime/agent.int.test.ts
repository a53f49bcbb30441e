import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../../agent/config/schema.ts';
import { silentLogger } from '../../../agent/core/logger.ts';
import { type RunningAgent, startAgent } from '../../../agent/runtime/agent.ts';
import { sharedBroker } from '../../helpers/mosquitto.ts';
import { EXAMPLE_TRACES_DIR } from '../../helpers/paths.ts';
import { freeUdpPort, udpSender } from '../../helpers/udp.ts';

const MECH = 'shellyuni-98CDAC25ABCD';
const ELEC = 'shellyuni-98CDAC25ABCE';

interface TraceEntry {
  t: number;
  kind: string;
  hex?: string;
  topic?: string;
  payload?: string;
}

function traceLines(name: string): TraceEntry[] {
  const text = readFileSync(join(EXAMPLE_TRACES_DIR, `${name}.jsonl`), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as TraceEntry);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Collects every message on a topic filter, to read back what the agent published. */
async function collector(url: string, filter: string) {
  const client: MqttClient = await connectAsync(url, {
    clientId: `collector-${process.pid}-${Math.random()}`,
  });
  const messages: Array<{ topic: string; payload: string; retain: boolean; qos: number }> = [];
  client.on('message', (topic, payload, packet) =>
    messages.push({ topic, payload: payload.toString(), retain: packet.retain, qos: packet.qos }),
  );
  await client.subscribeAsync(filter, { qos: 1 });
  const waitFor = async (
    predicate: (m: (typeof messages)[number]) => boolean,
    count = 1,
    timeoutMs = 10_000,
  ) => {
    const deadline = Date.now() + timeoutMs;
    while (messages.filter(predicate).length < count && Date.now() < deadline) await sleep(20);
    return messages.filter(predicate);
  };
  return { client, messages, waitFor };
}

describe('agent over real loopback UDP and a real mosquitto', () => {
  const run = `t${process.pid}${Date.now().toString(36)}`;
  const base = `doorbell-${run}`;
  const discovery = `ha-${run}`;
  let broker: { url: string; stop(): Promise<void> };
  let agent: RunningAgent;
  let watch: Awaited<ReturnType<typeof collector>>;
  let coiotPort: number;
  let shelly: MqttClient;

  beforeAll(async () => {
    broker = await sharedBroker();
    watch = await collector(broker.url, '#');
    coiotPort = await freeUdpPort();
    shelly = await connectAsync(broker.url, { clientId: `fake-shelly-${run}` });
    // A retained input state and event left on the broker: replayed at connect, they must never ring.
    await shelly.publishAsync(`shellies/${MECH}/input_event/0`, '{"event":"S","event_cnt":99}', {
      qos: 1,
      retain: true,
    });
    await shelly.publishAsync(`shellies/${MECH}/input/0`, '1', { qos: 1, retain: true });
    const config = configSchema.parse({
      mqtt: { url: broker.url, base_topic: base, client_id: `agent-${run}` },
      homeassistant: { discovery_prefix: discovery },
      coiot: { listen: '127.0.0.1', port: coiotPort, multicast: false },
      store: { path: join(mkdtempSync(join(tmpdir(), 'agent-')), 'state.sqlite') },
      devices: [
        { id: MECH, name: 'Front door', chime: { mode: 'mechanical' } },
        { id: ELEC, name: 'Back door', chime: { mode: 'electronic', duration_s: 5 } },
      ],
    });
    agent = await startAgent({ config, log: silentLogger, version: '0.0.0-test', fetchDescriptions: false });
  });

  afterAll(async () => {
    await shelly?.publishAsync(`shellies/${MECH}/input_event/0`, '', { qos: 1, retain: true });
    await shelly?.publishAsync(`shellies/${MECH}/input/0`, '', { qos: 1, retain: true });
    await shelly?.endAsync();
    await agent?.stop();
    await watch?.client.endAsync();
    await broker?.stop();
  });

  it('announces each doorbell to Home Assistant as an event entity with device_class doorbell', async () => {
    // A subscriber arriving later (as Home Assistant would) gets the configs as retained messages.
    const late = await collector(broker.url, `${discovery}/device/+/config`);
    const configs = await late.waitFor((m) => m.payload !== '', 2);
    await late.client.endAsync();
    expect(configs.length).toBeGreaterThanOrEqual(2);
    expect(configs.every((m) => m.retain)).toBe(true);
    const doorbell = configs.find((m) => m.topic.includes(MECH.toLowerCase()) || m.topic.includes(MECH));
    const payload = JSON.parse(doorbell?.payload ?? '{}');
    const event = Object.values(payload.cmps as Record<string, Record<string, unknown>>).find(
      (c) => c.p === 'event',
    );
    expect(event).toMatchObject({ device_class: 'doorbell', event_types: ['ring'] });
    expect(payload.o.name).toBe('doorbell-agent');
    const status = await watch.waitFor((m) => m.topic === `${base}/agent/status` && m.payload === 'online');
    expect(status).toHaveLength(1);
  });

  it('turns the CoIoT datagrams of a press into exactly one ring, QoS 1, not retained, on both topics', async () => {
    const sender = await udpSender();
    const lines = traceLines('example-mechanical-coiot').filter((l) => l.kind === 'coiot' && l.t < 30);
    for (const line of lines) {
      await sender.send(Buffer.from(line.hex as string, 'hex'), coiotPort);
      await sleep(30);
    }
    await sender.close();
    const rings = await watch.waitFor((m) => m.topic === `${base}/${MECH}/ring`);
    await sleep(1_000); // longer than the reorder window: any late duplicate would be here by now
    expect(watch.messages.filter((m) => m.topic === `${base}/${MECH}/ring`)).toHaveLength(1);
    const ring = JSON.parse(rings[0]?.payload ?? '{}');
    expect(ring).toMatchObject({ event_type: 'ring', via: 'coiot', recovered: false, chime: 'mechanical' });
    expect(rings[0]).toMatchObject({ retain: false, qos: 1 });
    const haEvents = watch.messages.filter(
      (m) => m.topic.startsWith(`${base}/`) && m.topic.endsWith('/event'),
    );
    expect(haEvents.map((m) => JSON.parse(m.payload).press_id)).toEqual([ring.press_id]);
  });

  it('gives one ring for a press heard over both CoIoT and MQTT', async () => {
    const sender = await udpSender();
    const lines = traceLines('example-electronic-dual-path').filter((l) => l.t < 60);
    for (const line of lines) {
      if (line.kind === 'coiot') await sender.send(Buffer.from(line.hex as string, 'hex'), coiotPort);
      if (line.kind === 'mqtt')
        await shelly.publishAsync(line.topic as string, line.payload as string, { qos: 0 });
      await sleep(15);
    }
    await sender.close();
    await watch.waitFor((m) => m.topic === `${base}/${ELEC}/ring`);
    await sleep(1_000);
    const rings = watch.messages.filter((m) => m.topic === `${base}/${ELEC}/ring`);
    expect(rings).toHaveLength(1);
    expect(JSON.parse(rings[0]?.payload ?? '{}')).toMatchObject({ chime: 'electronic', recovered: false });
  });

  it('never rang for the retained messages, and counted garbage without crashing', async () => {
    const sender = await udpSender();
    await sender.send(Buffer.from('not coap at all'), coiotPort);
    await sender.send(Buffer.from('501e', 'hex'), coiotPort);
    await shelly.publishAsync(`shellies/${MECH}/input_event/0`, '{oops', { qos: 1 });
    await sender.close();
    await sleep(300);
    expect(agent.pipeline.stats.retainedIgnored).toBeGreaterThanOrEqual(2);
    expect(agent.pipeline.badInput.total).toBeGreaterThanOrEqual(3);
    expect(watch.messages.filter((m) => m.topic === `${base}/${MECH}/ring`)).toHaveLength(1);
  });

  it('publishes offline on a clean stop', async () => {
    await agent.stop();
    const offline = await watch.waitFor((m) => m.topic === `${base}/agent/status` && m.payload === 'offline');
    expect(offline.length).toBeGreaterThanOrEqual(1);
  });
});

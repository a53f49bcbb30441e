import { randomUUID } from 'node:crypto';
import { connectAsync } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Config, configSchema } from '../../../agent/config/schema.ts';
import type { RingEvent } from '../../../agent/core/events.ts';
import { MqttPublisher } from '../../../agent/outputs/mqtt-publisher.ts';
import { sharedBroker } from '../../helpers/mosquitto.ts';
import { MessageLog } from './support/message-log.ts';

let broker: { url: string; stop(): Promise<void> };
beforeAll(async () => {
  broker = await sharedBroker();
});
afterAll(async () => {
  await broker.stop();
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A config whose every topic is unique to this test, so tests never see each other on the shared broker. */
function isolatedConfig(): Config {
  const run = `t${randomUUID().slice(0, 8)}`;
  return configSchema.parse({
    mqtt: { base_topic: `doorbell-test/${run}` },
    homeassistant: { discovery_prefix: `ha-test/${run}`, status_topic: `ha-test/${run}/status` },
    devices: [
      { id: 'shellyuni-98CDAC25ABCD', name: 'Front door', chime: { mode: 'mechanical' } },
      { id: 'shellyplusuni-e465b847ca44', input: 1, chime: { mode: 'electronic', duration_s: 5 } },
    ],
  });
}

async function startPublisher(
  config: Config,
  options: { homeassistant?: boolean; announceDelayMs?: () => number } = {},
): Promise<MqttPublisher> {
  const errors: string[] = [];
  const publisher = new MqttPublisher({
    url: broker.url,
    mqtt: { ...config.mqtt, client_id: `doorbell-agent-test-${randomUUID()}` },
    homeassistant: { ...config.homeassistant, enabled: options.homeassistant ?? true },
    devices: config.devices,
    version: '0.1.0-test',
    originUrl: 'https://example.org/doorbell-agent',
    announceDelayMs: options.announceDelayMs ?? (() => 0),
    onError: (error, context) => errors.push(`${context}: ${String(error)}`),
  });
  await publisher.start();
  cleanups.push(async () => {
    await publisher.stop();
    // Only the socket-destroying test may see connection errors; no birth, announce or handler may fail.
    expect(errors.filter((e) => !e.startsWith('mqtt connection: '))).toEqual([]);
  });
  return publisher;
}

async function subscriber(filters: string[]): Promise<MessageLog> {
  const log = await MessageLog.connect(broker.url, filters);
  cleanups.push(() => log.close());
  return log;
}

/** Publishes a marker on a subscribed topic and waits for it: everything the broker queued before has arrived. */
async function settle(log: MessageLog, topic: string): Promise<void> {
  const marker = randomUUID();
  await log.client.publishAsync(topic, marker, { qos: 1 });
  await log.waitFor((m) => m.topic === topic && m.text === marker);
}

const ring: RingEvent = {
  type: 'ring',
  t: 12.5,
  device: 'shellyuni-98CDAC25ABCD',
  input: 0,
  press_id: 'shellyuni-98CDAC25ABCD:0:42',
  chime: 'mechanical',
  hold_s: 0.4,
  via: 'coiot',
  recovered: false,
};

describe('MqttPublisher against a real broker', () => {
  it('leaves retained discovery for every doorbell and the agent, and a retained birth', async () => {
    const config = isolatedConfig();
    await startPublisher(config);
    const prefix = config.homeassistant.discovery_prefix;
    const base = config.mqtt.base_topic;
    const log = await subscriber([`${prefix}/device/+/config`, `${base}/agent/status`]);

    const front = await log.waitFor(
      (m) => m.topic === `${prefix}/device/doorbell_shellyuni-98CDAC25ABCD_0/config`,
    );
    expect(front.retain).toBe(true);
    const payload = JSON.parse(front.text);
    expect(payload.cmps.ring).toMatchObject({
      p: 'event',
      device_class: 'doorbell',
      event_types: ['ring'],
      stat_t: `${base}/shellyuni-98CDAC25ABCD/0/event`,
    });
    expect(payload.o).toEqual({
      name: 'doorbell-agent',
      sw: '0.1.0-test',
      url: 'https://example.org/doorbell-agent',
    });
    expect(payload.avty).toEqual([{ t: `${base}/agent/status` }]);
    expect(payload.dev).toMatchObject({ name: 'Front door', mf: 'Shelly', via_device: expect.any(String) });

    const back = await log.waitFor(
      (m) => m.topic === `${prefix}/device/doorbell_shellyplusuni-e465b847ca44_1/config`,
    );
    expect(JSON.parse(back.text).cmps.ring.stat_t).toBe(`${base}/shellyplusuni-e465b847ca44/1/event`);

    const agent = await log.waitFor((m) => m.topic === `${prefix}/device/${payload.dev.via_device}/config`);
    expect(JSON.parse(agent.text).cmps.status.stat_t).toBe(`${base}/agent/status`);

    const status = await log.waitFor((m) => m.topic === `${base}/agent/status`);
    expect(status).toMatchObject({ text: 'online', retain: true });
  });

  it('publishes a ring to the HA event topic and the plain topic, QoS 1, not retained', async () => {
    const config = isolatedConfig();
    const publisher = await startPublisher(config);
    const base = config.mqtt.base_topic;
    const log = await subscriber([`${base}/+/ring`, `${base}/+/+/event`]);

    await publisher.publishRing(ring, config.devices[0]);
    const plain = await log.waitFor((m) => m.topic === `${base}/shellyuni-98CDAC25ABCD/ring`);
    const event = await log.waitFor((m) => m.topic === `${base}/shellyuni-98CDAC25ABCD/0/event`);
    for (const message of [plain, event]) {
      expect(message.qos).toBe(1);
      expect(message.retain).toBe(false);
      expect(JSON.parse(message.text)).toEqual({
        event_type: 'ring',
        device: 'shellyuni-98CDAC25ABCD',
        input: 0,
        press_id: 'shellyuni-98CDAC25ABCD:0:42',
        hold_s: 0.4,
        chime: 'mechanical',
        via: 'coiot',
        recovered: false,
        t: 12.5,
      });
    }

    // The broker kept nothing: a late subscriber sees only what is published after it subscribed.
    const late = await subscriber([`${base}/shellyuni-98CDAC25ABCD/#`]);
    await settle(late, `${base}/shellyuni-98CDAC25ABCD/marker`);
    expect(late.messages.map((m) => m.topic)).toEqual([`${base}/shellyuni-98CDAC25ABCD/marker`]);
  });

  it('publishes only the plain ring topic when Home Assistant is disabled', async () => {
    const config = isolatedConfig();
    const publisher = await startPublisher(config, { homeassistant: false });
    const base = config.mqtt.base_topic;
    const log = await subscriber([`${base}/#`, `${config.homeassistant.discovery_prefix}/#`]);
    await publisher.publishRing(ring);
    await log.waitFor((m) => m.topic === `${base}/shellyuni-98CDAC25ABCD/ring`);
    await settle(log, `${base}/marker`);
    expect(log.messages.map((m) => m.topic)).toEqual([
      `${base}/agent/status`,
      `${base}/shellyuni-98CDAC25ABCD/ring`,
      `${base}/marker`,
    ]);
  });

  it('lets the broker publish the LWT offline when the socket dies, and is back online after reconnecting', async () => {
    const config = isolatedConfig();
    const publisher = await startPublisher(config);
    const statusTopic = `${config.mqtt.base_topic}/agent/status`;
    const log = await subscriber([statusTopic]);
    await log.waitFor((m) => m.text === 'online' && m.retain);
    const before = log.messages.length;

    publisher.client.stream.destroy();

    const offline = await log.waitFor((m) => m.text === 'offline', before);
    expect(offline.retain).toBe(false);
    const afterOffline = log.messages.indexOf(offline) + 1;
    await log.waitFor((m) => m.text === 'online', afterOffline);

    const fresh = await subscriber([statusTopic]);
    const retained = await fresh.waitFor(() => true);
    expect(retained).toMatchObject({ text: 'online', retain: true });
  });

  it('announces again when Home Assistant publishes online on its status topic', async () => {
    const config = isolatedConfig();
    await startPublisher(config);
    const prefix = config.homeassistant.discovery_prefix;
    const log = await subscriber([`${prefix}/device/+/config`]);
    await log.waitFor((m) => m.topic.includes('doorbell_shellyuni-98CDAC25ABCD_0') && m.retain);
    const before = log.messages.length;

    await log.client.publishAsync(config.homeassistant.status_topic, 'online', { qos: 1 });

    const again = await log.waitFor((m) => m.topic.includes('doorbell_shellyuni-98CDAC25ABCD_0'), before);
    expect(again.retain).toBe(false);
    expect(JSON.parse(again.text).cmps.ring.device_class).toBe('doorbell');
    await log.waitFor((m) => m.topic.includes('doorbell_shellyplusuni-e465b847ca44_1'), before);
  });

  it('re-announces only for online, not for offline or a retained birth', async () => {
    const config = isolatedConfig();
    let scheduled = 0;
    const announceDelayMs = () => {
      scheduled++;
      return 0;
    };
    const prefix = config.homeassistant.discovery_prefix;
    const status = config.homeassistant.status_topic;
    const ha = await subscriber([`${prefix}/device/+/config`]);
    await ha.client.publishAsync(status, 'online', { qos: 1, retain: true });
    cleanups.push(async () => {
      await ha.client.publishAsync(status, '', { qos: 1, retain: true });
    });
    await startPublisher(config, { announceDelayMs });
    await ha.waitFor((m) => m.topic.includes('doorbell_shellyplusuni-e465b847ca44_1'));
    const before = ha.messages.length;

    await ha.client.publishAsync(status, 'offline', { qos: 1 });
    await ha.client.publishAsync(status, 'online', { qos: 1 });
    // The publisher handles HA's messages in order, so once the re-announce is here both have been seen.
    await ha.waitFor((m) => m.topic.includes('doorbell_shellyplusuni-e465b847ca44_1'), before);
    expect(scheduled).toBe(1);
  });

  it('publishes a retained offline on stop', async () => {
    const config = isolatedConfig();
    const publisher = await startPublisher(config);
    await publisher.stop();
    const log = await subscriber([`${config.mqtt.base_topic}/agent/status`]);
    expect(await log.waitFor(() => true)).toMatchObject({ text: 'offline', retain: true });
  });

  it('shares its connection: handlers get topic, Buffer payload and the retain flag', async () => {
    const config = isolatedConfig();
    const publisher = await startPublisher(config);
    const base = config.mqtt.base_topic;
    const other = await connectAsync(broker.url);
    cleanups.push(() => other.endAsync(true));
    await other.publishAsync(`${base}/shellies/shellyuni-1/online`, 'true', { qos: 1, retain: true });

    const got: { topic: string; payload: Buffer; retained: boolean }[] = [];
    let done: () => void = () => {};
    const second = new Promise<void>((resolve) => {
      done = resolve;
    });
    const unsubscribe = await publisher.subscribe(
      [`${base}/shellies/+/online`, `${base}/shellies/+/input/+`],
      (topic, payload, retained) => {
        got.push({ topic, payload, retained });
        if (got.length === 2) done();
      },
    );
    await other.publishAsync(`${base}/shellies/shellyuni-1/input/0`, '1', { qos: 1 });
    await second;

    expect(got[0]).toMatchObject({ topic: `${base}/shellies/shellyuni-1/online`, retained: true });
    expect(Buffer.isBuffer(got[0]?.payload)).toBe(true);
    expect(got[0]?.payload.toString()).toBe('true');
    expect(got[1]).toMatchObject({ topic: `${base}/shellies/shellyuni-1/input/0`, retained: false });
    expect(got[1]?.payload.toString()).toBe('1');

    await unsubscribe();
    await other.publishAsync(`${base}/shellies/shellyuni-1/online`, '', { qos: 1, retain: true });

    // After unsubscribing, the handler hears nothing: a marker published later arrives through another route.
    let markerSeen: () => void = () => {};
    const marker = new Promise<void>((resolve) => {
      markerSeen = resolve;
    });
    await publisher.subscribe(`${base}/marker`, () => markerSeen());
    await other.publishAsync(`${base}/shellies/shellyuni-1/input/0`, '0', { qos: 1 });
    await other.publishAsync(`${base}/marker`, 'x', { qos: 1 });
    await marker;
    expect(got).toHaveLength(2);
  });
});

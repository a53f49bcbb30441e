import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../agent/config/schema.ts';
import type { RingEvent } from '../../../agent/core/events.ts';
import { MqttPublisher } from '../../../agent/outputs/mqtt-publisher.ts';
import { startMosquitto } from '../../helpers/mosquitto.ts';
import { MessageLog } from './support/message-log.ts';

// A private mosquitto without persistence: a restart loses every retained message and every session.
describe('MqttPublisher across a broker restart', () => {
  it('gets a ring published during the outage acknowledged by the restarted broker, and restores birth and discovery', async () => {
    const broker = await startMosquitto();
    const config = configSchema.parse({ devices: [{ id: 'shellyuni-98CDAC25ABCD' }] });
    const errors: string[] = [];
    const publisher = new MqttPublisher({
      url: broker.url,
      mqtt: config.mqtt,
      homeassistant: config.homeassistant,
      devices: config.devices,
      version: '0.1.0',
      onError: (error, context) => errors.push(`${context}: ${String(error)}`),
    });
    try {
      await publisher.start();
      await broker.stop();

      const ring: RingEvent = {
        type: 'ring',
        t: 1,
        device: 'shellyuni-98CDAC25ABCD',
        input: 0,
        press_id: 'outage-1',
        chime: 'mechanical',
        hold_s: null,
        via: 'coiot',
        recovered: false,
      };
      const published = publisher.publishRing(ring);
      await broker.restart();
      // publishRing resolves only on the PUBACKs, which only the restarted broker can send.
      await published;

      // The restarted broker had nothing retained: the reconnect put birth and discovery back. A first subscriber
      // waits until they have been published (live or retained); a second one must then get them retained.
      const filters = ['homeassistant/device/+/config', 'doorbell/agent/status'];
      const isDiscovery = (m: { topic: string }) =>
        m.topic.endsWith('doorbell_shellyuni-98CDAC25ABCD_0/config');
      const isOnline = (m: { topic: string; text: string }) =>
        m.topic === 'doorbell/agent/status' && m.text === 'online';
      const first = await MessageLog.connect(broker.url, filters);
      await first.waitFor(isDiscovery);
      await first.waitFor(isOnline);
      await first.close();
      const second = await MessageLog.connect(broker.url, filters);
      expect((await second.waitFor(isDiscovery)).retain).toBe(true);
      expect((await second.waitFor(isOnline)).retain).toBe(true);
      await second.close();
    } finally {
      await publisher.stop();
      await broker.stop();
    }
    // Socket errors while the broker is gone are expected; a failed birth, announce or handler is not.
    expect(errors.filter((e) => !e.startsWith('mqtt connection: '))).toEqual([]);
  });
});

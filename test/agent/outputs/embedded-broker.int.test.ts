import { connectAsync } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../agent/config/schema.ts';
import { startEmbeddedBroker } from '../../../agent/outputs/embedded-broker.ts';
import { MqttPublisher } from '../../../agent/outputs/mqtt-publisher.ts';
import { freePort } from '../../helpers/mosquitto.ts';
import { MessageLog } from './support/message-log.ts';

describe('embedded aedes broker', () => {
  it('carries a message from one client to another on a free port', async () => {
    const port = await freePort();
    const broker = await startEmbeddedBroker({ host: '127.0.0.1', port });
    try {
      expect(broker.url).toBe(`mqtt://127.0.0.1:${port}`);
      const log = await MessageLog.connect(broker.url, ['shellies/+/input_event/0']);
      const shelly = await connectAsync(broker.url, { clientId: 'shellyuni-98CDAC25ABCD' });
      await shelly.publishAsync(
        'shellies/shellyuni-98CDAC25ABCD/input_event/0',
        '{"event":"S","event_cnt":2}',
        {
          qos: 1,
        },
      );
      const message = await log.waitFor(() => true);
      expect(message).toMatchObject({
        topic: 'shellies/shellyuni-98CDAC25ABCD/input_event/0',
        text: '{"event":"S","event_cnt":2}',
        qos: 1,
      });
      await shelly.endAsync();
      await log.close();
    } finally {
      await broker.close();
    }
  });

  it('gives a loopback URL when listening on every address, and serves the publisher with retained discovery', async () => {
    const broker = await startEmbeddedBroker({ host: '0.0.0.0', port: 0 });
    try {
      expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
      const config = configSchema.parse({ devices: [{ id: 'shellyuni-98CDAC25ABCD' }] });
      const publisher = new MqttPublisher({
        ...config,
        url: broker.url,
        devices: config.devices,
        version: '0.1.0',
      });
      await publisher.start();
      const ha = await MessageLog.connect(broker.url, [
        'homeassistant/device/+/config',
        'doorbell/agent/status',
      ]);
      const discovery = await ha.waitFor((m) => m.topic.includes('doorbell_shellyuni-98CDAC25ABCD_0'));
      expect(discovery.retain).toBe(true);
      expect(JSON.parse(discovery.text).cmps.ring.event_types).toEqual(['ring']);
      expect(await ha.waitFor((m) => m.topic === 'doorbell/agent/status')).toMatchObject({ text: 'online' });
      await publisher.stop();
      await ha.close();
    } finally {
      await broker.close();
    }
  });

  it('refuses a port that is already taken', async () => {
    const first = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
    try {
      await expect(startEmbeddedBroker({ host: '127.0.0.1', port: first.port })).rejects.toThrow(
        /EADDRINUSE/,
      );
    } finally {
      await first.close();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { startEmbeddedBroker } from '../../../agent/outputs/embedded-broker.ts';
import { connectMqtt, plainTarget } from '../../../agent/outputs/mqtt-stream.ts';

describe('plainTarget (the broker URLs the agent connects to without loading all of MQTT.js)', () => {
  it('reads mqtt:// and mqtts:// with a host and an optional port, as url.parse does', () => {
    expect(plainTarget('mqtt://127.0.0.1:1883')).toEqual({ protocol: 'mqtt', host: '127.0.0.1', port: 1883 });
    expect(plainTarget('mqtts://Broker.Local')).toEqual({
      protocol: 'mqtts',
      host: 'broker.local',
      port: undefined,
    });
    expect(plainTarget('mqtt://[::1]:1884/')).toEqual({ protocol: 'mqtt', host: '::1', port: 1884 });
  });

  it('leaves anything else to mqtt.connect: WebSocket and alias schemes, credentials, paths, queries', () => {
    for (const url of [
      'ws://broker:9001',
      'wss://broker/mqtt',
      'tcp://broker:1883',
      'tls://broker:8883',
      'mqtt://user:secret@broker:1883',
      'mqtt://broker:1883/path',
      'mqtt://broker:1883?clientId=x',
    ])
      expect(plainTarget(url), url).toBeNull();
  });
});

describe('connectMqtt with a URL it leaves to MQTT.js', () => {
  it('connects with the credentials and the client id of the URL (read by the WHATWG parser)', async () => {
    const broker = await startEmbeddedBroker({
      host: '127.0.0.1',
      port: 0,
      username: 'door bell',
      password: 's@cret',
    });
    const url = `mqtt://door%20bell:s%40cret@127.0.0.1:${broker.port}?clientId=from-url`;
    const client = connectMqtt(url, { reconnectPeriod: 0, connectTimeout: 5_000 });
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
      });
      expect(client.options.clientId).toBe('from-url');
    } finally {
      await client.endAsync(true);
      await broker.close();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { plainTarget } from '../../../agent/outputs/mqtt-stream.ts';

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

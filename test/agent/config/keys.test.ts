import { describe, expect, it } from 'vitest';
import { configLeaves } from '../../../agent/config/keys.ts';

describe('configLeaves', () => {
  const leaves = configLeaves();

  it('documents every key and gives it a default', () => {
    expect(leaves.length).toBeGreaterThan(25);
    for (const leaf of leaves) {
      expect(leaf.description, leaf.path.join('.')).not.toBe('');
      expect(leaf.default, leaf.path.join('.')).not.toBeUndefined();
    }
  });

  it('names each environment variable after its path, without collisions', () => {
    expect(leaves.find((l) => l.path.join('.') === 'mqtt.base_topic')?.env).toBe(
      'DOORBELL_AGENT_MQTT_BASE_TOPIC',
    );
    expect(leaves.find((l) => l.path.join('.') === 'embedded_broker.port')?.env).toBe(
      'DOORBELL_AGENT_EMBEDDED_BROKER_PORT',
    );
    expect(new Set(leaves.map((l) => l.env)).size).toBe(leaves.length);
  });
});

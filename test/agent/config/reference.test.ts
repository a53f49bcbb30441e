import { describe, expect, it } from 'vitest';
import { configLeaves } from '../../../agent/config/keys.ts';
import { configReferenceMarkdown } from '../../../agent/config/reference.ts';

describe('configReferenceMarkdown', () => {
  const table = configReferenceMarkdown();
  const rows = table.split('\n').slice(2);

  it('has one row per key, top-level sections and device keys alike', () => {
    expect(rows).toHaveLength(configLeaves({ lists: true }).length);
    for (const key of [
      'mqtt.base_topic',
      'embedded_broker.port',
      'devices[].id',
      'devices[].chime.duration_s',
    ]) {
      expect(
        rows.some((row) => row.startsWith(`| \`${key}\` |`)),
        key,
      ).toBe(true);
    }
  });

  it('shows defaults and environment variables', () => {
    expect(rows).toContain(
      '| `coiot.multicast_group` | `"224.0.1.187"` | CoIoT multicast group. | `DOORBELL_AGENT_COIOT_MULTICAST_GROUP` |',
    );
    expect(rows.find((row) => row.startsWith('| `devices[].chime.mode`'))).toMatch(/mechanical.*electronic/);
  });
});

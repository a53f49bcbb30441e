import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema } from '../agent/config/schema.ts';
import { buildAgentDiscovery, buildDeviceDiscovery } from '../agent/outputs/ha-discovery.ts';
import { healthComponents } from '../agent/outputs/health-publisher.ts';

const README = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');

interface Automation {
  triggers: Array<Record<string, unknown>>;
  conditions?: Array<Record<string, unknown>>;
}

/** The README's Home Assistant automations: every YAML block with `triggers`. */
function automations(): Automation[] {
  return [...README.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((m) => parse(m[1] as string) as unknown)
    .filter((doc): doc is Automation => typeof doc === 'object' && doc !== null && 'triggers' in doc);
}

describe('README: Home Assistant', () => {
  it('gives only automations that cannot fire when the event entity comes back from unavailable', () => {
    const all = automations();
    expect(all.length).toBeGreaterThanOrEqual(2);
    for (const automation of all) {
      for (const trigger of automation.triggers) {
        // HA 2026.5's doorbell trigger: ring events of doorbell event entities only, never from `unavailable`.
        if (trigger.trigger === 'doorbell.rang') continue;
        expect(trigger.trigger).toBe('state');
        const notFrom = trigger.not_from as string[];
        expect(notFrom).toContain('unavailable');
        // `unknown` is the state of an entity that never rang: excluding it would drop the first ring.
        expect(notFrom).not.toContain('unknown');
        const templates = (automation.conditions ?? []).map((c) => String(c.value_template));
        expect(templates.some((t) => t.includes("trigger.to_state.attributes.event_type == 'ring'"))).toBe(
          true,
        );
      }
    }
  });

  it('names the entity ids the agent makes Home Assistant create', () => {
    const device = configSchema.parse({
      devices: [{ id: 'shellyuni-98CDAC25ABCD', battery: { adc: true } }],
    }).devices[0]!;
    const opts = { discoveryPrefix: 'homeassistant', baseTopic: 'doorbell', version: '0' };
    const created = new Set(
      [
        ...Object.values(
          buildDeviceDiscovery(device, opts, healthComponents(device, 'doorbell')).payload.cmps,
        ),
        ...Object.values(buildAgentDiscovery(opts).payload.cmps),
      ].map((c) => c.default_entity_id as string),
    );
    const named = new Set(
      [...README.matchAll(/`((?:event|sensor|binary_sensor)\.doorbell_[a-z0-9_]+)`/g)].map(
        (m) => m[1] as string,
      ),
    );
    expect(named.size).toBeGreaterThanOrEqual(5);
    for (const id of named) expect(created, id).toContain(id);
    expect(named).toContain('event.doorbell_shellyuni_98cdac25abcd_0_ring');
    expect(README).not.toMatch(/event\.<name>/);
  });
});

import type { Config } from '../config/schema.ts';

/** What the agent subscribes to on the broker to hear Shellys: Gen1 topics, and per Gen2 device its prefix. */
export function shellySubscriptions(config: Config): string[] {
  const gen1 = config.shelly_mqtt.gen1_prefix;
  const topics = new Set([
    `${gen1}/+/input/+`,
    `${gen1}/+/input_event/+`,
    `${gen1}/+/adc/+`,
    `${gen1}/+/online`,
    `${gen1}/+/announce`,
    `${gen1}/announce`,
  ]);
  const gen2Prefixes = [
    ...config.devices.filter((d) => d.gen === 'gen2').map((d) => d.id),
    ...config.shelly_mqtt.gen2_prefixes,
  ];
  for (const prefix of gen2Prefixes) {
    topics.add(`${prefix}/events/rpc`);
    topics.add(`${prefix}/online`);
  }
  return [...topics];
}

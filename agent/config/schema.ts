import * as z from 'zod';
import {
  coiotSchema,
  detectorSchema,
  logSchema,
  outboxSchema,
  securitySchema,
  storeSchema,
} from './schema-agent.ts';
import { devicesSchema } from './schema-devices.ts';
import { healthSchema, metricsSchema } from './schema-health.ts';
import { embeddedBrokerSchema, homeassistantSchema, mqttSchema, shellyMqttSchema } from './schema-mqtt.ts';

export { type Generation, inferGeneration } from './schema-devices.ts';
export { DEFAULT_STORE_FILE, isFileKey } from './schema-fields.ts';

/**
 * The one description of the configuration: type, default and documentation of every key.
 * `doorbell-agent.yaml` may omit anything except `devices[].id` (and `duration_s` for electronic chimes).
 * Objects are strict so that a misspelt key is reported instead of silently ignored.
 */

export const configSchema = z
  .strictObject({
    mqtt: mqttSchema,
    embedded_broker: embeddedBrokerSchema,
    homeassistant: homeassistantSchema,
    coiot: coiotSchema,
    shelly_mqtt: shellyMqttSchema,
    store: storeSchema,
    outbox: outboxSchema,
    security: securitySchema,
    log: logSchema,
    detector: detectorSchema,
    health: healthSchema,
    metrics: metricsSchema,
    devices: devicesSchema,
  })
  .superRefine((config, ctx) => {
    if (config.mqtt.reconnect_max_s < config.mqtt.reconnect_min_s) {
      ctx.addIssue({
        code: 'custom',
        path: ['mqtt', 'reconnect_max_s'],
        message: 'must not be below mqtt.reconnect_min_s',
      });
    }
    if (config.mqtt.password !== null && config.mqtt.password_file !== null) {
      ctx.addIssue({
        code: 'custom',
        path: ['mqtt', 'password_file'],
        message: 'set either mqtt.password or mqtt.password_file, not both',
      });
    }
    const broker = config.embedded_broker;
    if (broker.password !== null && broker.password_file !== null) {
      ctx.addIssue({
        code: 'custom',
        path: ['embedded_broker', 'password_file'],
        message: 'set either embedded_broker.password or embedded_broker.password_file, not both',
      });
    }
    const { metrics } = config;
    if (
      config.mqtt.url === null &&
      metrics.enabled &&
      metrics.port !== 0 &&
      metrics.port === broker.port &&
      sameListenAddress(metrics.host, broker.host)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['metrics', 'port'],
        message: `the embedded broker listens on ${broker.port} too (embedded_broker.port): give one of them another port`,
      });
    }
    if ((broker.tls.cert === null) !== (broker.tls.key === null)) {
      ctx.addIssue({
        code: 'custom',
        path: ['embedded_broker', 'tls', broker.tls.cert === null ? 'cert' : 'key'],
        message: 'set both embedded_broker.tls.cert and embedded_broker.tls.key, or neither',
      });
    }
  })
  .describe('doorbell-agent configuration');

/** Two listening sockets on these addresses would both take a port: the same address, or one of them any. */
function sameListenAddress(a: string, b: string): boolean {
  const any = (host: string) => host === '0.0.0.0' || host === '::';
  return a === b || any(a) || any(b);
}

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type DeviceConfig = Config['devices'][number];
export type ChimeConfig = DeviceConfig['chime'];

import * as z from 'zod';
import { listenAddress, MQTT_URL, nullableFile, nullableString } from './schema-fields.ts';

export const tlsSchema = z
  .strictObject({
    ca: nullableFile('File with the CA certificate(s) that signed the broker certificate (PEM).'),
    cert: nullableFile(
      'File with the client certificate (PEM), for brokers that require client certificates.',
    ),
    key: nullableFile('File with the private key of `cert` (PEM).'),
    reject_unauthorized: z
      .boolean()
      .default(true)
      .describe('Refuse brokers whose certificate does not verify. Turn off only for testing.'),
  })
  .prefault({})
  .describe('TLS options, used with `mqtts://` and `wss://` URLs.');

export const mqttSchema = z
  .strictObject({
    url: z
      .string()
      .regex(MQTT_URL, 'must be an MQTT URL such as mqtt://host:1883 or mqtts://host:8883')
      .nullable()
      .default(null)
      .describe('Broker to publish to. null starts the embedded broker (see `embedded_broker`).'),
    username: nullableString('User name for the broker.'),
    password: nullableString(
      'Password for the broker. Prefer `password_file` or DOORBELL_AGENT_MQTT_PASSWORD.',
    ),
    password_file: nullableFile('File whose content (trailing newline removed) is the broker password.'),
    client_id: nullableString('MQTT client id. null = `doorbell-agent_<hostname>`.'),
    base_topic: z
      .string()
      .min(1)
      .refine((t) => !/[+#]/.test(t) && !t.startsWith('/') && !t.endsWith('/'), {
        message: 'must not contain + or # nor start or end with /',
      })
      .default('doorbell')
      .describe(
        'Prefix of every topic the agent publishes (`<base_topic>/<device>/ring`, `<base_topic>/agent/status`).',
      ),
    tls: tlsSchema,
    reconnect_min_s: z
      .number()
      .positive()
      .max(3600)
      .default(1)
      .describe(
        'First wait before reconnecting to an unreachable broker; it doubles (with ±25 % jitter) up to `reconnect_max_s`.',
      ),
    reconnect_max_s: z
      .number()
      .positive()
      .max(3600)
      .default(60)
      .describe('Longest wait between two attempts to reach the broker.'),
  })
  .prefault({})
  .describe('Where rings, availability and discovery are published.');

export const embeddedBrokerSchema = z
  .strictObject({
    host: listenAddress(
      'embedded_broker.port',
      '0.0.0.0',
      'Address the embedded broker listens on (no port: that is `port`).',
    ),
    port: z.number().int().min(0).max(65535).default(1883).describe('TCP port of the embedded broker.'),
    username: nullableString(
      'User name every client must give. Required (with a password) when `host` is not a loopback address.',
    ),
    password: nullableString(
      'Password every client must give. Prefer `password_file` or DOORBELL_AGENT_EMBEDDED_BROKER_PASSWORD.',
    ),
    password_file: nullableFile(
      'File whose content (trailing newline removed) is the embedded broker password.',
    ),
    tls: z
      .strictObject({
        cert: nullableFile('Server certificate (PEM). Set with `key` to serve MQTT over TLS (mqtts).'),
        key: nullableFile('Private key of `cert` (PEM).'),
        ca: nullableFile('CA (PEM) that client certificates must chain to; null = no client certificates.'),
      })
      .prefault({})
      .describe('TLS for the embedded broker: with `cert` and `key` it speaks only MQTT over TLS.'),
  })
  .prefault({})
  .describe(
    'The broker the agent runs itself when `mqtt.url` is null, for Shellys and Home Assistant to use.',
  );

export const homeassistantSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Publish Home Assistant MQTT discovery.'),
    discovery_prefix: z
      .string()
      .min(1)
      .default('homeassistant')
      .describe('Home Assistant discovery prefix (`<prefix>/device/<object id>/config`).'),
    status_topic: z
      .string()
      .min(1)
      .default('homeassistant/status')
      .describe('Home Assistant birth topic; `online` there makes the agent re-announce its devices.'),
  })
  .prefault({})
  .describe('Home Assistant MQTT discovery.');

export const shellyMqttSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Listen to the Shellys over MQTT on the same broker.'),
    gen1_prefix: z.string().min(1).default('shellies').describe('Topic prefix of Gen1 devices.'),
    gen2_prefixes: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'Extra Gen2 topic prefixes; the Gen2 device ids themselves (the default prefix) are always subscribed.',
      ),
  })
  .prefault({})
  .describe('MQTT source (Gen1 and Gen2 Shellys).');

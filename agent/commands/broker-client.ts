import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { redactUrl } from '../config/redact.ts';
import type { Config } from '../config/schema.ts';
import { MQTT_URL } from '../config/schema-fields.ts';
import { brokerOptions } from '../core/broker-url.ts';
import { DoorbellAgentError } from '../core/errors.ts';

/** A `--mqtt <url>` option's value, checked as `mqtt.url` is in a config (before anything connects). */
export function parseBrokerUrl(value: string): string {
  let valid = MQTT_URL.test(value);
  try {
    valid &&= new URL(value).hostname !== '';
  } catch {
    valid = false;
  }
  if (!valid)
    throw new InvalidArgumentError(
      'a broker URL such as mqtt://192.168.1.10:1883 (or mqtts://, ws://, wss://)',
    );
  return value;
}

/** The broker the agent of this config talks to: `mqtt.url`, or its embedded broker on this host. */
export function agentBrokerUrl(config: Config): string {
  if (config.mqtt.url !== null) return config.mqtt.url;
  const tls = config.embedded_broker.tls.cert !== null;
  return `${tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${config.embedded_broker.port}`;
}

/**
 * A short-lived client on the agent's broker, with the agent's credentials and TLS settings (the embedded
 * broker's own when `mqtt.url` is null). Null when the broker does not answer in `timeoutMs`; credentials or a
 * certificate it refuses are an error.
 */
export async function connectAgentBroker(
  config: Config,
  clientId: string,
  timeoutMs = 5_000,
): Promise<MqttClient | null> {
  const url = agentBrokerUrl(config);
  const embedded = config.mqtt.url === null;
  const options: IClientOptions = { clientId, clean: true, reconnectPeriod: 0, connectTimeout: timeoutMs };
  const username = embedded ? config.embedded_broker.username : config.mqtt.username;
  const password = embedded ? config.embedded_broker.password : config.mqtt.password;
  if (username !== null) options.username = username;
  if (password !== null) options.password = password;
  const { tls } = config.mqtt;
  if (tls.ca !== null) options.ca = readFileSync(tls.ca);
  if (tls.cert !== null) options.cert = readFileSync(tls.cert);
  if (tls.key !== null) options.key = readFileSync(tls.key);
  options.rejectUnauthorized = embedded ? false : tls.reject_unauthorized;
  const client = connect({ ...brokerOptions(url), ...options });
  return new Promise((resolve, reject) => {
    const done = (outcome: () => void) => {
      client.removeAllListeners('connect');
      client.removeAllListeners('error');
      client.removeAllListeners('close');
      outcome();
    };
    client.once('connect', () => done(() => resolve(client)));
    client.once('error', (error) => {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'number' && code > 0) {
        client.end(true);
        done(() =>
          reject(
            new DoorbellAgentError(`${redactUrl(url)}: the broker refused the connection (${error.message})`),
          ),
        );
      } else {
        client.end(true);
        done(() => resolve(null));
      }
    });
    client.once('close', () => {
      client.end(true);
      done(() => resolve(null));
    });
  });
}

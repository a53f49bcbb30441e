import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { IClientOptions, MqttClient } from 'mqtt';
import { redactUrl } from '../config/redact.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../core/logger.ts';
import { MAX_RECEIVED_PUBLISH_BYTES } from './mqtt-publish-trimmer.ts';
import { connectMqtt } from './mqtt-stream.ts';
import { type Backoff, backoffDelayMs, OutageLog, STABLE_CONNECTION_MS } from './reconnect.ts';
import { OFFLINE } from './topics.ts';

export interface ConnectOptions {
  url: string;
  options: IClientOptions;
  backoff: Backoff;
  random: () => number;
  logger: Logger;
  /** An error on an established connection (reported, not fatal). */
  onError(error: unknown): void;
}

/**
 * Connects, retrying for as long as the broker is unreachable — an agent started during a broker outage must
 * keep running and queue rings in its outbox — but fails at once on a refusal that retrying cannot fix (bad
 * credentials, a certificate that does not verify).
 *
 * MQTT.js retries every `reconnectPeriod`; that period is read again each time an attempt fails, so setting it
 * when an attempt begins gives the next wait: `reconnect_min_s` doubling to `reconnect_max_s`, with jitter, back
 * to the start once a connection has stayed up for STABLE_CONNECTION_MS (a broker that accepts and drops at once
 * keeps the long waits). The outage is logged once, with a reminder a minute, not once per attempt.
 */
export function connectWhenReachable(
  how: ConnectOptions,
  signal: AbortSignal | undefined,
): Promise<MqttClient> {
  const { backoff, random } = how;
  const outage = new OutageLog(how.logger, redactUrl(how.url));
  let attempt = 0;
  let up = false;
  let started = false;
  let stable: NodeJS.Timeout | undefined;
  const client = connectMqtt(
    how.url,
    { ...how.options, reconnectPeriod: backoffDelayMs(0, backoff, random) },
    oversizedLog(how.logger),
  );
  client.on('reconnect', () => {
    attempt++;
    client.options.reconnectPeriod = backoffDelayMs(attempt, backoff, random);
  });
  client.on('connect', () => {
    up = true;
    outage.connected();
    clearTimeout(stable);
    stable = setTimeout(() => {
      attempt = 0;
      client.options.reconnectPeriod = backoffDelayMs(0, backoff, random);
    }, STABLE_CONNECTION_MS);
    stable.unref();
  });
  client.on('close', () => {
    clearTimeout(stable);
    if (!up) return;
    up = false;
    if (!client.disconnecting) outage.lost();
  });
  client.on('error', (error: Error & { code?: unknown }) => {
    if (up) {
      // A connection that was up and drops (ECONNRESET when the broker stops) is reported by the 'close' that
      // follows, as lost: not as a failed attempt, whichever of the two events the socket gives first.
      if (!isUnreachable(error)) how.onError(error);
      return;
    }
    // Before the first connection, a refusal that retrying cannot fix fails `start` instead.
    if (started || isUnreachable(error)) outage.failed(error, client.options.reconnectPeriod);
  });
  return new Promise((resolve, reject) => {
    const settle = () => {
      started = true;
      client.off('error', onError);
      client.off('connect', onConnect);
      signal?.removeEventListener('abort', onAbort);
    };
    const onError = (error: Error & { code?: unknown }) => {
      if (isUnreachable(error)) return;
      settle();
      client.end(true);
      reject(error);
    };
    const onConnect = () => {
      settle();
      resolve(client);
    };
    const onAbort = () => {
      settle();
      client.end(true);
      reject(signal?.reason);
    };
    client.on('error', onError);
    client.once('connect', onConnect);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Errors that mean "the broker is not there (yet)": keep retrying. Anything else (credentials, TLS) is fatal. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

function isUnreachable(error: Error & { code?: unknown }): boolean {
  return typeof error.code === 'string' && UNREACHABLE.has(error.code);
}

/** The agent's MQTT.js options: client id, its last will (`offline`, retained), credentials and TLS. */
export function clientOptions(mqtt: Config['mqtt'], statusTopic: string): IClientOptions {
  const options: IClientOptions = {
    clientId: mqtt.client_id ?? `doorbell-agent_${hostname()}`,
    clean: true,
    will: { topic: statusTopic, payload: Buffer.from(OFFLINE), qos: 1, retain: true },
    // Else mqtt-packet builds a 2-byte Buffer for every 16-bit number (65,536 of them) on the first packet it
    // writes: 6 MB of heap kept for the life of the process, to save writing two bytes per packet.
    writeCache: false,
  };
  if (mqtt.username !== null) options.username = mqtt.username;
  if (mqtt.password !== null) options.password = mqtt.password;
  const { tls } = mqtt;
  if (tls.ca !== null) options.ca = readFileSync(tls.ca);
  if (tls.cert !== null) options.cert = readFileSync(tls.cert);
  if (tls.key !== null) options.key = readFileSync(tls.key);
  options.rejectUnauthorized = tls.reject_unauthorized;
  return options;
}

/** A message past what the agent reads (`PublishTrimmer`): said once a minute at most, with how many so far. */
function oversizedLog(logger: Logger): (topic: string, bytes: number) => void {
  let count = 0;
  let lastMs = Number.NEGATIVE_INFINITY;
  return (topic, bytes) => {
    count++;
    const now = Date.now();
    if (now - lastMs < 60_000 && now >= lastMs) return;
    lastMs = now;
    logger.warn('MQTT: a message larger than the agent reads arrived; its payload was dropped unread', {
      topic,
      bytes,
      max_bytes: MAX_RECEIVED_PUBLISH_BYTES,
      dropped_so_far: count,
    });
  };
}

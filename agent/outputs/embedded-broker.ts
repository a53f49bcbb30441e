import { readFileSync } from 'node:fs';
import { createServer, isIP, type Server } from 'node:net';
import type { SocketSettings } from '../core/errors.ts';
import { listenOn } from '../core/listen.ts';

export interface EmbeddedBroker {
  /** Where the agent's own client connects (loopback when listening on every address). */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts the in-process MQTT broker used when `mqtt.url` is null, so Shellys and Home Assistant can point at the
 * agent directly. No persistence: retained discovery and status are re-published by the agent on every start.
 * Port 0 picks a free port.
 */
export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  /** When set, every client must CONNECT with this user name and `password`. */
  username?: string | null;
  password?: string | null;
  /** Server certificate and key (PEM files): the broker then speaks only MQTT over TLS. */
  tls?: { cert: string | null; key: string | null; ca?: string | null };
}

/** Loopback-only listeners may run without credentials; anything reachable from the LAN may not. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** Why these options must not be started, or null (credentials are required beyond loopback). */
export function embeddedBrokerProblem(options: EmbeddedBrokerOptions): string | null {
  if (isLoopbackHost(options.host)) return null;
  if (!options.username || !options.password)
    return `embedded_broker listens on ${options.host}, beyond loopback: set embedded_broker.username and embedded_broker.password (or password_file), or host: 127.0.0.1`;
  return null;
}

/** Named when the broker cannot listen; a broker already on the port may be the one to use instead. */
const brokerSettings = (port: number): SocketSettings => ({
  what: 'embedded MQTT broker (TCP)',
  hostKey: 'embedded_broker.host',
  portKey: 'embedded_broker.port',
  usualSuspect: 'another MQTT broker, such as mosquitto',
  alternative: `or use that broker instead: set mqtt.url (e.g. mqtt://127.0.0.1:${port})`,
});

function sameSecret(
  timingSafeEqual: (a: Buffer, b: Buffer) => boolean,
  given: Buffer | string | undefined,
  expected: string,
): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  // Loaded here: an agent that uses the user's broker (mqtt.url set) loads neither Aedes nor TLS nor crypto.
  const [{ Aedes }, { timingSafeEqual }, { createServer: createTlsServer }] = await Promise.all([
    import('aedes'),
    import('node:crypto'),
    import('node:tls'),
  ]);
  const broker = await Aedes.createBroker();
  const { username, password } = options;
  if (username || password) {
    broker.authenticate = (_client, user, pass, done) => {
      const ok =
        sameSecret(timingSafeEqual, user, username ?? '') &&
        sameSecret(timingSafeEqual, pass ?? undefined, password ?? '');
      if (ok) done(null, true);
      // 5 = not authorized (MQTT 3.1.1 CONNACK return code).
      else done(Object.assign(new Error('bad user name or password'), { returnCode: 5 }), false);
    };
  }
  const tls = options.tls?.cert && options.tls.key ? options.tls : null;
  const server: Server = tls
    ? createTlsServer(
        {
          cert: readFileSync(tls.cert as string),
          key: readFileSync(tls.key as string),
          ...(tls.ca ? { ca: readFileSync(tls.ca), requestCert: true, rejectUnauthorized: true } : {}),
        },
        broker.handle,
      )
    : createServer(broker.handle);
  let port: number;
  try {
    port = await listenOn(server, options.host, options.port, brokerSettings(options.port));
  } catch (error) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw error;
  }
  const host = ['0.0.0.0', '::', ''].includes(options.host) ? '127.0.0.1' : options.host;
  return {
    url: `${tls ? 'mqtts' : 'mqtt'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: async () => {
      // Aedes closes its clients; the server then stops once the last socket is gone.
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

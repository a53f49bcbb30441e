import { createRequire } from 'node:module';
import net from 'node:net';
import type tls from 'node:tls';
import { connect, type IClientOptions, MqttClient } from 'mqtt';
import { brokerOptions } from '../core/broker-url.ts';
import { MAX_RECEIVED_PUBLISH_BYTES, PublishTrimmer, trimReceivedPublishes } from './mqtt-publish-trimmer.ts';

/** node:tls (and with it node:crypto) only for an mqtts:// broker. */
const loadTls = () => createRequire(import.meta.url)('node:tls') as typeof tls;

/** A broker URL MQTT.js would parse to just a transport, a host and a port. */
export interface PlainTarget {
  protocol: 'mqtt' | 'mqtts';
  host: string;
  port: number | undefined;
}

/**
 * `mqtt://host[:port]` or `mqtts://host[:port]`, with no user, password, path or query in it (`[::1]` for IPv6),
 * as `url.parse` reads it in `mqtt.connect`; null for anything else.
 */
export function plainTarget(url: string): PlainTarget | null {
  const m = /^(mqtts?):\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?\/?$/.exec(url);
  if (!m) return null;
  return {
    protocol: m[1] as PlainTarget['protocol'],
    host: (m[2] as string).replace(/^\[(.*)\]$/, '$1').toLowerCase(),
    port: m[3] === undefined ? undefined : Number(m[3]),
  };
}

/**
 * `mqtt.connect`, without loading what the agent's connection never uses. On its first call MQTT.js loads every
 * transport it has: WebSocket (ws, and with it http, https and zlib) and SOCKS (socks, ip-address), about 1.5 MB of
 * RSS and 25 ms of start (bench/footprint.ts) for an agent that speaks MQTT over TCP or TLS. For a plain
 * `mqtt://` or `mqtts://` URL (see `plainTarget`) with no MQTTJS_SOCKS_PROXY set, this opens the socket as MQTT.js's
 * own tcp and tls transports do, with the same options, and puts a `PublishTrimmer` on what it reads (a PUBLISH past
 * MAX_RECEIVED_PUBLISH_BYTES arrives with an empty payload, `onTrimmed` told); any other URL goes to `mqtt.connect`
 * itself, untrimmed.
 */
export function connectMqtt(
  url: string,
  options: IClientOptions,
  onTrimmed?: (topic: string, bytes: number) => void,
): MqttClient {
  const target = plainTarget(url);
  // The URL read here, not by MQTT.js (its url.parse() prints DEP0169 on Node 24).
  if (!target || process.env.MQTTJS_SOCKS_PROXY !== undefined)
    return connect({ ...brokerOptions(url), ...options });
  // As mqtt.connect: a client certificate and key turn mqtt:// into TLS.
  const protocol = target.protocol === 'mqtt' && options.cert && options.key ? 'mqtts' : target.protocol;
  const opts: IClientOptions = {
    host: target.host,
    ...(target.port !== undefined && { port: target.port }),
    ...options,
    protocol,
    defaultProtocol: protocol,
  };
  const client = new MqttClient((self) => {
    const socket = protocol === 'mqtts' ? tlsStream(self, opts) : tcpStream(opts);
    // A new trimmer for each connection: its state is the position in that stream's packets.
    trimReceivedPublishes(socket, new PublishTrimmer(MAX_RECEIVED_PUBLISH_BYTES, onTrimmed));
    return socket;
  }, opts);
  client.on('error', () => {}); // as mqtt.connect: the caller's listeners decide
  return client;
}

/**
 * Writes the packets handed to the connection in this tick into the socket now. MQTT.js (mqtt-packet) corks the
 * stream for each packet and uncorks it on the next tick; the delivery step needs its ring in the kernel first.
 */
export function flushCorked(stream: { writableCorked: number; uncork(): void } | undefined): void {
  while (stream && stream.writableCorked > 0) stream.uncork();
}

/** MQTT.js's tcp transport (lib/connect/tcp.js) without SOCKS. */
function tcpStream(opts: IClientOptions): net.Socket {
  opts.port = opts.port || 1883;
  opts.hostname = opts.hostname || opts.host || 'localhost';
  return net.createConnection({ port: opts.port, host: opts.hostname });
}

/** MQTT.js's tls transport (lib/connect/tls.js) without SOCKS. */
function tlsStream(client: MqttClient, opts: IClientOptions): tls.TLSSocket {
  opts.port = opts.port || 8883;
  opts.host = opts.hostname || opts.host || 'localhost';
  if (net.isIP(opts.host) === 0 && !opts.servername) opts.servername = opts.host;
  opts.rejectUnauthorized = opts.rejectUnauthorized !== false;
  delete opts.path;
  const connection = loadTls().connect(opts as tls.ConnectionOptions);
  const handleTlsErrors = (error: Error) => {
    if (opts.rejectUnauthorized) client.emit('error', error);
    connection.end();
  };
  connection.on('secureConnect', () => {
    if (opts.rejectUnauthorized && !connection.authorized)
      connection.emit('error', new Error('TLS not authorized'));
    else connection.removeListener('error', handleTlsErrors);
  });
  connection.on('error', handleTlsErrors);
  return connection;
}

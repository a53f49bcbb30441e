import dgram from 'node:dgram';
import { parse } from 'coap-packet';
import { encodeReply, encodeStatus } from './coiot-encode.ts';
import type { Gen1Uni } from './gen1-uni.ts';
import { direct, type Through } from './link.ts';
import { SHUNI_CIT_D } from './uni-http-bodies.ts';

export const COIOT_GROUP = '224.0.1.187';
export const COIOT_PORT = 5683;

export type CoiotPeer = { host: string; port: number } | 'mcast';

export interface CoiotSend {
  bytes: Buffer;
  kind: 'publish' | 'periodic' | 'reply';
  to: string;
  serial?: number;
}

export interface CoiotNodeOptions {
  device: Gen1Uni;
  /** `mcast` = 224.0.1.187:5683 (the default), or a unicast `coiot_peer`. */
  peer: CoiotPeer;
  bindAddress?: string;
  /** Real devices send from 5683; 0 (default) picks a free port, which many emulators on one host need. */
  bindPort?: number;
  /** Interface address for multicast sends (e.g. 127.0.0.1 on a test host). */
  multicastInterface?: string;
  firstMessageId?: number;
  /** Publishes (not replies) go through this: fault injection, recording. */
  through?: Through<CoiotSend>;
  /** Everything that left, after `through` (replies too). */
  onSend?: (send: CoiotSend) => void;
}

export interface CoiotNode {
  port: number;
  readonly serial: number;
  readonly messageId: number;
  close(): Promise<void>;
}

/** The CoIoT status stream of a device, without a socket: what it publishes, and when. */
export interface CoiotStream {
  readonly serial: number;
  readonly messageId: number;
  /** The device's answer to a GET of `cit/s` or `cit/d` (null for any other path). */
  reply(path: string, request: { messageId: number; token: Buffer; confirmable: boolean }): Buffer | null;
  stop(): void;
}

export interface CoiotStreamOptions {
  device: Gen1Uni;
  /** Where publishes go (`host:port`), and whether that is a unicast `coiot_peer` (knob `unicastCode`). */
  to: string;
  unicast: boolean;
  firstMessageId?: number;
  /** Each publish, in order (already through any fault injection the caller wants). */
  send: (send: CoiotSend) => void;
}

/**
 * The CoIoT behaviour of an emulated SHUNI-1: a publish on every new report (serial +1, never 0), the same
 * report again every `coiot.update_period` (same serial), message id +1 per datagram. Unicast publishes use the
 * `unicastCode` knob; option 3412 is 15 s or the update period (`validity` knob). Needs no socket, so a device
 * can run on a virtual clock.
 */
export function coiotStream(options: CoiotStreamOptions): CoiotStream {
  const { device } = options;
  let messageId = (options.firstMessageId ?? 1) & 0xffff;
  let serial = 0;
  let lastPayload: Array<[number, number, number | string]> = device.values();
  let cancelPeriodic: (() => void) | undefined;
  const validityS = () => (device.knobs.validity === 'fixed' ? 15 : device.coiotPeriodS);
  const code = options.unicast ? device.knobs.unicastCode : '0.30';

  const nextSerial = () => {
    serial = (serial % 0xffff) + 1;
    return serial;
  };
  const publish = (kind: 'publish' | 'periodic') => {
    if (kind === 'publish') {
      nextSerial();
      lastPayload = device.values();
    }
    const bytes = encodeStatus({
      deviceType: 'SHUNI-1',
      mac: device.mac,
      messageId,
      serial,
      validityS: validityS(),
      values: lastPayload,
      code,
    });
    messageId = (messageId + 1) & 0xffff;
    options.send({ bytes, kind, to: options.to, serial });
  };
  const schedulePeriodic = () => {
    cancelPeriodic?.();
    cancelPeriodic = device.scheduler.after(device.coiotPeriodS * 1000, () => {
      if (device.up) publish('periodic');
      schedulePeriodic();
    });
  };
  const unsubscribe = device.on((change) => {
    if (change.kind === 'input') publish('publish');
    else if (change.kind === 'down') cancelPeriodic?.();
    else if (change.kind === 'boot') {
      serial = 0;
      publish('publish');
      schedulePeriodic();
    }
  });
  // A device that has just booted says so at once, then every update period.
  publish('publish');
  schedulePeriodic();
  return {
    get serial() {
      return serial;
    },
    get messageId() {
      return messageId;
    },
    reply: (path, request) => {
      if (path !== 'cit/s' && path !== 'cit/d') return null;
      return encodeReply({
        deviceType: 'SHUNI-1',
        mac: device.mac,
        messageId: request.messageId,
        token: request.token,
        ack: request.confirmable,
        ...(path === 'cit/s'
          ? {
              payload: JSON.stringify({ G: device.values() }),
              serial: Math.max(serial, 1),
              validityS: validityS(),
            }
          : { payload: SHUNI_CIT_D }),
      });
    },
    stop: () => {
      cancelPeriodic?.();
      unsubscribe();
    },
  };
}

/**
 * The CoIoT side of an emulated SHUNI-1 on a real UDP socket: `coiotStream`'s publishes to the peer (multicast
 * or unicast), and replies to GET `/cit/s` and `/cit/d` (2.05, the request's message id).
 */
export async function startCoiotNode(options: CoiotNodeOptions): Promise<CoiotNode> {
  const { device } = options;
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.bindPort ?? 0, options.bindAddress ?? '0.0.0.0', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', () => {});
  const target =
    options.peer === 'mcast'
      ? { host: COIOT_GROUP, port: COIOT_PORT }
      : { host: options.peer.host, port: options.peer.port };
  if (options.peer === 'mcast') {
    socket.setMulticastTTL(255);
    socket.setMulticastLoopback(true);
    if (options.multicastInterface) socket.setMulticastInterface(options.multicastInterface);
  }
  device.coiotPeer = options.peer === 'mcast' ? '' : `${target.host}:${target.port}`;
  let closed = false;

  const transmit = (send: CoiotSend, host: string, port: number) => {
    if (closed) return;
    options.onSend?.(send);
    socket.send(send.bytes, port, host);
  };
  const publishOut = (options.through ?? direct)((send) => transmit(send, target.host, target.port));
  const stream = coiotStream({
    device,
    to: `${target.host}:${target.port}`,
    unicast: options.peer !== 'mcast',
    ...(options.firstMessageId !== undefined && { firstMessageId: options.firstMessageId }),
    send: publishOut,
  });

  socket.on('message', (bytes, remote) => {
    let request: ReturnType<typeof parse>;
    try {
      request = parse(bytes);
    } catch {
      return;
    }
    if (!device.up || request.code !== '0.01' || request.ack || request.reset) return;
    const path = request.options
      .filter((o) => o.name === 'Uri-Path')
      .map((o) => o.value.toString())
      .join('/');
    const bytesOut = stream.reply(path, request);
    if (bytesOut === null) return;
    transmit(
      { bytes: bytesOut, kind: 'reply', to: `${remote.address}:${remote.port}` },
      remote.address,
      remote.port,
    );
  });

  return {
    port: socket.address().port,
    get serial() {
      return stream.serial;
    },
    get messageId() {
      return stream.messageId;
    },
    close: async () => {
      closed = true;
      stream.stop();
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}

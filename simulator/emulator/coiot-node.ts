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

/**
 * The CoIoT side of an emulated SHUNI-1 on a real UDP socket: a 0.30 publish on every new report (serial +1,
 * never 0), the same report again every `coiot.update_period` (same serial), message id +1 per datagram, and
 * replies to GET `/cit/s` and `/cit/d` (2.05, the request's message id).
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
  let messageId = (options.firstMessageId ?? 1) & 0xffff;
  let serial = 0;
  let lastPayload: Array<[number, number, number | string]> = device.values();
  let cancelPeriodic: (() => void) | undefined;
  let closed = false;

  const transmit = (send: CoiotSend, host: string, port: number) => {
    if (closed) return;
    options.onSend?.(send);
    socket.send(send.bytes, port, host);
  };
  const publishOut = (options.through ?? direct)((send) => transmit(send, target.host, target.port));
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
      validityS: device.coiotPeriodS,
      values: lastPayload,
    });
    messageId = (messageId + 1) & 0xffff;
    publishOut({ bytes, kind, to: `${target.host}:${target.port}`, serial });
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
    if (path !== 'cit/s' && path !== 'cit/d') return;
    const bytesOut = encodeReply({
      deviceType: 'SHUNI-1',
      mac: device.mac,
      messageId: request.messageId,
      token: request.token,
      ack: request.confirmable,
      ...(path === 'cit/s'
        ? {
            payload: JSON.stringify({ G: device.values() }),
            serial: Math.max(serial, 1),
            validityS: device.coiotPeriodS,
          }
        : { payload: SHUNI_CIT_D }),
    });
    transmit(
      { bytes: bytesOut, kind: 'reply', to: `${remote.address}:${remote.port}` },
      remote.address,
      remote.port,
    );
  });

  // A device that has just booted says so at once, then every update period.
  publish('publish');
  schedulePeriodic();

  return {
    port: socket.address().port,
    get serial() {
      return serial;
    },
    get messageId() {
      return messageId;
    },
    close: async () => {
      closed = true;
      cancelPeriodic?.();
      unsubscribe();
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}

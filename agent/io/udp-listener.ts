import dgram from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { type SocketSettings, socketError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';

export interface UdpListenerOptions {
  host: string;
  port: number;
  /** Multicast group to join, or null for unicast only (Shelly `coiot_peer`). */
  group: string | null;
  /** Local IPv4 address to join on; null = every non-internal IPv4 interface. */
  interfaceAddress: string | null;
  log: Logger;
  /** Each datagram with its sender as `host:port`; or: */
  onDatagram?(bytes: Buffer, source: string): void;
  /** Each datagram with its sender's address and port apart: one dropped at once (a flood) costs no string. */
  onDatagramFrom?(bytes: Buffer, address: string, port: number): void;
  /** The settings that chose `host` and `port`, named when they cannot be bound. Default: `coiot.*`. */
  settings?: SocketSettings;
}

const COIOT_SETTINGS: SocketSettings = {
  what: 'CoIoT listener (UDP)',
  hostKey: 'coiot.listen',
  portKey: 'coiot.port',
  usualSuspect: "another CoIoT listener, such as Home Assistant's Shelly integration or a second agent",
};

export interface UdpListener {
  port: number;
  /** Interfaces the multicast group was joined on. */
  joined: string[];
  close(): Promise<void>;
}

/**
 * The receive buffer of every CoIoT socket (the shared one and each sender's lane): it absorbs bursts (a flood, a
 * stalled event loop, a relay's or a fleet's first reports) that would otherwise make the kernel drop real reports
 * before the rate limits see them. Linux's default holds about 250 small datagrams; it caps this at
 * net.core.rmem_max.
 */
export const COIOT_RECV_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * Binds the CoIoT port (address reuse, so HA or another listener on the same host keeps working) and joins the
 * multicast group on the chosen interface, or on every interface, failing only if every join failed.
 */
export async function startUdpListener(options: UdpListenerOptions): Promise<UdpListener> {
  const socket = dgram.createSocket({
    type: 'udp4',
    reuseAddr: true,
    recvBufferSize: COIOT_RECV_BUFFER_BYTES,
  });
  const { onDatagram, onDatagramFrom } = options;
  if (onDatagramFrom)
    socket.on('message', (bytes, remote) => onDatagramFrom(bytes, remote.address, remote.port));
  else if (onDatagram)
    socket.on('message', (bytes, remote) => onDatagram(bytes, `${remote.address}:${remote.port}`));
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.port, options.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    socket.close();
    throw socketError(error, options.settings ?? COIOT_SETTINGS, options.host, options.port);
  }
  // Errors after the bind (a failed send, a closed interface) are logged; the listener goes on.
  socket.on('error', (error) => options.log.error('CoIoT socket error', { error: error.message }));
  const joined = options.group ? joinGroup(socket, options.group, options.interfaceAddress, options.log) : [];
  const port = socket.address().port;
  options.log.info('CoIoT listening', { address: options.host, port, multicast: options.group, joined });
  // Linux reports twice what it granted (its own bookkeeping), and grants at most net.core.rmem_max.
  const granted = socket.getRecvBufferSize() / (process.platform === 'linux' ? 2 : 1);
  if (granted < COIOT_RECV_BUFFER_BYTES)
    options.log.info(
      'CoIoT: the kernel gave a smaller receive buffer than asked; a burst of reports may be dropped before the agent reads it (raise it: sysctl -w net.core.rmem_max=4194304)',
      { granted_kib: Math.round(granted / 1024), asked_kib: COIOT_RECV_BUFFER_BYTES / 1024 },
    );
  return {
    port,
    joined,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

function joinGroup(
  socket: dgram.Socket,
  group: string,
  interfaceAddress: string | null,
  log: Logger,
): string[] {
  const candidates = interfaceAddress ? [interfaceAddress] : lanAddresses();
  const joined: string[] = [];
  const failures: string[] = [];
  for (const address of candidates.length > 0 ? candidates : [undefined]) {
    try {
      socket.addMembership(group, address);
      joined.push(address ?? 'default');
    } catch (error) {
      failures.push(`${address ?? 'default'}: ${(error as Error).message}`);
    }
  }
  if (joined.length === 0) {
    log.warn('could not join the CoIoT multicast group; only unicast (coiot_peer) reports will arrive', {
      group,
      failures,
    });
  }
  return joined;
}

function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((i) => i !== undefined && i.family === 'IPv4' && !i.internal)
    .map((i) => (i as { address: string }).address);
}

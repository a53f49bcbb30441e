import dgram from 'node:dgram';

/** A UDP port nobody is bound to right now on `host` (the agent's CoIoT port must be ≥ 1 in its config). */
export async function freeUdpPort(host = '127.0.0.1'): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

import dgram from 'node:dgram';

/** A UDP port nobody is bound to right now on loopback. */
export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** A real UDP sender on loopback, standing in for a Shelly. */
export async function udpSender(): Promise<{
  send(bytes: Buffer, port: number): Promise<void>;
  close(): Promise<void>;
}> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    send: (bytes, port) =>
      new Promise<void>((resolve, reject) =>
        socket.send(bytes, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())),
      ),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

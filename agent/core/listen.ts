import type { AddressInfo, Server } from 'node:net';
import { type SocketSettings, socketError } from './errors.ts';

/**
 * Listens on `host:port` (0: any free port) and resolves with the bound port. A failure to bind rejects, as a
 * `SocketError` naming `settings` where it is a system error (EADDRINUSE, EACCES...), instead of being emitted later.
 */
export async function listenOn(
  server: Server,
  host: string,
  port: number,
  settings: SocketSettings,
): Promise<number> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    throw socketError(error, settings, host, port);
  }
  return (server.address() as AddressInfo).port;
}

import type { Server } from 'node:http';

/** A listening HTTP server of an emulated device: its bound port, and a close that drops open connections. */
export interface ListeningHttp {
  port: number;
  close(): Promise<void>;
}

/** Listens on `port` (0: any free one) and `host` (default loopback); rejects if the port cannot be bound. */
export async function listenHttp(server: Server, port = 0, host = '127.0.0.1'): Promise<ListeningHttp> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

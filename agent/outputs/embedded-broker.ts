import { createServer } from 'node:net';
import { Aedes } from 'aedes';

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
export async function startEmbeddedBroker(options: { host: string; port: number }): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw error;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = ['0.0.0.0', '::', ''].includes(options.host) ? '127.0.0.1' : options.host;
  return {
    url: `mqtt://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: async () => {
      // Aedes closes its clients; the server then stops once the last socket is gone.
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

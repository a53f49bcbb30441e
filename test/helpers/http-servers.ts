import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

/**
 * Loopback servers for the tests of the file that calls this (at its top level): each is closed, with its open
 * connections, after each test, and so is whatever else `closeAfterEach` is given.
 */
export function serversClosedAfterEach() {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
  });

  /** An HTTP server on a free loopback port, answering with `handler`; its port. */
  const httpServer = async (handler: http.RequestListener): Promise<number> => {
    const server = http.createServer(handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(
      () =>
        new Promise((r) => {
          server.close(() => r());
          server.closeAllConnections();
        }),
    );
    return (server.address() as AddressInfo).port;
  };

  /** A port nothing listens on: bind, read the port, close. */
  const refusedPort = async (): Promise<number> => {
    const port = await httpServer(() => {});
    await closers.pop()?.();
    return port;
  };

  const closeAfterEach = (close: () => Promise<void>): void => {
    closers.push(close);
  };

  /**
   * A fleet's HTTP APIs, one server (port) each, every answer `body(i)` as JSON after `delayMs`; `mostOpen()`: the
   * most requests the fleet had open at once, `requests()`: how many it was sent.
   */
  const slowFleet = async (count: number, body: (i: number) => string, delayMs = 30) => {
    let open = 0;
    let most = 0;
    let requests = 0;
    const ports: number[] = [];
    for (let i = 0; i < count; i++)
      ports.push(
        await httpServer((_req, res) => {
          requests++;
          most = Math.max(most, ++open);
          setTimeout(() => {
            open--;
            res.setHeader('content-type', 'application/json');
            res.end(body(i));
          }, delayMs);
        }),
      );
    return { ports, mostOpen: () => most, requests: () => requests };
  };

  return { httpServer, refusedPort, closeAfterEach, slowFleet };
}

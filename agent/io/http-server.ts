import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type SocketSettings, socketError } from '../core/errors.ts';

export interface HttpResponse {
  status: number;
  contentType: string;
  body: string;
}

export type HttpRoutes = Record<string, () => Promise<HttpResponse> | HttpResponse>;

const METRICS_SETTINGS: SocketSettings = {
  what: 'metrics server (HTTP)',
  hostKey: 'metrics.host',
  portKey: 'metrics.port',
  usualSuspect: 'a Prometheus exporter, or a second agent',
};

export interface HttpServer {
  port: number;
  close(): Promise<void>;
}

/** A small read-only HTTP server (GET and HEAD on fixed paths): `/metrics` and `/healthz`. */
export async function startHttpServer(options: {
  host: string;
  port: number;
  routes: HttpRoutes;
  onError?: (error: unknown) => void;
  /** The settings that chose `host` and `port`, named when they cannot be bound. Default: `metrics.*`. */
  settings?: SocketSettings;
}): Promise<HttpServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = options.routes[path];
    const send = (status: number, contentType: string, body: string) => {
      res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      send(405, 'text/plain; charset=utf-8', 'method not allowed\n');
      return;
    }
    if (!route) {
      send(404, 'text/plain; charset=utf-8', 'not found\n');
      return;
    }
    Promise.resolve()
      .then(route)
      .then((r) => send(r.status, r.contentType, r.body))
      .catch((error: unknown) => {
        options.onError?.(error);
        send(500, 'text/plain; charset=utf-8', 'internal error\n');
      });
  });
  server.keepAliveTimeout = 5_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    throw socketError(error, options.settings ?? METRICS_SETTINGS, options.host, options.port);
  }
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

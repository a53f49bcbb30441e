import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { SocketSettings } from '../core/errors.ts';
import { listenOn } from '../core/listen.ts';

export interface HttpResponse {
  status: number;
  contentType: string;
  body: string;
  /** Extra response headers (`cache-control` defaults to `no-store`). */
  headers?: Record<string, string>;
}

/** What a route may know of its request. */
export interface HttpRequest {
  path: string;
  headers: IncomingHttpHeaders;
}

export type HttpRoute = (request: HttpRequest) => Promise<HttpResponse> | HttpResponse;
export type HttpRoutes = Record<string, HttpRoute>;
/** A route that keeps the response open (server-sent events): it owns `response` once called. */
export type HttpStreamRoute = (request: HttpRequest, response: ServerResponse) => void;

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

/**
 * A small read-only HTTP server (GET and HEAD on fixed paths): `/metrics`, `/healthz`, the status page and its
 * event stream. With `allowFrom`, only those client addresses are answered (403 for others).
 */
export async function startHttpServer(options: {
  host: string;
  port: number;
  routes: HttpRoutes;
  streams?: Record<string, HttpStreamRoute>;
  /** Client addresses allowed to connect; empty or absent: any. */
  allowFrom?: readonly string[];
  onError?: (error: unknown) => void;
  /** The settings that chose `host` and `port`, named when they cannot be bound. Default: `metrics.*`. */
  settings?: SocketSettings;
}): Promise<HttpServer> {
  const allowed = new Set(options.allowFrom ?? []);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const send = (status: number, contentType: string, body: string, headers = {}) => {
      res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (allowed.size > 0 && !allowed.has(clientAddress(req.socket.remoteAddress))) {
      send(403, 'text/plain; charset=utf-8', 'forbidden\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      send(405, 'text/plain; charset=utf-8', 'method not allowed\n');
      return;
    }
    const request = { path, headers: req.headers };
    const stream = options.streams?.[path];
    if (stream && req.method === 'GET') {
      stream(request, res);
      return;
    }
    const route = options.routes[path];
    if (!route) {
      send(404, 'text/plain; charset=utf-8', 'not found\n');
      return;
    }
    Promise.resolve()
      .then(() => route(request))
      .then((r) => send(r.status, r.contentType, r.body, r.headers))
      .catch((error: unknown) => {
        options.onError?.(error);
        send(500, 'text/plain; charset=utf-8', 'internal error\n');
      });
  });
  server.keepAliveTimeout = 5_000;
  return {
    port: await listenOn(server, options.host, options.port, options.settings ?? METRICS_SETTINGS),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** `::ffff:172.30.32.2` (IPv4 on a dual-stack socket) is `172.30.32.2`. */
function clientAddress(address: string | undefined): string {
  return (address ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}

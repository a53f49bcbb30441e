import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { DigestAuth, type DigestAuthObject } from './auth.ts';
import { type ApiResponse, type DeviceApiContext, gen1Api } from './gen1-settings-api.ts';
import { deviceInfo, gen2Rpc, OPEN_METHODS, type RpcOutcome } from './gen2-rpc.ts';
import { listenHttp } from './listen-http.ts';

export interface DeviceHttpOptions {
  context: DeviceApiContext;
  port?: number;
  host?: string;
}

export interface DeviceHttp {
  port: number;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

/**
 * The HTTP side of an emulated Uni with settings: Gen1 paths (`gen1-settings-api.ts`) or, for a Plus Uni,
 * `/shelly`, `GET /rpc/<Method>?…` (query values as JSON where they parse), `POST /rpc/<Method>` (params as
 * the body) and `POST /rpc` (a JSON-RPC frame), behind digest auth. While the device reboots it answers nothing:
 * connections are dropped, as a real device's are while it is down.
 */
export async function startDeviceHttp(options: DeviceHttpOptions): Promise<DeviceHttp> {
  const { context } = options;
  const digest = new DigestAuth(context.identity.id, () => context.settings.saved.login.password);
  const server = createServer((req, res) => {
    if (!context.device.up) {
      req.socket.destroy();
      return;
    }
    readBody(req)
      .then((body) => {
        if (!context.device.up) {
          req.socket.destroy();
          return;
        }
        const url = new URL(req.url ?? '/', 'http://device');
        if (context.identity.gen === 'gen1') {
          send(res, gen1Api(context, url.pathname, url.searchParams, req.headers.authorization));
          return;
        }
        send(res, plus(context, digest, req, url, body));
      })
      .catch(() => req.socket.destroy());
  });
  return listenHttp(server, options.port, options.host);
}

function plus(
  context: DeviceApiContext,
  digest: DigestAuth,
  req: IncomingMessage,
  url: URL,
  body: string,
): ApiResponse {
  if (url.pathname === '/shelly') return { status: 200, body: deviceInfo(context) };
  const named = /^\/rpc\/([A-Za-z0-9]+\.[A-Za-z0-9]+)$/.exec(url.pathname);
  if (url.pathname === '/rpc' && req.method === 'POST') {
    let frame: { id?: unknown; method?: unknown; params?: unknown; auth?: DigestAuthObject };
    try {
      frame = JSON.parse(body) as typeof frame;
    } catch {
      return { status: 400, body: { code: -103, message: 'Bad request: not JSON' } };
    }
    const method = String(frame.method ?? '');
    const wrap = (outcome: RpcOutcome) => ({ id: frame.id ?? null, src: context.identity.id, ...outcome });
    if (!allowed(context, digest, req, method, frame.auth)) {
      const challenge = digest.challenge();
      return {
        status: 401,
        body: wrap({ error: { code: 401, message: JSON.stringify(challenge) } }),
        headers: { 'www-authenticate': digest.header(challenge) },
      };
    }
    return { status: 200, body: wrap(gen2Rpc(context, method, frame.params)) };
  }
  if (!named) return { status: 404, body: { code: 404, message: 'Not Found' } };
  const method = named[1] as string;
  if (!allowed(context, digest, req, method, undefined))
    return { status: 401, body: '401 Unauthorized', headers: { 'www-authenticate': digest.header() } };
  let params: unknown = Object.fromEntries([...url.searchParams].map(([k, v]) => [k, jsonOrText(v)]));
  if (req.method === 'POST' && body.trim() !== '') {
    try {
      params = JSON.parse(body);
    } catch {
      return { status: 400, body: { code: -103, message: 'Bad request: not JSON' } };
    }
  }
  const outcome = gen2Rpc(context, method, params);
  return 'result' in outcome ? { status: 200, body: outcome.result } : { status: 500, body: outcome.error };
}

function allowed(
  context: DeviceApiContext,
  digest: DigestAuth,
  req: IncomingMessage,
  method: string,
  auth: DigestAuthObject | undefined,
): boolean {
  if (!context.settings.saved.login.enabled || OPEN_METHODS.has(method)) return true;
  return (
    digest.verifyHeader(req.headers.authorization, req.method ?? 'GET', req.url ?? '/') ||
    digest.verifyObject(auth)
  );
}

function jsonOrText(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function send(res: ServerResponse, response: ApiResponse): void {
  const isText = typeof response.body === 'string';
  res.writeHead(response.status, {
    'content-type': isText && response.status !== 200 ? 'text/plain' : 'application/json',
    ...response.headers,
  });
  res.end(isText ? (response.body as string) : JSON.stringify(response.body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) reject(new Error('body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

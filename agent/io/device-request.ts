import { type IncomingHttpHeaders, request } from 'node:http';
import { DeviceUnreachable } from './device-errors.ts';

/** Where a Shelly's HTTP API is: its address, and port 80 unless it was given `host:port`. */
export interface DeviceAddress {
  host: string;
  port: number;
}

export interface DeviceResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** A Shelly's answers are a few KB; anything much bigger is not one. */
const MAX_BODY = 256 * 1024;

/** `192.168.1.20`, `192.168.1.20:8080`, `shellyuni-…local` → host and port (80 by default); null if neither. */
export function parseDeviceAddress(text: string): DeviceAddress | null {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*)(?::(\d{1,5}))?$/.exec(text.trim());
  if (!m) return null;
  const port = Number(m[2] ?? 80);
  if (port < 1 || port > 65535) return null;
  return { host: (m[1] as string).replace(/^\[(.*)\]$/, '$1'), port };
}

export function formatDeviceAddress(address: DeviceAddress): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return address.port === 80 ? host : `${host}:${address.port}`;
}

/**
 * One HTTP request to a device; a device that does not answer (in `timeoutMs`, or before `signal` aborts) is
 * `DeviceUnreachable`. node:http rather than fetch: fetch keeps a connection pool for every origin it has talked to
 * (16 KB each, for the life of the agent: 16 MB with 1,000 Unis, each asked for its `/cit/d` and `/shelly`).
 */
export function deviceRequest(
  address: DeviceAddress,
  options: {
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: string;
    /** Without a byte in this long, the device is not answering (default 5 s). */
    timeoutMs?: number;
    /** Gives up the request, however far it got (a deadline for the whole answer). */
    signal?: AbortSignal;
    /** A longer answer is refused (default 256 KB). */
    maxBytes?: number;
  },
): Promise<DeviceResponse> {
  const maxBytes = options.maxBytes ?? MAX_BODY;
  const where = formatDeviceAddress(address);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: address.host,
        port: address.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: {
          ...(options.body === undefined
            ? {}
            : {
                'content-type': 'application/json',
                'content-length': String(Buffer.byteLength(options.body)),
              }),
          ...options.headers,
        },
        timeout: options.timeoutMs ?? 5_000,
        ...(options.signal && { signal: options.signal }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) req.destroy(new Error('an answer too large for a Shelly'));
          else chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', (error) => reject(unreachable(where, error)));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('no answer'), { code: 'ETIMEDOUT' })));
    req.on('error', (error) => reject(unreachable(where, error)));
    req.end(options.body);
  });
}

function unreachable(where: string, error: Error): DeviceUnreachable {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'ECONNREFUSED'
      ? 'connection refused'
      : code === 'ETIMEDOUT' || code === 'ABORT_ERR'
        ? 'no answer'
        : code === 'EHOSTUNREACH' || code === 'ENETUNREACH'
          ? 'no route to it'
          : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
            ? 'no such host'
            : code === 'ECONNRESET'
              ? 'it dropped the connection'
              : error.message;
  return new DeviceUnreachable(`${where}: ${reason}`);
}

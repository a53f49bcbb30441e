import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { generate } from 'coap-packet';
import { DoorbellAgentError, InvalidDatagram } from '../core/errors.ts';
import { decodeCoiot } from '../protocol/coiot-packet.ts';
import { type SensorMap, sensorMapFromCitDText } from '../protocol/coiot-sensors.ts';

export interface FetchCitDOptions {
  /** Per attempt (HTTP, then CoAP). Default 2000 ms. */
  timeoutMs?: number;
  httpPort?: number;
  coapPort?: number;
}

const MAX_HTTP_BODY = 64 * 1024;

/**
 * Fetch a Gen1 device's `/cit/d` description: HTTP first (FW ≥ 1.10), then a CoAP GET as aioshelly and openHAB
 * do. Rejects with a `DoorbellAgentError` naming both failures; callers fall back to the built-in table.
 */
export async function fetchCitD(host: string, opts: FetchCitDOptions = {}): Promise<SensorMap> {
  const timeoutMs = opts.timeoutMs ?? 2000;
  try {
    return await fetchOverHttp(host, opts.httpPort ?? 80, timeoutMs);
  } catch (httpError) {
    try {
      return await fetchOverCoap(host, opts.coapPort ?? 5683, timeoutMs);
    } catch (coapError) {
      throw new DoorbellAgentError(
        `${host}: /cit/d unavailable (http: ${reason(httpError)}; coap: ${reason(coapError)})`,
        { cause: coapError },
      );
    }
  }
}

async function fetchOverHttp(host: string, port: number, timeoutMs: number): Promise<SensorMap> {
  const authority = isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
  const response = await fetch(`http://${authority}/cit/d`, {
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'error',
  });
  if (!response.ok) {
    await response.body?.cancel();
    throw new DoorbellAgentError(`HTTP ${response.status}`);
  }
  return sensorMapFromCitDText(await readCapped(response, MAX_HTTP_BODY));
}

/** The body, refused as soon as it grows past `max` bytes, whatever Content-Length says. */
async function readCapped(response: Response, max: number): Promise<Buffer> {
  if (response.body === null) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > max) throw new InvalidDatagram(`/cit/d body larger than ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Token-less NON GET: Shelly firmware mishandles tokens (node-shellies, openHAB and shelly-iot all omit them). */
function fetchOverCoap(host: string, port: number, timeoutMs: number): Promise<SensorMap> {
  const messageId = Math.floor(Math.random() * 0x10000);
  const request = generate({
    confirmable: false,
    code: 'GET',
    messageId,
    token: Buffer.alloc(0),
    options: [
      { name: 'Uri-Path', value: Buffer.from('cit') },
      { name: 'Uri-Path', value: Buffer.from('d') },
    ],
  });
  const socket = dgram.createSocket(isIPv6(host) ? 'udp6' : 'udp4');

  return new Promise<SensorMap>((resolve, reject) => {
    let lastProblem: unknown;
    let done = false;
    const finish = (error: unknown, map?: SensorMap) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      if (map !== undefined) resolve(map);
      else reject(error);
    };
    const timer = setTimeout(
      () =>
        finish(
          new DoorbellAgentError(
            `no CoAP reply in ${timeoutMs} ms${lastProblem ? ` (${reason(lastProblem)})` : ''}`,
          ),
        ),
      timeoutMs,
    );
    socket.on('error', (e) => finish(e));
    socket.on('message', (datagram, from) => {
      if (from.port !== port) return;
      try {
        const reply = decodeCoiot(datagram);
        if (reply.code !== '2.05' || reply.messageId !== messageId) return;
        finish(undefined, sensorMapFromCitDText(reply.payload));
      } catch (e) {
        // Someone else's or a broken datagram: keep waiting for the real reply until the timeout.
        if (e instanceof InvalidDatagram) lastProblem = e;
        else finish(e);
      }
    });
    socket.send(request, port, host, (e) => {
      if (e) finish(e);
    });
  });
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

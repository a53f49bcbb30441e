import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { generate } from 'coap-packet';
import { DoorbellAgentError, InvalidDatagram } from '../core/errors.ts';
import { decodeCoiot } from '../protocol/coiot-packet.ts';
import { type SensorMap, sensorMapFromCitDText } from '../protocol/coiot-sensors.ts';
import { deviceRequest } from './device-request.ts';

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

/** A redirect is not followed (it is not a Shelly's answer): like any status but 2xx, it means CoAP next. */
async function fetchOverHttp(host: string, port: number, timeoutMs: number): Promise<SensorMap> {
  const response = await deviceRequest(
    { host, port },
    { path: '/cit/d', signal: AbortSignal.timeout(timeoutMs), maxBytes: MAX_HTTP_BODY },
  );
  if (response.status < 200 || response.status > 299) throw new DoorbellAgentError(`HTTP ${response.status}`);
  return sensorMapFromCitDText(response.text);
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

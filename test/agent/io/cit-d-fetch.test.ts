import dgram from 'node:dgram';
import { generate, parse } from 'coap-packet';
import { describe, expect, it } from 'vitest';
import { DoorbellAgentError } from '../../../agent/core/errors.ts';
import { fetchCitD } from '../../../agent/io/cit-d-fetch.ts';
import { MAX_DATAGRAM_BYTES } from '../../../agent/protocol/coiot-packet.ts';
import { SHUNI1_SENSORS } from '../../../agent/protocol/coiot-sensors.ts';
import { serversClosedAfterEach } from '../../helpers/http-servers.ts';
import { fixtureText } from '../protocol/fixtures.ts';

const CIT_D = JSON.stringify(JSON.parse(fixtureText('shuni-1.cit-d.json')));
const { httpServer, refusedPort, closeAfterEach } = serversClosedAfterEach();

interface SeenRequest {
  code: string;
  confirmable: boolean;
  token: Buffer;
  path: string;
}

/** A Shelly-like CoAP responder: answers GET /cit/d with NON 2.05, same MID, only option 3332. */
async function coapServer(
  reply: 'cit-d' | 'junk-then-cit-d' | 'silent',
): Promise<{ port: number; seen: SeenRequest[] }> {
  const socket = dgram.createSocket('udp4');
  const seen: SeenRequest[] = [];
  socket.on('message', (msg, from) => {
    const req = parse(msg);
    seen.push({
      code: req.code,
      confirmable: req.confirmable,
      token: req.token,
      path: req.options
        .filter((o) => o.name === 'Uri-Path')
        .map((o) => o.value.toString())
        .join('/'),
    });
    if (reply === 'silent') return;
    const answer = (messageId: number, payload: string) =>
      generate(
        {
          confirmable: false,
          code: '2.05',
          messageId,
          token: Buffer.alloc(0),
          options: [{ name: '3332', value: Buffer.from('SHUNI-1#AABBCC112233#2') }],
          payload: Buffer.from(payload),
        },
        MAX_DATAGRAM_BYTES,
      );
    if (reply === 'junk-then-cit-d') {
      socket.send(Buffer.from('not coap'), from.port, from.address);
      socket.send(answer((req.messageId + 1) % 0x10000, '{"blk":[],"sen":[]}'), from.port, from.address);
    }
    socket.send(answer(req.messageId, CIT_D), from.port, from.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  closeAfterEach(() => new Promise((r) => socket.close(() => r())));
  return { port: socket.address().port, seen };
}

describe('fetchCitD', () => {
  it('reads /cit/d over HTTP first', async () => {
    const paths: string[] = [];
    const httpPort = await httpServer((req, res) => {
      paths.push(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      res.end(CIT_D);
    });
    const coap = await coapServer('cit-d');
    expect(await fetchCitD('127.0.0.1', { httpPort, coapPort: coap.port, timeoutMs: 1000 })).toEqual(
      SHUNI1_SENSORS,
    );
    expect(paths).toEqual(['/cit/d']);
    expect(coap.seen).toEqual([]);
  });

  it('falls back to a token-less NON CoAP GET when HTTP is refused', async () => {
    const coap = await coapServer('cit-d');
    const map = await fetchCitD('127.0.0.1', {
      httpPort: await refusedPort(),
      coapPort: coap.port,
      timeoutMs: 1000,
    });
    expect(map).toEqual(SHUNI1_SENSORS);
    expect(coap.seen).toEqual([{ code: '0.01', confirmable: false, token: Buffer.alloc(0), path: 'cit/d' }]);
  });

  it('falls back to CoAP when HTTP answers 404, junk, an oversize body or a redirect; skips stray datagrams', async () => {
    const notFound = await httpServer((_req, res) => {
      res.statusCode = 404;
      res.end();
    });
    const junk = await httpServer((_req, res) => res.end('<html>'));
    const huge = await httpServer((_req, res) => {
      for (let i = 0; i < 20; i++) res.write(' '.repeat(10_000)); // chunked, no Content-Length
      res.end(CIT_D);
    });
    const redirect = await httpServer((_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${notFound}/cit/d` });
      res.end();
    });
    const coap = await coapServer('junk-then-cit-d');
    for (const httpPort of [notFound, junk, huge, redirect]) {
      expect(await fetchCitD('127.0.0.1', { httpPort, coapPort: coap.port, timeoutMs: 1000 })).toEqual(
        SHUNI1_SENSORS,
      );
    }
    expect(coap.seen).toHaveLength(4); // every one of them needed the CoAP fallback
  });

  it('falls back to CoAP when HTTP hangs past the timeout', async () => {
    const hanging = await httpServer(() => {});
    const coap = await coapServer('cit-d');
    const started = Date.now();
    expect(await fetchCitD('127.0.0.1', { httpPort: hanging, coapPort: coap.port, timeoutMs: 300 })).toEqual(
      SHUNI1_SENSORS,
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('rejects with DoorbellAgentError naming both failures when nothing answers', async () => {
    const coap = await coapServer('silent');
    const attempt = fetchCitD('127.0.0.1', {
      httpPort: await refusedPort(),
      coapPort: coap.port,
      timeoutMs: 300,
    });
    await expect(attempt).rejects.toBeInstanceOf(DoorbellAgentError);
    await expect(attempt).rejects.toThrow(/http: .*coap: no CoAP reply in 300 ms/);
    expect(coap.seen).toHaveLength(1);
  });
});

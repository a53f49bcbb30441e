import { afterEach, describe, expect, it } from 'vitest';
import { EventStreamHub } from '../../../agent/io/event-stream.ts';
import { type HttpServer, startHttpServer } from '../../../agent/io/http-server.ts';

describe('HTTP server', () => {
  let server: HttpServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('gives routes their request headers and sends their own headers', async () => {
    server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      routes: {
        '/': (req) => ({
          status: 200,
          contentType: 'text/plain',
          body: String(req.headers['x-ingress-path']),
          headers: { 'x-test': 'yes' },
        }),
      },
    });
    const response = await fetch(`http://127.0.0.1:${server.port}/?a=1`, {
      headers: { 'X-Ingress-Path': '/api/hassio_ingress/t' },
    });
    expect(await response.text()).toBe('/api/hassio_ingress/t');
    expect(response.headers.get('x-test')).toBe('yes');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('answers only the addresses in allowFrom', async () => {
    const routes = { '/': () => ({ status: 200, contentType: 'text/plain', body: 'ok' }) };
    server = await startHttpServer({ host: '127.0.0.1', port: 0, routes, allowFrom: ['172.30.32.2'] });
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(403);
    await server.close();
    server = await startHttpServer({ host: '127.0.0.1', port: 0, routes, allowFrom: ['127.0.0.1'] });
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(200);
  });

  it('streams server-sent events: the current state first, then every update, ended on stop', async () => {
    const hub = new EventStreamHub({ heartbeatMs: 60_000, maxClients: 1, retryMs: 1000 });
    server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      routes: {},
      streams: { '/events': (_req, res) => hub.attach(res, [{ event: 'status', data: { n: 0 } }]) },
    });
    const response = await fetch(`http://127.0.0.1:${server.port}/events`);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect((await fetch(`http://127.0.0.1:${server.port}/events`)).status).toBe(503); // one client at most
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value);
      }
    };
    await readUntil('"n":0');
    hub.send({ event: 'ring', data: { n: 1 } });
    await readUntil('"n":1');
    expect(text).toBe('retry: 1000\n\nevent: status\ndata: {"n":0}\n\nevent: ring\ndata: {"n":1}\n\n');
    hub.close();
    expect((await reader.read()).done).toBe(true);
  });
});

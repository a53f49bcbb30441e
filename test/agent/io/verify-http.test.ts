import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyDeviceAddress } from '../../../agent/io/verify-http.ts';

const ID = 'shellyuni-98CDAC25ABCD';
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function httpServer(handler: http.RequestListener): Promise<number> {
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
}

const shelly = (mac: string) => JSON.stringify({ type: 'SHUNI-1', mac, auth: false, fw: '1.14.0' });

describe('verifyDeviceAddress (GET /shelly)', () => {
  it("matches the MAC the device id names, and tells another device's apart", async () => {
    const paths: string[] = [];
    const same = await httpServer((req, res) => {
      paths.push(req.url ?? '');
      res.end(shelly('98CDAC25ABCD'));
    });
    const other = await httpServer((_req, res) => res.end(shelly('98CDAC000001')));
    expect(await verifyDeviceAddress(ID, '127.0.0.1', { port: same })).toBe('match');
    expect(await verifyDeviceAddress(ID, '127.0.0.1', { port: other })).toBe('mismatch');
    expect(paths).toEqual(['/shelly']);
  });

  it('concludes nothing from a 404, a redirect, junk, an oversize body, a hang or a refusal', async () => {
    const notFound = await httpServer((_req, res) => {
      res.statusCode = 404;
      res.end(shelly('98CDAC25ABCD'));
    });
    const redirect = await httpServer((_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${notFound}/shelly` });
      res.end();
    });
    const junk = await httpServer((_req, res) => res.end('<html>'));
    const huge = await httpServer((_req, res) => {
      for (let i = 0; i < 4; i++) res.write(' '.repeat(10_000)); // chunked, no Content-Length
      res.end(shelly('98CDAC25ABCD'));
    });
    const hanging = await httpServer(() => {});
    const refused = await httpServer(() => {});
    await closers.pop()?.();
    for (const port of [notFound, redirect, junk, huge, hanging, refused])
      expect(await verifyDeviceAddress(ID, '127.0.0.1', { port, timeoutMs: 300 }), String(port)).toBe(
        'unreachable',
      );
  });
});

import { describe, expect, it } from 'vitest';
import { verifyDeviceAddress } from '../../../agent/io/verify-http.ts';
import { serversClosedAfterEach } from '../../helpers/http-servers.ts';

const ID = 'shellyuni-98CDAC25ABCD';
const { httpServer, refusedPort } = serversClosedAfterEach();

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
    const refused = await refusedPort();
    for (const port of [notFound, redirect, junk, huge, hanging, refused])
      expect(await verifyDeviceAddress(ID, '127.0.0.1', { port, timeoutMs: 300 }), String(port)).toBe(
        'unreachable',
      );
  });
});

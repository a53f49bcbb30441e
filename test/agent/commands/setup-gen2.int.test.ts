import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Gen2Session } from '../../../agent/commands/setup-gen2.ts';
import { Gen2Rpc } from '../../../agent/io/shelly-gen2-rpc.ts';

/**
 * A Plus Uni with a password, on loopback, that answers `Shelly.GetConfig`'s 401 later than `Shelly.GetStatus`'s:
 * the order a busy device (or a busy machine) may answer two requests sent at once.
 */
async function securedPlusAnsweringStatusFirst(): Promise<Server> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const { method } = JSON.parse(body) as { method: string };
      setTimeout(
        () => {
          response.writeHead(401, {
            'WWW-Authenticate':
              'Digest qop="auth", realm="shellyplusuni-a0a3b3c4d5e6", nonce="1796630000", algorithm=SHA-256',
          });
          response.end();
        },
        method === 'Shelly.GetConfig' ? 150 : 0,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe('setup, Plus: the snapshot of a device with a password', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it("fails with the first call's error whichever of its two calls failed first", async () => {
    server = await securedPlusAnsweringStatusFirst();
    const { port } = server.address() as AddressInfo;
    const session = new Gen2Session(
      {
        gen: 'gen2',
        id: 'shellyplusuni-a0a3b3c4d5e6',
        mac: 'A0A3B3C4D5E6',
        model: 'SNSN-0043X',
        version: '1.4.4',
        auth: true,
      },
      new Gen2Rpc({ host: '127.0.0.1', port }, null),
    );
    await expect(session.snapshot()).rejects.toThrow(
      /Shelly\.GetConfig: the device has a password: give --password/,
    );
  });
});

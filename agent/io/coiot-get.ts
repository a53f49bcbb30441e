import dgram from 'node:dgram';
import { generate } from 'coap-packet';

/**
 * One CoAP `GET /cit/s` to a Gen1 Shelly (UDP 5683) and its reply (2.05, the current status with option 3332),
 * as Home Assistant polls one [reference §2.5]; null when nothing answers in `timeoutMs`. Read-only.
 */
export async function coiotGetStatus(host: string, port = 5683, timeoutMs = 2_000): Promise<Buffer | null> {
  const socket = dgram.createSocket('udp4');
  const messageId = Math.floor(Math.random() * 0xffff);
  const request = generate({
    code: '0.01',
    confirmable: false,
    messageId,
    token: Buffer.alloc(0),
    options: [
      { name: 'Uri-Path', value: Buffer.from('cit') },
      { name: 'Uri-Path', value: Buffer.from('s') },
    ],
  });
  try {
    return await new Promise<Buffer | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), timeoutMs);
      socket.on('message', (bytes) => {
        // The reply carries the request's message id.
        if (bytes.length >= 4 && bytes.readUInt16BE(2) === messageId) {
          clearTimeout(timer);
          resolve(bytes);
        }
      });
      socket.on('error', () => {
        clearTimeout(timer);
        resolve(null);
      });
      socket.send(request, port, host);
    });
  } finally {
    socket.close();
  }
}

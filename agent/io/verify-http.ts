import { isIPv6 } from 'node:net';
import { macMatchesId } from '../security/address-pins.ts';

export interface VerifyOptions {
  timeoutMs?: number;
  port?: number;
}

export type VerifyResult = 'match' | 'mismatch' | 'unreachable';

const MAX_BODY = 16 * 1024;

/**
 * Asks `http://<address>/shelly` (Gen1 and Gen2 both answer it, without authentication) for the MAC and says
 * whether it is the one `deviceId` names. `unreachable`: no answer, an HTTP error, or a body that is not a
 * Shelly's — nothing is concluded from it.
 */
export async function verifyDeviceAddress(
  deviceId: string,
  address: string,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const authority = isIPv6(address) ? `[${address}]` : address;
  const port = options.port ?? 80;
  let text: string;
  try {
    const response = await fetch(`http://${authority}:${port}/shelly`, {
      signal: AbortSignal.timeout(options.timeoutMs ?? 3_000),
      redirect: 'error',
    });
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      return 'unreachable';
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += chunk.byteLength;
      if (size > MAX_BODY) return 'unreachable';
      chunks.push(chunk);
    }
    text = Buffer.concat(chunks).toString('utf8');
  } catch {
    return 'unreachable';
  }
  let mac: unknown;
  try {
    mac = (JSON.parse(text) as { mac?: unknown }).mac;
  } catch {
    return 'unreachable';
  }
  if (typeof mac !== 'string') return 'unreachable';
  return macMatchesId(deviceId, mac) ? 'match' : 'mismatch';
}

import { macMatchesId } from '../security/address-pins.ts';
import { deviceRequest } from './device-request.ts';

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
  let text: string;
  try {
    const response = await deviceRequest(
      { host: address, port: options.port ?? 80 },
      { path: '/shelly', signal: AbortSignal.timeout(options.timeoutMs ?? 3_000), maxBytes: MAX_BODY },
    );
    // A redirect is not followed: not a Shelly's answer.
    if (response.status < 200 || response.status > 299) return 'unreachable';
    text = response.text;
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

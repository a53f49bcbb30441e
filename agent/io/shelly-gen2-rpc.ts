import { DeviceAuthRefused, DeviceRefused } from './device-errors.ts';
import { type DeviceAddress, deviceRequest, formatDeviceAddress } from './device-request.ts';
import { type DigestChallenge, digestAuthorization, parseDigestChallenge } from './http-digest.ts';

/**
 * A Gen2 Shelly's RPC over HTTP: `POST /rpc` with a JSON-RPC frame. With authentication enabled, the device
 * answers 401 with a SHA-256 digest challenge and the request is sent again with an `Authorization` header (user
 * always `admin`) [G2 Authentication]; a challenge is reused (nonce count + 1) until the device issues a new one.
 */
export class Gen2Rpc {
  private challenge: DigestChallenge | null = null;
  private nc = 0;
  private id = 0;

  constructor(
    readonly address: DeviceAddress,
    private readonly password: string | null,
    private readonly timeoutMs = 5_000,
  ) {}

  /** The method's `result`; an RPC error → `DeviceRefused`, a refused login → `DeviceAuthRefused`. */
  async call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const body = JSON.stringify({ id: ++this.id, src: 'doorbell-agent', method, params });
    const where = `${formatDeviceAddress(this.address)} ${method}`;
    let response = await this.post(body);
    if (response.status === 401) {
      const challenge = parseDigestChallenge(response.headers['www-authenticate']);
      if (!challenge)
        throw new DeviceAuthRefused(`${where}: the device asks for an authentication it does not describe`);
      if (this.password === null)
        throw new DeviceAuthRefused(
          `${where}: the device has a password: give --password (the user is admin)`,
        );
      this.challenge = challenge;
      this.nc = 0;
      response = await this.post(body);
      if (response.status === 401)
        throw new DeviceAuthRefused(`${where}: the device refused the password (user admin)`);
    }
    let frame: { result?: unknown; error?: { code?: unknown; message?: unknown } };
    try {
      frame = JSON.parse(response.text) as typeof frame;
    } catch {
      throw new DeviceRefused(
        `${where}: HTTP ${response.status}, not a JSON-RPC answer`,
        response.status,
        '',
      );
    }
    if (frame.error) {
      const detail = `${String(frame.error.code)} ${String(frame.error.message)}`;
      throw new DeviceRefused(`${where}: ${detail}`, response.status, detail);
    }
    if (response.status !== 200)
      throw new DeviceRefused(`${where}: HTTP ${response.status}`, response.status, '');
    return frame.result;
  }

  private post(body: string) {
    const headers: Record<string, string> = {};
    if (this.challenge && this.password !== null) {
      headers.authorization = digestAuthorization({
        challenge: this.challenge,
        username: 'admin',
        password: this.password,
        method: 'POST',
        uri: '/rpc',
        nc: ++this.nc,
      });
    }
    return deviceRequest(this.address, {
      method: 'POST',
      path: '/rpc',
      headers,
      body,
      timeoutMs: this.timeoutMs,
    });
  }
}

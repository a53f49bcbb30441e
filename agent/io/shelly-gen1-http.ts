import { DeviceAuthRefused, DeviceRefused } from './device-errors.ts';
import { type DeviceAddress, deviceRequest, formatDeviceAddress } from './device-request.ts';

export interface Credentials {
  username: string;
  password: string;
}

/**
 * A Gen1 Shelly's HTTP API: GET with query parameters, JSON answers, HTTP basic authentication when its
 * `login` is enabled (everything but `/shelly` is then protected) [DOC-G1].
 */
export class Gen1Http {
  constructor(
    readonly address: DeviceAddress,
    private readonly credentials: Credentials | null,
    private readonly timeoutMs = 5_000,
  ) {}

  /** `GET path?params` → the parsed JSON. 401 → `DeviceAuthRefused`; another error status → `DeviceRefused`. */
  async get(path: string, params: Record<string, string> = {}): Promise<unknown> {
    const query = new URLSearchParams(params).toString();
    const full = query === '' ? path : `${path}?${query}`;
    const headers: Record<string, string> = {};
    if (this.credentials) {
      const token = Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString(
        'base64',
      );
      headers.authorization = `Basic ${token}`;
    }
    const response = await deviceRequest(this.address, { path: full, headers, timeoutMs: this.timeoutMs });
    const where = `${formatDeviceAddress(this.address)}${path}`;
    if (response.status === 401) {
      throw new DeviceAuthRefused(
        this.credentials
          ? `${where}: the device refused user ${this.credentials.username} and that password`
          : `${where}: the device has a password: give --username and --password`,
      );
    }
    const detail = response.text.trim().slice(0, 200);
    if (response.status !== 200)
      throw new DeviceRefused(
        `${where}: HTTP ${response.status}${detail ? ` (${detail})` : ''}`,
        response.status,
        detail,
      );
    try {
      return JSON.parse(response.text) as unknown;
    } catch {
      throw new DeviceRefused(`${where}: the answer is not JSON`, response.status, detail);
    }
  }
}

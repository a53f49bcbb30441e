import { type DeviceAddress, deviceRequest, formatDeviceAddress } from '../io/device-request.ts';
import { Gen2Rpc } from '../io/shelly-gen2-rpc.ts';
import { shellyIdFor } from '../protocol/coiot-packet.ts';
import { FirmwareTooOld, NotAUni } from './setup-errors.ts';

/** Who answered at the address: what `/shelly` (and Gen2 `Shelly.GetDeviceInfo`) say, both without a password. */
export interface Identified {
  gen: 'gen1' | 'gen2';
  /** `shellyuni-<MAC>` / `shellyplusuni-<mac>`: the id of its CoIoT and MQTT traffic. */
  id: string;
  mac: string;
  model: string;
  version: string;
  /** A password protects the rest of its API. */
  auth: boolean;
}

export const GEN1_UNI = 'SHUNI-1';
export const PLUS_UNI = 'SNSN-0043X';
/** Gen1 1.10.0 added `coiot_peer`, `/cit/d` over HTTP, and stopped re-sending input events every 30 s [DOC-G1]. */
export const MIN_GEN1 = '1.10.0';
/**
 * Gen2 1.0.0, the first stable Gen2 API, is also the oldest Home Assistant's Shelly integration accepts
 * (aioshelly `const.py`: `GEN2_MIN_FIRMWARE_DATE = 20230803`, "Firmware 1.0.0 release date") [AIO const]. The RPC
 * `setup` uses (`Input.SetConfig`, `MQTT.SetConfig` with `rpc_ntf`, `Sys.SetConfig`) is older (0.x), but a Plus
 * Uni the agent sets up should also be one Home Assistant keeps talking to.
 */
export const MIN_GEN2 = '1.0.0';

export async function identify(address: DeviceAddress, password: string | null): Promise<Identified> {
  const where = formatDeviceAddress(address);
  const response = await deviceRequest(address, { path: '/shelly' });
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(response.text) as Record<string, unknown>;
  } catch {
    body = {};
  }
  if (response.status !== 200 || typeof body !== 'object' || body === null)
    throw new NotAUni(`${where}: answers HTTP ${response.status} on /shelly: not a Shelly`);
  if (typeof body.gen === 'number' && body.gen >= 2) {
    // Gen2: the same facts from the RPC, which is what the rest of the set-up talks to.
    const info = (await new Gen2Rpc(address, password).call('Shelly.GetDeviceInfo')) as Record<
      string,
      unknown
    >;
    return checked(where, {
      gen: 'gen2',
      id: String(info.id ?? body.id),
      mac: String(info.mac ?? body.mac).toUpperCase(),
      model: String(info.model ?? body.model),
      version: String(info.ver ?? body.ver ?? ''),
      auth: info.auth_en === true,
    });
  }
  if (typeof body.type !== 'string' || typeof body.mac !== 'string')
    throw new NotAUni(`${where}: /shelly does not describe a Shelly (no type, mac or gen)`);
  return checked(where, {
    gen: 'gen1',
    id: shellyIdFor(body.type, body.mac),
    mac: body.mac.toUpperCase(),
    model: body.type,
    version: versionOf(String(body.fw ?? '')) ?? '',
    auth: body.auth === true,
  });
}

function checked(where: string, device: Identified): Identified {
  const wanted = device.gen === 'gen1' ? GEN1_UNI : PLUS_UNI;
  if (device.model !== wanted) {
    throw new NotAUni(
      `${where} is a ${device.model} (${device.id}), not a Shelly Uni: setup supports the Shelly Uni ` +
        `(${GEN1_UNI}) and the Shelly Plus Uni (${PLUS_UNI})`,
    );
  }
  const minimum = device.gen === 'gen1' ? MIN_GEN1 : MIN_GEN2;
  if (device.version === '' || older(device.version, minimum)) {
    throw new FirmwareTooOld(
      `${device.id} at ${where} runs firmware ${device.version || '(unknown)'}, older than ${minimum}` +
        (device.gen === 'gen1'
          ? ' (the first with coiot_peer and /cit/d over HTTP)'
          : " (the first stable Gen2 API, and Home Assistant's minimum)") +
        ': update it first (its web UI: Settings → Firmware update)',
    );
  }
  return device;
}

/** `20241106-112220/v1.14.1-rc1-6-gfb43488e8` → `1.14.1`; `1.3.3` → `1.3.3`. */
export function versionOf(fw: string): string | null {
  const m = /(?:^|\/v?)(\d+)\.(\d+)\.(\d+)/.exec(fw);
  return m ? `${m[1]}.${m[2]}.${m[3]}` : null;
}

/** Is version `a` older than `b` (both `x.y.z`)? */
export function older(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0;
  }
  return false;
}

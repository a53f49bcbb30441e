import { SHUNI_FW } from './uni-http-bodies.ts';

/**
 * Who an emulated device says it is over HTTP: model, firmware version. A real Uni by default; another model
 * or an old firmware lets tests see `setup` refuse a device that is not a Uni or is too old.
 */
export interface DeviceIdentity {
  gen: 'gen1' | 'plus';
  id: string;
  mac: string;
  /** Gen1 `type` (`SHUNI-1`) / Gen2 `model` (`SNSN-0043X`). */
  model: string;
  /** `1.14.1`. */
  version: string;
}

export const GEN1_UNI_MODEL = 'SHUNI-1';
export const PLUS_UNI_MODEL = 'SNSN-0043X';
const GEN1_VERSION = '1.14.1';
const PLUS_VERSION = '1.3.3';

export function deviceIdentity(
  gen: 'gen1' | 'plus',
  id: string,
  mac: string,
  overrides: { model?: string; version?: string } = {},
): DeviceIdentity {
  const model = overrides.model ?? (gen === 'gen1' ? GEN1_UNI_MODEL : PLUS_UNI_MODEL);
  return {
    gen,
    // A Gen2 id is `shelly<app>-<mac>` (`shellyplus1-…`): another model's is not a Uni's. Gen1 reports no id (the
    // client derives it from `type`).
    id:
      gen === 'plus' && model !== PLUS_UNI_MODEL
        ? `shelly${gen2App(model).toLowerCase()}-${mac.toLowerCase()}`
        : id,
    mac,
    model,
    version: overrides.version ?? (gen === 'gen1' ? GEN1_VERSION : PLUS_VERSION),
  };
}

/** Gen1 `fw`: the real string of a FW 1.14.1 Uni, or one of the same shape for another version. */
export function gen1Fw(identity: DeviceIdentity): string {
  return identity.version === GEN1_VERSION ? SHUNI_FW : `20200101-000000/v${identity.version}@emulated`;
}

/** Gen2 `fw_id`. */
export function gen2FwId(identity: DeviceIdentity): string {
  return `20240625-122917/${identity.version}-gemulated`;
}

/** Gen2 `app` for a model (what `/shelly` says besides the model). */
export function gen2App(model: string): string {
  return model === PLUS_UNI_MODEL ? 'PlusUni' : 'Plus1';
}

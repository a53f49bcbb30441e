import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Gen2InputMode } from './gen2-mqtt.ts';
import type { BtnType } from './uni-http-bodies.ts';

/**
 * What an emulated Uni keeps in flash: the settings its HTTP API and RPC change. Shelly applies some at once
 * (input mode, name, login) and others only after a reboot (CoIoT peer, MQTT: [DOC-G1] "reboot required to
 * apply", Gen2 `restart_required`); `saved` is what the API shows, `running` what the device does until it
 * boots again.
 */
export interface UniSettings {
  name: string | null;
  /** Gen1 `login` / Gen2 `Shelly.SetAuth`: the user is always `admin` on Gen2. */
  login: { enabled: boolean; username: string; password: string };
  /** Gen1 `relays[i].btn_type`. */
  btnTypes: [BtnType, BtnType];
  /** Gen2 `input:<i>.type`. */
  inputTypes: [Gen2InputMode, Gen2InputMode];
  /** Gen1 only; `peer` is `""` for multicast, else `host:port`. */
  coiot: { enabled: boolean; peer: string; updatePeriodS: number };
  /** `server` is `host:port`; the topic prefix stays the device id. */
  mqtt: { enabled: boolean; server: string; user: string; pass: string };
}

/** A Uni fresh from the box: `toggle` inputs (no input events at all), CoIoT multicast, MQTT off, no password. */
export function factorySettings(): UniSettings {
  return {
    name: null,
    login: { enabled: false, username: 'admin', password: '' },
    btnTypes: ['toggle', 'toggle'],
    inputTypes: ['switch', 'switch'],
    coiot: { enabled: true, peer: '', updatePeriodS: 15 },
    mqtt: { enabled: false, server: '', user: '', pass: '' },
  };
}

/** Which saved settings differ from the running ones and need a reboot to apply. */
const NEEDS_REBOOT: ReadonlyArray<keyof UniSettings> = ['coiot', 'mqtt'];

export class SettingsStore {
  private savedSettings: UniSettings;
  private runningSettings: UniSettings;
  private readonly listeners = new Set<() => void>();

  /** `file`: where the flash lives across emulator restarts too (JSON); absent = in memory only. */
  constructor(
    initial: UniSettings,
    private readonly file?: string,
  ) {
    const loaded = file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as UniSettings) : null;
    this.savedSettings = clone(loaded ?? initial);
    this.runningSettings = clone(this.savedSettings);
  }

  /** What the device shows and will boot with. */
  get saved(): Readonly<UniSettings> {
    return this.savedSettings;
  }

  /** What the device does now. */
  get running(): Readonly<UniSettings> {
    return this.runningSettings;
  }

  /** Saves a change; the keys that apply at once (everything but CoIoT and MQTT) also apply to `running`. */
  save(change: (settings: UniSettings) => void): void {
    const next = clone(this.savedSettings);
    change(next);
    this.savedSettings = next;
    const running = clone(next);
    for (const key of NEEDS_REBOOT)
      (running as unknown as Record<string, unknown>)[key] = this.runningSettings[key];
    this.runningSettings = running;
    if (this.file) writeFileSync(this.file, `${JSON.stringify(next, null, 2)}\n`);
    for (const listener of this.listeners) listener();
  }

  /** Called after every saved change. */
  onSave(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A saved change waits for a reboot (Gen2 `sys.restart_required`). */
  restartRequired(): boolean {
    return NEEDS_REBOOT.some(
      (key) => JSON.stringify(this.savedSettings[key]) !== JSON.stringify(this.runningSettings[key]),
    );
  }

  /** At boot the device reads its flash. */
  boot(): void {
    this.runningSettings = clone(this.savedSettings);
  }
}

function clone(settings: UniSettings): UniSettings {
  return JSON.parse(JSON.stringify(settings)) as UniSettings;
}

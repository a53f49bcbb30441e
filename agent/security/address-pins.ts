/**
 * Which source address each device may send CoIoT from. CoIoT is unauthenticated UDP: anybody on the LAN can
 * put any device id in option 3332, so the id alone proves nothing. A device is pinned to one address:
 *
 *  - `config`: `devices[].address`;
 *  - `learnt`: the address it was first heard from (trust on first use; live, the agent then checks over HTTP
 *    that `/shelly` there reports the MAC of the id and calls `verified` or `refuted`);
 *  - `verified`: an address where `/shelly` reported the right MAC.
 *
 * A datagram claiming a pinned id from another address is `spoofed`: dropped and counted, and a `spoofed`
 * problem is raised (at most once per device per `raiseIntervalMs`). A device that really moved
 * (DHCP) is re-pinned only by `verified`, i.e. after HTTP verification at the new address.
 *
 * Unknown ids (not configured) are remembered only in discovery mode, and then at most `maxDiscovered`.
 * Pure: no I/O, time passed in; `onChange` tells the owner what to persist.
 */
export type PinSource = 'config' | 'learnt' | 'verified';

export interface Pin {
  device: string;
  address: string;
  source: PinSource;
}

export type PinVerdict =
  /** From the pinned address. */
  | { kind: 'accept' }
  /** First contact: pinned to this address now; the caller may verify it. */
  | { kind: 'learnt' }
  /**
   * From another address than the pinned one: drop. `raise`: emit a `spoofed` problem (at most once per device
   * per interval, so a flood cannot turn into a flood of problems); `verify`: worth an HTTP check of this
   * address (see `mayVerify`: forged addresses must not turn the agent into a sender of HTTP requests).
   */
  | { kind: 'spoofed'; pinned: string; raise: boolean; verify: boolean }
  /** Not a configured device: ignore (`discovered`: heard for the first time in discovery mode). */
  | { kind: 'unknown'; discovered: boolean };

export interface AddressPinsOptions {
  /** Configured devices and their `address`, if any. */
  devices: ReadonlyArray<{ id: string; address?: string | undefined }>;
  discovery: boolean;
  maxDiscovered?: number;
  raiseIntervalMs?: number;
  /** A pin was added, moved or removed (`address` null): persist it. */
  onChange?: (device: string, pin: Pin | null) => void;
}

export interface PinStats {
  spoofed: number;
  learnt: number;
  repinned: number;
  refuted: number;
}

const MAX_RAISED_KEYS = 1_024;
/**
 * A device is checked at a new address at most once in 10 s, whatever address claims it: a device that really
 * moved keeps reporting from its new address and is checked at one of its next reports, while a flood of forged
 * source addresses would otherwise send a `/shelly` request to each address it names (a reflector, and a log line
 * each: 888 in a minute in a review's flood).
 */
const VERIFY_DEVICE_INTERVAL_MS = 10_000;
/** And the checks of moved devices, all devices together, at most this many a second (a whole fleet renumbered). */
const MAX_VERIFY_PER_SECOND = 10;
/** The verdicts without details, made once: `check` runs for every datagram. */
const ACCEPT: PinVerdict = Object.freeze({ kind: 'accept' });
const LEARNT: PinVerdict = Object.freeze({ kind: 'learnt' });
const UNKNOWN: PinVerdict = Object.freeze({ kind: 'unknown', discovered: false });
const DISCOVERED: PinVerdict = Object.freeze({ kind: 'unknown', discovered: true });

export class AddressPins {
  readonly stats: PinStats = { spoofed: 0, learnt: 0, repinned: 0, refuted: 0 };
  #revision = 0;
  private readonly configured = new Set<string>();
  private readonly pins = new Map<string, Pin>();
  /** How many pins (of known devices) use each address, for the rate limiter. */
  private readonly addressUse = new Map<string, number>();
  private readonly discovered = new Map<string, Pin>();
  private readonly lastRaised = new Map<string, number>();
  private readonly lastVerify = new Map<string, number>();
  /** Per configured device (so bounded by the config): when its last check at a new address was allowed. */
  private readonly lastDeviceVerify = new Map<string, number>();
  private verifySecond = Number.NEGATIVE_INFINITY;
  private verifiesThisSecond = 0;
  private readonly maxDiscovered: number;
  private readonly raiseIntervalMs: number;

  constructor(private readonly options: AddressPinsOptions) {
    this.maxDiscovered = options.maxDiscovered ?? 256;
    this.raiseIntervalMs = options.raiseIntervalMs ?? 600_000;
    for (const device of options.devices) {
      this.configured.add(device.id);
      if (device.address !== undefined)
        this.set({ device: device.id, address: device.address, source: 'config' }, false);
    }
  }

  /** Restores pins persisted earlier; a configured address wins over a stored one unless verified later. */
  load(pins: Iterable<Pin>): void {
    for (const pin of pins) {
      if (!this.configured.has(pin.device)) continue;
      const current = this.pins.get(pin.device);
      if (current?.source === 'config' && pin.source !== 'verified') continue;
      this.set(pin, false);
    }
  }

  /** The pin of a device, if any. */
  pinOf(device: string): Pin | undefined {
    return this.pins.get(device) ?? this.discovered.get(device);
  }

  /** Devices heard in discovery mode that are not configured. */
  discoveredDevices(): Pin[] {
    return [...this.discovered.values()];
  }

  /** The address is where some configured device is pinned (its datagrams get their own rate budget). */
  isDeviceAddress(address: string): boolean {
    return this.addressUse.has(address);
  }

  /** How many configured devices are pinned to `address`. */
  devicesAt(address: string): number {
    return this.addressUse.get(address) ?? 0;
  }

  /**
   * Moves on whenever a pin is added, moved or removed: an `accept` of a device from an address holds for as long as
   * it does not move (the configured devices never change).
   */
  get revision(): number {
    return this.#revision;
  }

  check(device: string, address: string, nowMs: number): PinVerdict {
    if (!this.configured.has(device)) {
      if (!this.options.discovery || this.discovered.has(device)) return UNKNOWN;
      if (this.discovered.size >= this.maxDiscovered) return UNKNOWN;
      this.discovered.set(device, { device, address, source: 'learnt' });
      return DISCOVERED;
    }
    const pin = this.pins.get(device);
    if (!pin) {
      this.set({ device, address, source: 'learnt' }, true);
      this.stats.learnt++;
      return LEARNT;
    }
    if (pin.address === address) return ACCEPT;
    this.stats.spoofed++;
    return {
      kind: 'spoofed',
      pinned: pin.address,
      raise: this.due(this.lastRaised, device, nowMs),
      verify: this.mayVerify(device, address, nowMs),
    };
  }

  /** Once per device in 10 s, once per device and address an interval, ten a second in all. */
  private mayVerify(device: string, address: string, nowMs: number): boolean {
    const last = this.lastDeviceVerify.get(device);
    if (last !== undefined && nowMs - last < VERIFY_DEVICE_INTERVAL_MS && nowMs >= last) return false;
    if (nowMs - this.verifySecond >= 1_000 || nowMs < this.verifySecond) {
      this.verifySecond = nowMs;
      this.verifiesThisSecond = 0;
    }
    if (this.verifiesThisSecond >= MAX_VERIFY_PER_SECOND) return false;
    if (!this.due(this.lastVerify, `${device}|${address}`, nowMs)) return false;
    this.verifiesThisSecond++;
    this.lastDeviceVerify.set(device, nowMs);
    return true;
  }

  /** HTTP at `address` reported the MAC of `device`: pin it there (this is how a device that moved is re-pinned). */
  verified(device: string, address: string): void {
    if (!this.configured.has(device)) return;
    const pin = this.pins.get(device);
    if (pin?.address === address && pin.source !== 'learnt') return;
    if (pin && pin.address !== address) this.stats.repinned++;
    this.set(
      {
        device,
        address,
        source: pin?.source === 'config' && pin.address === address ? 'config' : 'verified',
      },
      true,
    );
  }

  /**
   * HTTP at `address` answered with another MAC (or not a Shelly): a learnt pin there is withdrawn, so the
   * next datagram from the real device pins again. Config and verified pins are not touched by a refutation.
   */
  refuted(device: string, address: string): void {
    const pin = this.pins.get(device);
    if (!pin || pin.address !== address || pin.source !== 'learnt') return;
    this.stats.refuted++;
    this.unset(device);
    this.options.onChange?.(device, null);
  }

  /** True (and remembered) when `key` was not seen within the interval; memory bounded. */
  private due(seen: Map<string, number>, key: string, nowMs: number): boolean {
    const last = seen.get(key);
    if (last !== undefined && nowMs - last < this.raiseIntervalMs && nowMs >= last) return false;
    seen.delete(key);
    if (seen.size >= MAX_RAISED_KEYS) seen.delete(seen.keys().next().value as string);
    seen.set(key, nowMs);
    return true;
  }

  private set(pin: Pin, notify: boolean): void {
    this.unset(pin.device);
    this.#revision++;
    this.pins.set(pin.device, pin);
    this.addressUse.set(pin.address, (this.addressUse.get(pin.address) ?? 0) + 1);
    if (notify) this.options.onChange?.(pin.device, pin);
  }

  private unset(device: string): void {
    const old = this.pins.get(device);
    if (!old) return;
    this.#revision++;
    this.pins.delete(device);
    const uses = (this.addressUse.get(old.address) ?? 1) - 1;
    if (uses <= 0) this.addressUse.delete(old.address);
    else this.addressUse.set(old.address, uses);
  }
}

/**
 * Whether a MAC reported by `/shelly` is the one a device id names: `shellyuni-483FDA82C15C` (12 hex digits),
 * `shellyplusuni-e465b847ca44`, or older short ids such as `shelly1-B929CC` (the last 6). Ids that end in no
 * MAC (a custom `mqtt_id`) never match: such a device is re-pinned only by editing `devices[].address`.
 */
export function macMatchesId(id: string, mac: string): boolean {
  const match = /-([0-9A-Fa-f]{6}|[0-9A-Fa-f]{12})$/.exec(id);
  const wanted = match?.[1]?.toUpperCase();
  const given = mac.replace(/[:-]/g, '').toUpperCase();
  return wanted !== undefined && /^[0-9A-F]{12}$/.test(given) && given.endsWith(wanted);
}

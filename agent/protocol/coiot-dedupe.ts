import { LruMap } from '../core/lru.ts';
import { uint16Ahead } from '../core/uint16.ts';
export type DedupeVerdict = 'new' | 'duplicate' | 'stale';

export interface CoiotDeduperOptions {
  /** Devices remembered; the least recently heard is forgotten first. */
  maxDevices?: number;
  /** How far behind the last serial (mod 65536) a packet may be and still count as reordered. */
  staleSerialWindow?: number;
  /** A packet behind the last serial is only stale if that last one arrived less than this long ago. */
  staleMs?: number;
}

interface Last {
  /** Serial and payload of the last accepted packet that carried a serial. */
  serial?: number;
  serialPayload?: Buffer;
  serialAtMs: number;
  /** Payload of the last accepted packet of any kind. */
  payload: Buffer;
  /** Set once this is no longer the device's last (replaced, forgotten or evicted): a `DedupeMark` then fails. */
  retired: boolean;
}

/**
 * A device's last accepted packet as `accept` left it, for a caller that keeps it beside that packet (the
 * pipeline's re-send cache) to know the packet again without a lookup: see `CoiotDeduper.repeats`.
 */
export type DedupeMark = Readonly<Last>;

/**
 * Drops CoIoT re-reports and copies: a periodic re-send keeps serial and payload, a reply to our GET repeats a
 * payload, and a packet can overtake its predecessor. Pure: time is passed in.
 */
export class CoiotDeduper {
  readonly #devices = new LruMap<string, Last>();
  readonly #maxDevices: number;
  readonly #window: number;
  readonly #staleMs: number;

  constructor(options: CoiotDeduperOptions = {}) {
    this.#maxDevices = options.maxDevices ?? 4096;
    this.#window = options.staleSerialWindow ?? 64;
    this.#staleMs = options.staleMs ?? 2000;
  }

  get size(): number {
    return this.#devices.size;
  }

  /**
   * `duplicate`: same serial and payload as the last accepted packet (or, without a serial, same payload).
   * `stale`: serial 1..window behind the last accepted one, which arrived < staleMs ago (a reordered packet).
   * Anything else — including a serial far behind, i.e. a reboot — is `new` and becomes the reference.
   * `owned`: the caller never changes `payload`, so it is kept as it is rather than copied, and the same buffer
   * again is recognised without comparing its bytes.
   */
  accept(
    deviceId: string,
    serial: number | undefined,
    payload: Buffer,
    nowMs: number,
    owned = false,
  ): DedupeVerdict {
    const last = this.#devices.get(deviceId); // now the most recently heard

    if (serial === undefined) {
      if (last !== undefined && sameBytes(last.payload, payload)) return 'duplicate';
      const kept = owned ? payload : Buffer.from(payload);
      if (last === undefined) this.#remember(deviceId, { serialAtMs: nowMs, payload: kept, retired: false });
      else last.payload = kept;
      return 'new';
    }

    if (last?.serial !== undefined) {
      if (
        last.serial === serial &&
        last.serialPayload !== undefined &&
        sameBytes(last.serialPayload, payload)
      )
        return 'duplicate';
      const behind = uint16Ahead(serial, last.serial);
      const age = nowMs - last.serialAtMs;
      if (behind >= 1 && behind <= this.#window && age >= 0 && age < this.#staleMs) return 'stale';
    }

    const copy = owned ? payload : Buffer.from(payload);
    this.#remember(deviceId, {
      serial,
      serialPayload: copy,
      serialAtMs: nowMs,
      payload: copy,
      retired: false,
    });
    return 'new';
  }

  /** The device's last accepted packet, to be known again by `repeats` (undefined: none). */
  markOf(deviceId: string): DedupeMark | undefined {
    return this.#devices.peek(deviceId);
  }

  /**
   * What `accept` of the device `mark` was taken for answers `duplicate` to, without its lookup: `mark` is still
   * the device's last, with this serial and this very payload buffer (a caller's copy that never changes). False
   * says nothing: ask `accept`. Unlike `accept`, it does not make the device the most recently heard, so the
   * devices forgotten first past `maxDevices` are only nearly the least recently heard.
   */
  static repeats(mark: DedupeMark, serial: number | undefined, payload: Buffer): boolean {
    return !mark.retired && serial !== undefined && mark.serial === serial && mark.serialPayload === payload;
  }

  /** Forget a device, e.g. when it is removed from the configuration. */
  forget(deviceId: string): void {
    this.#retire(deviceId);
    this.#devices.delete(deviceId);
  }

  #remember(deviceId: string, last: Last): void {
    this.#retire(deviceId);
    this.#devices.set(deviceId, last);
    while (this.#devices.size > this.#maxDevices) {
      const oldest = this.#devices.oldestKey();
      if (oldest === undefined) break;
      this.#retire(oldest);
      this.#devices.delete(oldest);
    }
  }

  #retire(deviceId: string): void {
    const last = this.#devices.peek(deviceId);
    if (last !== undefined) last.retired = true;
  }
}

function sameBytes(kept: Buffer, payload: Buffer): boolean {
  return kept === payload || kept.equals(payload);
}

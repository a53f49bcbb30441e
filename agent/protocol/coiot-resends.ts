import type { DeviceNotice } from '../detect/evidence.ts';
import type { DedupeMark } from './coiot-dedupe.ts';
import { type CoiotMessage, decodeCoiot } from './coiot-packet.ts';

/** A SHUNI-1 status is ~250 bytes: longer datagrams are decoded every time rather than kept. */
const MAX_BYTES = 1_500;

/**
 * The last datagram accepted from a source address, and what it decoded to. A Shelly re-sends its status every
 * 15 s with the same bytes but for the CoAP message id, which nothing downstream reads: such a re-send is recognised
 * by one byte comparison (`matchResent`) instead of a decode. `decodeCoiot` is a function of the bytes alone, so a
 * match is what decoding would have given. The checks that follow the decode are the caller's: it may skip one only
 * where its outcome depends on nothing but the bytes, the address and state it can tell unchanged (`acceptedAt`,
 * `dedupe`), so nothing remembered can let through what decoding would refuse.
 */
export interface Resent {
  /** A copy of the datagram (the caller's buffer may be reused); only its message id bytes are ever changed. */
  readonly bytes: Buffer;
  /** `decodeCoiot(bytes)`; its payload lies in `bytes`. */
  readonly message: CoiotMessage;
  /** What the health monitors hear of each copy (made once: the message never changes). */
  readonly heard: DeviceNotice;
  /**
   * The caller's note of what it checked about this datagram beyond the decode, and when (the pipeline: the address
   * pins' revision at which its device was last accepted from this address; -1 before that).
   */
  acceptedAt: number;
  /** The de-duplicator's record of this datagram, once it took it (see `CoiotDeduper.repeats`). */
  dedupe: DedupeMark | undefined;
}

/** `kept` if `bytes` repeat its datagram (message id aside), else undefined. */
export function matchResent(kept: Resent | undefined, bytes: Buffer): Resent | undefined {
  if (kept === undefined) return undefined;
  const known = kept.bytes;
  if (bytes.length !== known.length) return undefined;
  // Bytes 2–3 are the message id: the copy takes the new one, then one whole comparison (the quickest way).
  known[2] = bytes[2] as number;
  known[3] = bytes[3] as number;
  return known.equals(bytes) ? kept : undefined;
}

/**
 * What to keep of `bytes`, a datagram that decodes: a copy of its own, whose message's payload never changes (kept
 * elsewhere without a copy); null for a datagram too long to keep. `deviceId`: the string `heard` names its device
 * with (the same characters as the message's).
 */
export function rememberResent(bytes: Buffer, deviceId?: string): Resent | null {
  if (bytes.length > MAX_BYTES) return null;
  const copy = Buffer.from(bytes);
  const message = decodeCoiot(copy);
  return { bytes: copy, message, heard: heardOf(message, deviceId), acceptedAt: -1, dedupe: undefined };
}

/** What a CoIoT datagram tells the health monitors: its device is alive, at this serial. */
export function heardOf(message: CoiotMessage, deviceId = message.deviceId): DeviceNotice {
  return { device: deviceId, via: 'coiot', serial: message.serial, validityS: message.validityS };
}

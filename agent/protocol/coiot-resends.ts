import { LruMap } from '../core/lru.ts';
import { type CoiotMessage, decodeCoiot } from './coiot-packet.ts';

/** A SHUNI-1 status is ~250 bytes: longer datagrams are decoded every time rather than kept. */
const MAX_BYTES = 1_500;

interface Entry {
  /** A copy of the datagram (the caller's buffer may be reused); only its message id bytes are ever changed. */
  bytes: Buffer;
  /** `decodeCoiot(bytes)`; its payload lies in `bytes`. */
  message: CoiotMessage;
}

/**
 * The last datagram the pipeline accepted from each source address, and what it decoded to. A Shelly re-sends its
 * status every 15 s with the same bytes but for the CoAP message id, which nothing downstream reads: such a
 * re-send is recognised by one byte comparison instead of a decode. `decodeCoiot` is a function of the bytes
 * alone, so a match is what decoding would have given; the caller still runs every check that follows the decode
 * (pins, known devices, de-duplication), so nothing remembered can let through what decoding would refuse.
 *
 * Keyed by address, not `host:port`: the rate limits and pins have hashed that string already. Several devices
 * behind one address take turns, and then every datagram is decoded, as without this cache. Memory is bounded
 * whatever a flood of forged sources brings: at most `maxSources` entries (the least recently used forgotten
 * first) of at most `MAX_BYTES` each.
 */
export class CoiotResends {
  readonly #sources = new LruMap<string, Entry>();

  constructor(private readonly maxSources = 4_096) {}

  get size(): number {
    return this.#sources.size;
  }

  /** The remembered message if `bytes` repeat the datagram remembered for `address` (message id aside). */
  match(address: string, bytes: Buffer): CoiotMessage | undefined {
    const entry = this.#sources.get(address);
    if (entry === undefined) return undefined;
    const known = entry.bytes;
    if (bytes.length !== known.length) return undefined;
    // Bytes 2–3 are the message id: the copy takes the new one, then one whole comparison (the quickest way).
    known[2] = bytes[2] as number;
    known[3] = bytes[3] as number;
    return known.equals(bytes) ? entry.message : undefined;
  }

  /**
   * Remembers `bytes`, a datagram that decodes, for `address` in place of what was remembered there. Returns its
   * message, whose payload lies in the cache's own copy and never changes (kept elsewhere without a copy), or
   * null for a datagram too long to keep.
   */
  remember(address: string, bytes: Buffer): CoiotMessage | null {
    if (bytes.length > MAX_BYTES) {
      this.#sources.delete(address);
      return null;
    }
    const copy = Buffer.from(bytes);
    const message = decodeCoiot(copy);
    this.#sources.set(address, { bytes: copy, message });
    while (this.#sources.size > this.maxSources) this.#sources.delete(this.#sources.oldestKey() as string);
    return message;
  }
}

import { LruMap } from '../core/lru.ts';
import { type CoiotMessage, decodeCoiot } from './coiot-packet.ts';

/** A SHUNI-1 status is ~250 bytes: longer datagrams are decoded every time rather than kept. */
const MAX_BYTES = 1_500;

/** A remembered datagram. */
export interface Resent {
  /** A copy of the datagram (the caller's buffer may be reused); only its message id bytes are ever changed. */
  readonly bytes: Buffer;
  /** `decodeCoiot(bytes)`; its payload lies in `bytes`. */
  readonly message: CoiotMessage;
  /**
   * The caller's note of what it checked about this datagram beyond the decode, and when (the pipeline: the address
   * pins' revision at which its device was last accepted from this address; -1 before that).
   */
  acceptedAt: number;
}

/**
 * The last datagram the pipeline accepted from each source address, and what it decoded to. A Shelly re-sends its
 * status every 15 s with the same bytes but for the CoAP message id, which nothing downstream reads: such a
 * re-send is recognised by one byte comparison instead of a decode. `decodeCoiot` is a function of the bytes
 * alone, so a match is what decoding would have given. The checks that follow the decode are the caller's: it may
 * skip one only where its outcome depends on nothing but the bytes, the address and state it can tell unchanged
 * (`acceptedAt`), so nothing remembered can let through what decoding would refuse.
 *
 * Keyed by address, not `host:port`: the rate limits and pins have hashed that string already. Several devices
 * behind one address take turns, and then every datagram is decoded, as without this cache. Memory is bounded
 * whatever a flood of forged sources brings: at most `maxSources` entries (the least recently used forgotten
 * first) of at most `MAX_BYTES` each.
 */
export class CoiotResends {
  readonly #sources = new LruMap<string, Resent>();

  constructor(private readonly maxSources = 4_096) {}

  get size(): number {
    return this.#sources.size;
  }

  /** What is remembered for `address` if `bytes` repeat that datagram (message id aside). */
  match(address: string, bytes: Buffer): Resent | undefined {
    const entry = this.#sources.get(address);
    if (entry === undefined) return undefined;
    const known = entry.bytes;
    if (bytes.length !== known.length) return undefined;
    // Bytes 2–3 are the message id: the copy takes the new one, then one whole comparison (the quickest way).
    known[2] = bytes[2] as number;
    known[3] = bytes[3] as number;
    return known.equals(bytes) ? entry : undefined;
  }

  /**
   * Remembers `bytes`, a datagram that decodes, for `address` in place of what was remembered there. Returns what is
   * kept, whose message's payload lies in the cache's own copy and never changes (kept elsewhere without a copy),
   * or null for a datagram too long to keep.
   */
  remember(address: string, bytes: Buffer): Resent | null {
    if (bytes.length > MAX_BYTES) {
      this.#sources.delete(address);
      return null;
    }
    const copy = Buffer.from(bytes);
    const entry: Resent = { bytes: copy, message: decodeCoiot(copy), acceptedAt: -1 };
    this.#sources.set(address, entry);
    while (this.#sources.size > this.maxSources) this.#sources.delete(this.#sources.oldestKey() as string);
    return entry;
  }
}

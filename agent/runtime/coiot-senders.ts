import { LruMap } from '../core/lru.ts';
import type { Resent } from '../protocol/coiot-resends.ts';
import type { Bucket } from '../security/rate-limit.ts';

/**
 * What the pipeline keeps for one source address of CoIoT datagrams, all found with the one lookup each datagram
 * costs: its rate-limit bucket, how many configured devices are pinned there, and its last accepted datagram.
 */
export interface Sender extends Bucket {
  /** The address (as first heard). */
  readonly address: string;
  /** Configured devices pinned to this address, as counted at the address pins' revision `sizedAt` (NaN: never). */
  devices: number;
  sizedAt: number;
  /** The last datagram accepted from here, to know its re-sends (undefined: none, or too long to keep). */
  resent: Resent | undefined;
}

/**
 * The senders heard lately, at most `maxSenders` of them (the least recently heard forgotten first): memory stays
 * bounded whatever a flood of forged sources brings. A remembered datagram is at most 1,500 bytes, and only one of a
 * configured device that passed the address pins is kept.
 */
export class Senders {
  readonly #senders = new LruMap<string, Sender>();

  constructor(private readonly maxSenders: number) {}

  get size(): number {
    return this.#senders.size;
  }

  /** The sender at `address`, now the most recently heard; a new one if it was not known (an empty bucket). */
  at(address: string, nowMs: number): Sender {
    const known = this.#senders.get(address);
    if (known !== undefined) return known;
    if (this.#senders.size >= this.maxSenders) this.#senders.delete(this.#senders.oldestKey() as string);
    const sender: Sender = {
      address,
      tokens: 0,
      atMs: nowMs,
      share: 0,
      devices: 0,
      sizedAt: Number.NaN,
      resent: undefined,
    };
    this.#senders.set(address, sender);
    return sender;
  }
}

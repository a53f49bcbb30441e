import type { DeviceNotice } from '../detect/evidence.ts';
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
  /** `PipelineHooks.heardFrom` for the device of `resent`, asked for when it was remembered. */
  heard: ((notice: DeviceNotice, nowMs: number) => void) | undefined;
  /** Heard again since `Senders` last passed over it (its second chance). */
  heardAgain: boolean;
}

/**
 * The senders heard lately, at most `maxSenders` of them: memory stays bounded whatever a flood of forged sources
 * brings. A remembered datagram is at most 1,500 bytes, and only one of a configured device that passed the address
 * pins is kept. Which sender is forgotten is chosen the way a "clock" page cache chooses (second chance): the
 * oldest not heard again since it was last passed over. Close to least recently heard, and a datagram only sets a
 * flag on its own sender, where a strict LRU list relinks its neighbours, two records no other datagram touches.
 */
export class Senders {
  /** In the order they were added, or passed over with a second chance. */
  readonly #senders = new Map<string, Sender>();

  constructor(private readonly maxSenders: number) {}

  get size(): number {
    return this.#senders.size;
  }

  /** The sender at `address`; a new one if it was not known (an empty bucket). */
  at(address: string, nowMs: number): Sender {
    const known = this.#senders.get(address);
    if (known !== undefined) {
      known.heardAgain = true;
      return known;
    }
    if (this.#senders.size >= this.maxSenders) this.#forgetOne();
    const sender: Sender = {
      address,
      tokens: 0,
      atMs: nowMs,
      share: 0,
      devices: 0,
      sizedAt: Number.NaN,
      resent: undefined,
      heard: undefined,
      heardAgain: false,
    };
    this.#senders.set(address, sender);
    return sender;
  }

  /** Forgets the oldest sender not heard again; each one heard again on the way goes to the back, its flag cleared. */
  #forgetOne(): void {
    for (const [address, sender] of this.#senders) {
      this.#senders.delete(address);
      if (!sender.heardAgain) return;
      sender.heardAgain = false;
      this.#senders.set(address, sender);
    }
  }
}

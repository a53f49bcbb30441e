import { LruMap } from '../core/lru.ts';

/**
 * Per-source token buckets for unauthenticated UDP, so a flood from one address (or from many forged ones)
 * cannot starve the reports of real devices nor grow memory. Pure: time comes in as `nowMs`.
 *
 *  - every source address has its own bucket (`ratePerS`, `burst`, times the devices pinned there);
 *  - sources that are not a known device's address also share one bucket (`sharedRatePerS`), so forging a
 *    fresh source address per datagram gains nothing;
 *  - at most `maxSources` buckets are kept, least recently heard forgotten first (a forgotten source starts
 *    again with a full bucket, which costs an attacker nothing it did not have). A caller that keeps each
 *    source's bucket in its own record (`take`) bounds them itself: the pipeline's `Senders` keeps at most
 *    `maxSources`, forgetting by second chance rather than strictly least recently heard.
 *
 * A clock that jumps backwards refills nothing; one that jumps forwards refills at most a full bucket.
 */
export interface RateLimitOptions {
  ratePerS: number;
  burst: number;
  sharedRatePerS: number;
  maxSources: number;
}

/**
 * One source's token bucket. A new one is empty with a share of none (`tokens: 0, share: 0`, `atMs`: when it was
 * first heard): its first `take` fills it to the burst of its devices.
 */
export interface Bucket {
  tokens: number;
  atMs: number;
  /** Devices the bucket was last sized for: a device newly pinned to the address brings its own burst. */
  share: number;
}

export interface RateLimitStats {
  allowed: number;
  /** Dropped because the source's own bucket was empty. */
  droppedSource: number;
  /** Dropped because the shared bucket of unknown sources was empty. */
  droppedShared: number;
}

export class SourceRateLimiter {
  readonly stats: RateLimitStats = { allowed: 0, droppedSource: 0, droppedShared: 0 };
  private readonly buckets = new LruMap<string, Bucket>();
  private readonly shared: Bucket;

  constructor(private readonly options: RateLimitOptions) {
    if (
      !(options.ratePerS > 0 && options.burst >= 1 && options.sharedRatePerS > 0 && options.maxSources >= 1)
    )
      throw new RangeError('rate limits must be positive');
    this.shared = { tokens: options.sharedRatePerS, atMs: Number.NEGATIVE_INFINITY, share: 1 };
  }

  /** How many sources' buckets are kept at most (by `allow`, and by a caller of `take`). */
  get maxSources(): number {
    return this.options.maxSources;
  }

  /** Sources tracked right now by `allow` (never more than `maxSources`). */
  get size(): number {
    return this.buckets.size;
  }

  /**
   * Takes one token for a datagram from `address`; false = drop it. `devices`: how many configured devices are
   * pinned to that address (each brings its own rate and burst, so a gateway or a test host carrying many
   * devices is not starved); 0 = an unknown source, which also draws from the shared bucket.
   */
  allow(address: string, devices: number, nowMs: number): boolean {
    let bucket = this.buckets.get(address);
    if (bucket === undefined) {
      bucket = { tokens: 0, atMs: nowMs, share: 0 };
      if (this.buckets.size >= this.options.maxSources)
        this.buckets.delete(this.buckets.oldestKey() as string);
      this.buckets.set(address, bucket);
    }
    return this.take(bucket, devices, nowMs);
  }

  /** `allow` for a caller that keeps each source's bucket itself (bounded by `maxSources`, as this would be). */
  take(bucket: Bucket, devices: number, nowMs: number): boolean {
    const { sharedRatePerS } = this.options;
    const share = Math.max(1, devices);
    const ratePerS = this.options.ratePerS * share;
    const burst = this.options.burst * share;
    if (share > bucket.share) bucket.tokens += (share - bucket.share) * this.options.burst;
    bucket.share = share;
    refill(bucket, nowMs, ratePerS, burst);
    if (bucket.tokens < 1) {
      this.stats.droppedSource++;
      return false;
    }
    if (devices === 0) {
      refill(this.shared, nowMs, sharedRatePerS, sharedRatePerS);
      if (this.shared.tokens < 1) {
        this.stats.droppedShared++;
        return false;
      }
      this.shared.tokens -= 1;
    }
    bucket.tokens -= 1;
    this.stats.allowed++;
    return true;
  }
}

function refill(bucket: Bucket, nowMs: number, ratePerS: number, capacity: number): void {
  if (nowMs > bucket.atMs) {
    const elapsed = Number.isFinite(bucket.atMs) ? nowMs - bucket.atMs : Number.POSITIVE_INFINITY;
    bucket.tokens = Math.min(capacity, bucket.tokens + (elapsed * ratePerS) / 1000);
  }
  // Backwards: keep the tokens, restart the count from the new time.
  bucket.atMs = nowMs;
}

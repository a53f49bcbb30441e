import type { Logger } from '../core/logger.ts';

export interface Backoff {
  /** First wait, ms. */
  minMs: number;
  /** Longest wait, ms. */
  maxMs: number;
}

/** How far a wait may be moved either way, as a share of it, so that many agents do not retry in step. */
export const JITTER = 0.25;

/**
 * The wait before attempt `attempt + 1` after `attempt` failures in a row (0 = right after a connection was lost
 * or the first attempt failed): `minMs` doubling up to `maxMs`, moved by ±JITTER at random, never above `maxMs`.
 */
export function backoffDelayMs(
  attempt: number,
  backoff: Backoff,
  random: () => number = Math.random,
): number {
  const nominal = Math.min(backoff.maxMs, backoff.minMs * 2 ** Math.min(attempt, 32));
  const jittered = nominal * (1 - JITTER + 2 * JITTER * random());
  return Math.round(Math.min(backoff.maxMs, jittered));
}

/** While the broker stays unreachable, a reminder this often; and at most one line this often about losses. */
export const OUTAGE_REMINDER_MS = 60_000;

/** A connection that stays up this long was not a flap: the next loss starts the backoff from the beginning. */
export const STABLE_CONNECTION_MS = 30_000;

/**
 * What the log says about the broker connection: an outage once when it begins, a reminder a minute while it
 * lasts and its length when it ends — not one line per reconnect attempt (those are debug lines). A connection
 * that keeps dropping (another client taking over the same client id, say) is reported at most once a minute,
 * with the number of losses since the last line.
 */
export class OutageLog {
  private since: number | null = null;
  private lastLogMs = Number.NEGATIVE_INFINITY;
  /** The current outage has been reported (so its end is too). */
  private reported = false;
  private attempts = 0;
  private losses = 0;

  constructor(
    private readonly log: Logger,
    private readonly url: string,
    private readonly now: () => number = Date.now,
  ) {}

  get down(): boolean {
    return this.since !== null;
  }

  /** An attempt to reach the broker failed. */
  failed(error: unknown, retryInMs?: number): void {
    this.attempts++;
    const now = this.now();
    this.since ??= now;
    const retry = retryInMs === undefined ? {} : { retry_in_s: Math.round(retryInMs / 100) / 10 };
    if (now - this.lastLogMs < OUTAGE_REMINDER_MS) {
      this.log.debug('MQTT connection attempt failed', { error: String(error), ...retry });
      return;
    }
    this.lastLogMs = now;
    if (!this.reported) {
      this.reported = true;
      this.log.warn('MQTT broker unreachable; retrying with backoff', {
        url: this.url,
        error: String(error),
        ...retry,
      });
      return;
    }
    this.log.warn('MQTT broker still unreachable', {
      url: this.url,
      down_s: Math.round((now - this.since) / 1000),
      attempts: this.attempts,
      error: String(error),
      ...retry,
    });
  }

  /** A connection that was up has closed. */
  lost(): void {
    const now = this.now();
    this.since ??= now;
    this.losses++;
    if (now - this.lastLogMs < OUTAGE_REMINDER_MS) {
      this.log.debug('MQTT connection lost (reported less than a minute ago)', { losses: this.losses });
      return;
    }
    this.lastLogMs = now;
    this.reported = true;
    this.log.warn('MQTT connection lost; reconnecting with backoff', {
      url: this.url,
      ...(this.losses > 1 && { losses_since_last_line: this.losses }),
    });
    this.losses = 0;
  }

  /** The broker accepted a connection. */
  connected(): void {
    if (this.since === null) return;
    const now = this.now();
    if (this.reported) {
      this.lastLogMs = now;
      this.log.info('MQTT reconnected', {
        url: this.url,
        down_s: Math.round((now - this.since) / 100) / 10,
        attempts: this.attempts,
      });
    } else this.log.debug('MQTT reconnected', { attempts: this.attempts });
    this.since = null;
    this.reported = false;
    this.attempts = 0;
  }
}

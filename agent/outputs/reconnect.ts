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

/** While the broker stays unreachable, a reminder this often (not a line per attempt). */
export const OUTAGE_REMINDER_MS = 60_000;

/**
 * What the log says about the broker connection: the outage once when it begins, a reminder a minute while it
 * lasts, and its length when it ends — not one line per reconnect attempt.
 */
export class OutageLog {
  private since: number | null = null;
  private lastLogMs = 0;
  private attempts = 0;

  constructor(
    private readonly log: Logger,
    private readonly url: string,
    private readonly now: () => number = Date.now,
  ) {}

  get down(): boolean {
    return this.since !== null;
  }

  /** An attempt to reach the broker failed (or the connection broke with an error). */
  failed(error: unknown, retryInMs?: number): void {
    this.attempts++;
    const now = this.now();
    const retry = retryInMs === undefined ? {} : { retry_in_s: Math.round(retryInMs / 100) / 10 };
    if (this.since === null) {
      this.since = now;
      this.lastLogMs = now;
      this.log.warn('MQTT broker unreachable; retrying with backoff', {
        url: this.url,
        error: String(error),
        ...retry,
      });
      return;
    }
    if (now - this.lastLogMs < OUTAGE_REMINDER_MS) return;
    this.lastLogMs = now;
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
    if (this.since !== null) return;
    const now = this.now();
    this.since = now;
    this.lastLogMs = now;
    this.attempts = 0;
    this.log.warn('MQTT connection lost; reconnecting with backoff', { url: this.url });
  }

  /** The broker accepted a connection. */
  connected(): void {
    if (this.since === null) return;
    this.log.info('MQTT reconnected', {
      url: this.url,
      down_s: Math.round((this.now() - this.since) / 100) / 10,
      attempts: this.attempts,
    });
    this.since = null;
    this.attempts = 0;
  }
}

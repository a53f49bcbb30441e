import type { Logger } from '../core/logger.ts';
import { hostOf } from '../security/source-address.ts';

/**
 * Counts input that is not what a Shelly sends, and logs it once per source address per interval (the port left
 * out: a sender that changes ports is the same sender), and at most `maxLines` lines per interval in all, so a flood
 * of garbage from forged or rotating sources costs a counter increment, not a log line per packet. What went
 * unlogged is said in one line when the next interval starts. Memory is bounded by `maxSources`.
 */
export class BadInputLog {
  private readonly sources = new Map<string, { lastLoggedMs: number; suppressed: number }>();
  readonly counts = new Map<string, number>();
  total = 0;
  private windowStartMs = Number.NEGATIVE_INFINITY;
  private linesInWindow = 0;
  /** Reports of sources not logged in this window because it had `maxLines` already. */
  private unlogged = 0;

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = 60_000,
    private readonly maxSources = 1_024,
    private readonly maxLines = 20,
  ) {}

  report(kind: string, source: string, reason: string, nowMs: number): void {
    this.total++;
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    this.rollWindow(nowMs);
    const key = `${kind}|${hostOf(source)}`;
    const seen = this.sources.get(key);
    if (seen && nowMs - seen.lastLoggedMs < this.intervalMs && nowMs >= seen.lastLoggedMs) {
      seen.suppressed++;
      return;
    }
    if (this.linesInWindow >= this.maxLines) {
      this.unlogged++;
      return;
    }
    if (!seen && this.sources.size >= this.maxSources) {
      const oldest = this.sources.keys().next().value as string;
      this.sources.delete(oldest);
    }
    const suppressed = seen?.suppressed ?? 0;
    this.sources.delete(key);
    this.sources.set(key, { lastLoggedMs: nowMs, suppressed: 0 });
    this.linesInWindow++;
    this.log.warn(`dropped ${kind}`, {
      source,
      reason,
      ...(suppressed > 0 ? { suppressed_since_last: suppressed } : {}),
    });
  }

  private rollWindow(nowMs: number): void {
    if (nowMs - this.windowStartMs < this.intervalMs && nowMs >= this.windowStartMs) return;
    if (this.unlogged > 0) {
      this.log.warn('dropped bad input from more sources than are logged one by one', {
        not_logged: this.unlogged,
        lines_at_most: this.maxLines,
        interval_s: this.intervalMs / 1000,
      });
    }
    this.windowStartMs = nowMs;
    this.linesInWindow = 0;
    this.unlogged = 0;
  }
}

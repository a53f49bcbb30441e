import type { Logger } from '../core/logger.ts';

/**
 * Counts input that is not what a Shelly sends, and logs it once per source per interval, so a flood of
 * garbage costs a counter increment, not a log line per packet. Memory is bounded by `maxSources`.
 */
export class BadInputLog {
  private readonly sources = new Map<string, { lastLoggedMs: number; suppressed: number }>();
  readonly counts = new Map<string, number>();
  total = 0;

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = 60_000,
    private readonly maxSources = 1_024,
  ) {}

  report(kind: string, source: string, reason: string, nowMs: number): void {
    this.total++;
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    const key = `${kind}|${source}`;
    const seen = this.sources.get(key);
    if (seen && nowMs - seen.lastLoggedMs < this.intervalMs) {
      seen.suppressed++;
      return;
    }
    if (!seen && this.sources.size >= this.maxSources) {
      const oldest = this.sources.keys().next().value as string;
      this.sources.delete(oldest);
    }
    const suppressed = seen?.suppressed ?? 0;
    this.sources.delete(key);
    this.sources.set(key, { lastLoggedMs: nowMs, suppressed: 0 });
    this.log.warn(`dropped ${kind}`, {
      source,
      reason,
      ...(suppressed > 0 ? { suppressed_since_last: suppressed } : {}),
    });
  }
}

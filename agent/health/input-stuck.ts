import type { ChimeSettings } from '../detect/chime.ts';
import { type HealthParams, Latch } from './types.ts';

/**
 * `input_stuck`: the input has stayed high far longer than the chime can hold it — an electronic chime holds
 * for exactly `duration_s`, a visitor rarely holds a mechanical button for a minute. The signature of a relay
 * that closed and never opened (the seed's relay without its power kit "would not open after the button was
 * released"). Cleared when the input goes low.
 */
export class InputStuckMonitor {
  readonly latch = new Latch();
  private highSinceMs: number | null = null;

  constructor(
    private readonly params: HealthParams,
    private readonly chime: ChimeSettings,
    private readonly input: number,
  ) {}

  /** The combined level of the input (any path), in arrival order. */
  level(high: boolean, nowMs: number): void {
    if (high && this.highSinceMs === null) this.highSinceMs = nowMs;
    if (!high) this.highSinceMs = null;
  }

  limitS(): number {
    const hold = this.chime.mode === 'electronic' ? (this.chime.durationS ?? 0) : 0;
    return hold + this.params.stuckAfterS;
  }

  evaluate(nowMs: number): boolean {
    const since = this.highSinceMs;
    if (since !== null && nowMs - since >= this.limitS() * 1000) {
      const allows =
        this.chime.mode === 'electronic' ? `the chime holds ${this.chime.durationS} s` : 'mechanical chime';
      return this.latch.set(
        true,
        `input ${this.input} high for ${Math.round((nowMs - since) / 1000)} s (${allows})`,
        nowMs,
      );
    }
    return this.latch.set(false, '', nowMs);
  }

  nextWakeMs(): number | null {
    if (this.latch.on || this.highSinceMs === null) return null;
    return this.highSinceMs + this.limitS() * 1000;
  }
}

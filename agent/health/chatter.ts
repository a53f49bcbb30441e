import { type HealthParams, Latch } from './types.ts';

/**
 * `chatter`: rising edges far more often than presses produce them, most without an event-counter step from
 * the Shelly — a relay that closes by itself and drops out again (the seed's relay without its power kit
 * "might close spontaneously"). Raised at `chatterMinEdges` rises per window of which at least half are not
 * matched by counter steps; held until the rate falls below half of that.
 */
export class ChatterMonitor {
  readonly latch = new Latch();
  private readonly rises: number[] = [];
  private readonly steps: number[] = [];

  constructor(
    private readonly params: HealthParams,
    private readonly input: number,
  ) {}

  rise(nowMs: number): void {
    this.rises.push(nowMs);
    if (this.rises.length > 4 * this.params.chatterMinEdges + 64) this.rises.shift();
  }

  counterSteps(count: number, nowMs: number): void {
    for (let k = 0; k < Math.min(count, 64); k++) this.steps.push(nowMs);
    while (this.steps.length > 4 * this.params.chatterMinEdges + 64) this.steps.shift();
  }

  private prune(nowMs: number): void {
    const from = nowMs - this.params.chatterWindowS * 1000;
    while (this.rises.length > 0 && (this.rises[0] ?? 0) <= from) this.rises.shift();
    while (this.steps.length > 0 && (this.steps[0] ?? 0) <= from) this.steps.shift();
  }

  evaluate(nowMs: number): boolean {
    this.prune(nowMs);
    const rises = this.rises.length;
    const unmatched = Math.max(0, rises - this.steps.length);
    const min = this.params.chatterMinEdges;
    const raise = rises >= min && unmatched >= Math.ceil(min / 2);
    const hold = this.latch.on && rises >= Math.ceil(min / 2);
    const on = raise || hold;
    const detail = on
      ? `input ${this.input}: ${rises} rising edges in ${this.params.chatterWindowS} s, ${unmatched} without an event-counter step`
      : '';
    return this.latch.set(on, detail, nowMs);
  }

  nextWakeMs(): number | null {
    const oldest = this.rises[0];
    return oldest === undefined ? null : oldest + this.params.chatterWindowS * 1000;
  }
}

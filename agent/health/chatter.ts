import { type HealthParams, Latch } from './types.ts';

/**
 * `chatter`: rising edges far more often than presses make them — a relay that closes by itself and drops out
 * again (the seed's relay without its power kit "might close spontaneously"), or a contact that bounces. Raised by
 * the edge rate alone: `chatterMinEdges` rising edges within `chatterWindowS`, whether or not the Shelly counted
 * each one as an event (its firmware may or may not). The edges are the detector's (`DetectorOutput.edges`): each
 * rise it heard, copies on a second path excluded, plus the pulses implied by counter steps no heard rise
 * accounts for. Held until the rate falls below half of that: it clears when the input calms down.
 */
export class ChatterMonitor {
  readonly latch = new Latch();
  private readonly rises: number[] = [];

  constructor(
    private readonly params: HealthParams,
    private readonly input: number,
  ) {}

  rise(nowMs: number, count = 1): void {
    for (let k = 0; k < Math.min(count, 64); k++) this.rises.push(nowMs);
    while (this.rises.length > 4 * this.params.chatterMinEdges + 64) this.rises.shift();
  }

  private prune(nowMs: number): void {
    const from = nowMs - this.params.chatterWindowS * 1000;
    while (this.rises.length > 0 && (this.rises[0] ?? 0) <= from) this.rises.shift();
  }

  evaluate(nowMs: number): boolean {
    this.prune(nowMs);
    const rises = this.rises.length;
    const min = this.params.chatterMinEdges;
    const on = rises >= min || (this.latch.on && rises >= Math.ceil(min / 2));
    const detail = on ? `input ${this.input}: ${rises} rising edges in ${this.params.chatterWindowS} s` : '';
    return this.latch.set(on, detail, nowMs);
  }

  nextWakeMs(): number | null {
    const oldest = this.rises[0];
    return oldest === undefined ? null : oldest + this.params.chatterWindowS * 1000;
  }
}

import type { ChimeSettings } from '../detect/chime.ts';
import { type HealthParams, Latch } from './types.ts';

/**
 * `wiring`: input behaviour that matches a known installation mistake, after `wiringMinPresses` presses in a row:
 *  - release only: presses reach the agent only as event-counter steps, never as a rising edge — the seed's AC
 *    into a Gen1 input "detected only the end of a press" (parts-facts.md);
 *  - hold mismatch: an electronic chime holds the contact for exactly `duration_s`; holds that keep missing it
 *    (the detector's `press_end` note says so) mean a wrong `duration_s` or a loop not driven by the chime;
 *  - no events: edges ring but the Gen1 event counter never moves — `btn_type` is still the factory `toggle`,
 *    so a lost edge can never be recovered (shelly-protocols.md §3.3).
 * Cleared by the next press that looks right.
 */
export class WiringMonitor {
  readonly latch = new Latch();
  private releaseOnly = 0;
  private mismatched: number[] = [];
  private ringsWithoutStep = 0;
  private counterSeen = false;

  constructor(
    private readonly params: HealthParams,
    private readonly chime: ChimeSettings,
    private readonly input: number,
  ) {}

  ring(recovered: boolean): void {
    if (recovered) this.releaseOnly++;
    else {
      this.releaseOnly = 0;
      this.ringsWithoutStep++;
    }
  }

  pressEnd(holdS: number, matchesChime: boolean): void {
    if (matchesChime) this.mismatched = [];
    else this.mismatched.push(holdS);
    if (this.mismatched.length > this.params.wiringMinPresses) this.mismatched.shift();
  }

  counterValue(): void {
    this.counterSeen = true;
  }

  counterSteps(): void {
    this.ringsWithoutStep = 0;
  }

  evaluate(nowMs: number): boolean {
    const n = this.params.wiringMinPresses;
    let detail = '';
    if (this.releaseOnly >= n) {
      detail =
        `input ${this.input}: the last ${this.releaseOnly} presses arrived only as event counts after the ` +
        'release, never as an input edge (as with AC on a Gen1 input): use a DC loop';
    } else if (this.mismatched.length >= n && this.chime.mode === 'electronic') {
      detail =
        `input ${this.input}: holds of ${this.mismatched.map((s) => `${s.toFixed(1)} s`).join(', ')} do not ` +
        `match the chime's ${this.chime.durationS} s: check duration_s and that the loop follows the chime`;
    } else if (this.counterSeen && this.ringsWithoutStep >= n) {
      detail =
        `input ${this.input}: ${this.ringsWithoutStep} presses without an event count: set the Uni's ` +
        'btn_type to detached so a lost edge can be recovered';
    }
    return this.latch.set(detail !== '', detail, nowMs);
  }
}

/**
 * How long after its start a press stays "open": a rising edge inside that window belongs to the same press.
 *  - mechanical: the bell rings for as long as the button is held; re-triggers within `settleS` of the last edge
 *    (contact bounce, a nervous second tap) are the same press.
 *  - electronic: the doorbell holds its output for exactly `durationS`, whatever the visitor does; everything
 *    inside that hold (plus a tolerance) is one press, and a second press inside it cannot be seen at all.
 */
export interface ChimeSettings {
  mode: 'mechanical' | 'electronic';
  /** Electronic hold length N in seconds; null for mechanical. */
  durationS: number | null;
  /** Mechanical settle window in seconds. */
  settleS: number;
}

export interface PressTiming {
  startMs: number;
  lastFallMs: number | null;
}

export function pressWindowEndMs(
  press: PressTiming,
  chime: ChimeSettings,
  electronicToleranceMs: number,
): number {
  if (chime.mode === 'electronic' && chime.durationS !== null) {
    return press.startMs + chime.durationS * 1000 + electronicToleranceMs;
  }
  return Math.max(press.startMs, press.lastFallMs ?? press.startMs) + chime.settleS * 1000;
}

/** Does a hold of `holdMs` look like what this chime produces? (Electronic: within tolerance of N seconds.) */
export function holdMatchesChime(
  holdMs: number,
  chime: ChimeSettings,
  electronicToleranceMs: number,
): boolean {
  if (chime.mode !== 'electronic' || chime.durationS === null) return true;
  return Math.abs(holdMs - chime.durationS * 1000) <= electronicToleranceMs;
}

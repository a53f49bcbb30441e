/**
 * What a chime does to the input, and the windows that follow from it:
 *  - mechanical: the bell rings for as long as the button is held; a rise within `settleS` of the press's last
 *    fall (contact bounce, a nervous second tap) is the same press.
 *  - electronic: the doorbell holds its output for exactly `durationS`, whatever the visitor does (a second press
 *    inside the hold cannot be seen at all); a rise within `bounceS` of the heard fall is the same press.
 */
export interface ChimeSettings {
  mode: 'mechanical' | 'electronic';
  /** Electronic hold length N in seconds; null for mechanical. */
  durationS: number | null;
  /** Mechanical settle window in seconds. */
  settleS: number;
  /** Electronic only: a rise this soon after the heard fall is contact bounce of the same press (default 0.3 s). */
  bounceS?: number;
}

export const DEFAULT_ELECTRONIC_BOUNCE_S = 0.3;

/** How long after a press's heard fall a new rise still belongs to it. */
export function afterFallMs(chime: ChimeSettings): number {
  if (chime.mode === 'electronic') return (chime.bounceS ?? DEFAULT_ELECTRONIC_BOUNCE_S) * 1000;
  return chime.settleS * 1000;
}

/**
 * The least time between the counter steps of two separate presses: an electronic doorbell holds N s per press
 * (and swallows presses inside the hold); a mechanical re-press within the settle window is the same press.
 */
export function pressSpacingMs(chime: ChimeSettings): number {
  if (chime.mode === 'electronic' && chime.durationS !== null) return chime.durationS * 1000;
  return chime.settleS * 1000;
}

/**
 * How long a press whose fall was never heard stays open after its start (electronic: N + tolerance) or after
 * its last edge (mechanical: the settle window).
 */
export function heldWindowEndMs(
  press: { startMs: number; lastRiseMs: number; lastFallMs: number | null },
  chime: ChimeSettings,
  electronicToleranceMs: number,
): number {
  if (chime.mode === 'electronic' && chime.durationS !== null) {
    return press.startMs + chime.durationS * 1000 + electronicToleranceMs;
  }
  return Math.max(press.lastRiseMs, press.lastFallMs ?? press.startMs) + chime.settleS * 1000;
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

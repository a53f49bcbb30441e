import type { DeviceHistory, Unit } from './device-history.ts';
import { BOUNDARY_MARGIN_S, type DeviceExpectations, type ProductSettings } from './oracle-types.ts';

/** Most of `times` inside any window of `span` ms. */
function most(times: readonly number[], span: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while ((sorted[j] as number) - (sorted[i] as number) > span) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

/**
 * Rings a chatter burst may give beyond its one: a rise of the burst whose heard gap after the last heard fall of
 * the burst was not clearly inside the press window (reports in between were lost), at a moment when the agent
 * could not yet know the input chatters (fewer than `chatterMinEdges` rises had reached it within the window),
 * looks like a new press by the product's own rules.
 */
export function unheardBounces(
  burst: Unit,
  risesMs: ReadonlyMap<number, number>,
  lowAfter: ReadonlyMap<number, number>,
  s: ProductSettings,
): number {
  const windowMs = (s.chime.mode === 'electronic' ? s.bounceS : s.settleS) * 1000 - BOUNDARY_MARGIN_S * 1000;
  const chatterMs = s.chatterWindowS * 1000;
  const all = [...risesMs.values()];
  let extra = 0;
  burst.pulses.forEach((pulse, i) => {
    const at = risesMs.get(pulse);
    if (at === undefined || i === 0) return;
    const falls = burst.pulses
      .slice(0, i)
      .map((q) => lowAfter.get(q))
      .filter((t): t is number => t !== undefined && t <= at);
    if (falls.length === 0) return;
    const known = all.filter((t) => t <= at && t > at - chatterMs).length > s.chatterMinEdges;
    if (at - Math.max(...falls) > windowMs && !known) extra++;
  });
  return extra;
}

/** `chatter` must be raised when enough rising edges reached the agent, and must not be without that many edges. */
export function chatterVerdict(
  history: DeviceHistory,
  risesSeenMs: readonly number[],
  s: ProductSettings,
): DeviceExpectations['chatter'] {
  const windowMs = s.chatterWindowS * 1000;
  if (most(risesSeenMs, windowMs - 1000) >= s.chatterMinEdges + 2) return 'required';
  if (
    most(
      history.pulses.map((p) => p.riseMs),
      windowMs,
    ) < s.chatterMinEdges
  )
    return 'forbidden';
  return 'allowed';
}

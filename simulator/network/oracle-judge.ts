import type { DeviceExpectations, Expectation } from './press-oracle.ts';

/** A ring as the agent published it; `tMs` on the same clock as the arrivals. */
export interface RingSeen {
  tMs: number;
  pressId: string;
  recovered: boolean;
  via: string;
}

export interface ProblemSeen {
  tMs: number;
  problem: string;
  on: boolean;
}

/** Slack for a live ring after its edge's arrival, beyond the reorder window (event loop, loaded machine). */
export const LIVE_SLACK_MS = 400;

interface Slot {
  segment: number;
  live: boolean;
  required: boolean;
}

/**
 * Checks one device's rings and problems against its expectations: each ring is matched to the stretch of
 * history it can belong to (a live ring to a high report that arrived at most the reorder window before it, a
 * recovered one to any evidence that arrived before it), every stretch gets between `min` and `max` rings, a
 * required live ring is live, no press id twice, `recovered` exactly when `via` is `counter`, and `chatter` is
 * raised when it must be and only when it may be. Returns the violations (empty = all held).
 */
export function judgeDevice(
  label: string,
  expected: DeviceExpectations,
  rings: readonly RingSeen[],
  problems: readonly ProblemSeen[],
  reorderS: number,
  liveSlackMs = LIVE_SLACK_MS,
): string[] {
  return judgeRings(label, expected, rings, problems, reorderS, liveSlackMs).violations;
}

/** `judgeDevice`, and for each ring the segment it was matched to (-1 = none). */
export function judgeRings(
  label: string,
  expected: DeviceExpectations,
  rings: readonly RingSeen[],
  problems: readonly ProblemSeen[],
  reorderS: number,
  liveSlackMs = LIVE_SLACK_MS,
): { violations: string[]; segmentOf: number[] } {
  const out: string[] = [];
  const segs = expected.segments;
  const liveWindow = (at: number, t: number) => t >= at - 50 && t <= at + reorderS * 1000 + liveSlackMs;
  const fits = (ring: RingSeen, slot: Slot): boolean => {
    const seg = segs[slot.segment] as Expectation;
    if (slot.live) return !ring.recovered && seg.liveAtMs !== null && liveWindow(seg.liveAtMs, ring.tMs);
    if (!ring.recovered) return seg.highsMs.some((at) => liveWindow(at, ring.tMs));
    return seg.evidenceMs.some((at) => at <= ring.tMs + 50);
  };
  const slots: Slot[] = segs.flatMap((seg, segment) => [
    ...(seg.min > 0 ? [{ segment, live: seg.liveAtMs !== null, required: true }] : []),
    ...Array.from({ length: Math.max(0, seg.max - seg.min) }, () => ({
      segment,
      live: false,
      required: false,
    })),
  ]);
  // Bipartite matching (Kuhn): first a ring for every required slot, then a slot for every ring. Augmenting from
  // a ring never frees a matched slot, so the required ones stay matched.
  const ringOf = slots.map(() => -1);
  const slotOf = rings.map(() => -1);
  const fromSlot = (s: number, seen: Set<number>): boolean => {
    for (let r = 0; r < rings.length; r++) {
      if (seen.has(r) || !fits(rings[r] as RingSeen, slots[s] as Slot)) continue;
      seen.add(r);
      if (slotOf[r] === -1 || fromSlot(slotOf[r] as number, seen)) {
        slotOf[r] = s;
        ringOf[s] = r;
        return true;
      }
    }
    return false;
  };
  const fromRing = (r: number, seen: Set<number>): boolean => {
    for (let s = 0; s < slots.length; s++) {
      if (seen.has(s) || !fits(rings[r] as RingSeen, slots[s] as Slot)) continue;
      seen.add(s);
      if (ringOf[s] === -1 || fromRing(ringOf[s] as number, seen)) {
        ringOf[s] = r;
        slotOf[r] = s;
        return true;
      }
    }
    return false;
  };
  slots.forEach((slot, s) => {
    if (slot.required) fromSlot(s, new Set());
  });
  rings.forEach((_ring, r) => {
    if (slotOf[r] === -1) fromRing(r, new Set());
  });

  slots.forEach((slot, s) => {
    if (!slot.required || ringOf[s] !== -1) return;
    const seg = segs[slot.segment] as Expectation;
    const late = rings.filter(
      (r) => seg.evidenceMs.some((at) => at <= r.tMs + 50) && slotOf[rings.indexOf(r)] === -1,
    );
    out.push(
      `${label} ${seg.why}: no ${slot.live ? 'live ' : ''}ring` +
        (slot.live && late.length > 0
          ? ` (got ${late.map((r) => `${r.recovered ? 'recovered' : 'live'} at ${(r.tMs / 1000).toFixed(3)}`).join(', ')}; its edge arrived at ${((seg.liveAtMs as number) / 1000).toFixed(3)})`
          : ''),
    );
  });
  rings.forEach((ring, r) => {
    if (slotOf[r] === -1)
      out.push(
        `${label} ring ${ring.pressId} (${ring.via}${ring.recovered ? ', recovered' : ''}, t=${(ring.tMs / 1000).toFixed(3)}) matches no press that reached the agent`,
      );
    if (ring.recovered !== (ring.via === 'counter'))
      out.push(`${label} ring ${ring.pressId}: recovered=${ring.recovered} but via=${ring.via}`);
  });
  const ids = rings.map((r) => r.pressId);
  for (const id of new Set(ids.filter((id, i) => ids.indexOf(id) !== i)))
    out.push(`${label} press id ${id} rang twice`);
  const chatter = problems.some((p) => p.problem === 'chatter' && p.on);
  if (expected.chatter === 'required' && !chatter)
    out.push(`${label} ${expected.risesSeen} rising edges reached the agent, but chatter was not raised`);
  if (expected.chatter === 'forbidden' && chatter)
    out.push(`${label} chatter raised although the input never had that many edges in a window`);
  return { violations: out, segmentOf: slotOf.map((s) => (s === -1 ? -1 : (slots[s] as Slot).segment)) };
}

import { chatterVerdict, unheardBounces } from './burst-oracle.ts';
import { type DeviceHistory, pulseAt, type Unit, unitOf } from './device-history.ts';
import {
  BOUNDARY_MARGIN_S,
  type DeviceExpectations,
  type Expectation,
  type ProductSettings,
} from './oracle-types.ts';
import type { Arrival, Emission } from './wire-log.ts';

/**
 * The test oracle: how many rings each part of a doorbell's history must produce, from what physically happened
 * (the visitor's presses, the doorbell's closures, the Uni's pulses and counter steps) and what of it reached the
 * agent, in the order it arrived. It never asks how the detector works. The only product rules it knows are the
 * definitions of "one press" that the product promises:
 *  - a press an electronic doorbell swallows inside its own hold cannot ring (it never reached the wire);
 *  - a re-press whose rise came within the bounce window after the heard fall of the previous press is the same
 *    press (electronic: `bounceS`, mechanical: the settle window); so is anything inside the hold when the fall
 *    was never heard (electronic: N + tolerance; mechanical: the settle window from the start);
 *  - a chatter burst is at most one press, once the agent can know the input chatters (before, a rise of the burst
 *    heard longer than the window after its last heard fall looks like a new press: `burst-oracle.ts`).
 * Counter steps that reach the agent together, in one jump, may each ring: nothing tells them from presses whose
 * other reports were all lost.
 * A press is reached when its edge (a report showing it high while every path the agent heard last showed low;
 * for a Plus, its btn_down or state:true, not older than an edge already heard), its push (Plus) or its counter
 * step (a report of the same boot with the count at or past its step, after one below it) arrived. A step first
 * seen in a new boot's report whose count passes the old boot's last count may ring, as the press it is, but need
 * not (the agent cannot see that reboot); so may a step or push that arrived within the reorder window of the end. Reached presses
 * ring exactly once; a press whose edge arrived rings live, within the reorder window of that arrival. Near a
 * window's boundary (network jitter) either answer is accepted.
 */
export type { DeviceExpectations, Expectation, ProductSettings } from './oracle-types.ts';
export { BOUNDARY_MARGIN_S } from './oracle-types.ts';

interface UnitEvidence {
  highs: number[];
  /**
   * Counter steps of this unit beyond its first that reached the agent together, in one jump of the count: the
   * agent cannot tell them from as many presses whose every other report was lost, so each may ring.
   */
  jumpAllowance: number;
  cleanAt?: number;
  counterAt?: number;
  /**
   * Evidence that may ring the press, as the real press it is, but need not: its step arrived in the first report
   * of a new boot whose count passes the last count the agent had from the boot before (the agent cannot see that
   * reboot: the new boot's serial can start where the old one stood), or its step or push arrived less than the
   * reorder window before the rings stopped being collected.
   */
  mayRingAt?: number;
  pushAt?: number;
}

/**
 * Expectations for one device. `arrivals` in arrival order; `restartsMs`: agent restarts; `decidedByMs`: the last
 * moment a ring could be decided and still be seen (a press known only from a counter step or push that arrived
 * less than the reorder window before it need not ring: the agent waits that window for its edge).
 */
export function expectRings(
  history: DeviceHistory,
  arrivals: readonly Arrival[],
  emissions: readonly Emission[],
  settings: ProductSettings,
  restartsMs: readonly number[] = [],
  decidedByMs = Number.POSITIVE_INFINITY,
): DeviceExpectations {
  const ev: UnitEvidence[] = history.units.map(() => ({ highs: [], jumpAllowance: 0 }));
  /** First arrival of a low report made after pulse k fell (before the next rise) that the agent sees as a fall. */
  const lowAfter = new Map<number, number>();
  const rises = new Map<number, number>();
  const counts: Array<{ boot: number; count: number; at: number }> = [];
  const original = (e: Emission) => (e.copyOf === undefined ? e : (emissions[e.copyOf] as Emission));
  const last = new Map<string, { level: 0 | 1; id: number }>();
  const seen = new Set<number>();
  let latestTs = Number.NEGATIVE_INFINITY;

  for (const { emission, atMs } of arrivals) {
    const e = original(emission);
    const first = !seen.has(e.id);
    seen.add(e.id);
    const pulse = pulseAt(history, e.atMs);
    const unit = unitOf(history, pulse);
    if (e.count !== undefined) counts.push({ boot: e.boot, count: e.count, at: atMs });
    if (e.gen2?.kind === 'push' && first && unit >= 0) (ev[unit] as UnitEvidence).pushAt ??= atMs;
    if (e.level === undefined) continue;
    let clean: boolean;
    if (e.gen2) {
      // A Plus notification carries the device's time: an edge older than one already heard is old news.
      if (e.gen2.ts < latestTs || !first) {
        if (e.level === 1 && first && unit >= 0) (ev[unit] as UnitEvidence).highs.push(atMs);
        continue;
      }
      latestTs = e.gen2.ts;
      clean = true;
    } else {
      const prev = last.get(e.path);
      // CoIoT serials give the order of emission: an older datagram arriving late tells nothing new.
      if (e.path === 'coiot' && prev !== undefined && e.id < prev.id) continue;
      clean = last.size > 0 && [...last.values()].every((l) => l.level === 0);
      last.set(e.path, { level: e.level, id: e.id });
    }
    if (pulse < 0) continue;
    if (e.level === 0) {
      // A low report after low ones is no fall to the agent: the same as a periodic re-publish.
      if ((e.gen2 !== undefined || !clean) && !lowAfter.has(pulse)) lowAfter.set(pulse, atMs);
      continue;
    }
    const u = ev[unit] as UnitEvidence;
    u.highs.push(atMs);
    if (clean) {
      u.cleanAt ??= atMs;
      if (!rises.has(pulse)) rises.set(pulse, atMs);
    }
  }

  for (const step of history.steps) {
    const unit = unitOf(history, pulseAt(history, step.riseMs));
    if (unit < 0) continue;
    let below = false;
    let sameBootSeen = false;
    let previous: (typeof counts)[number] | undefined;
    for (const c of counts) {
      const before = previous;
      previous = c;
      if (c.boot !== step.boot) continue;
      const u = ev[unit] as UnitEvidence;
      const first = !sameBootSeen;
      sameBootSeen = true;
      if (c.count < step.count) below = true;
      else if (below) {
        u.counterAt = Math.min(u.counterAt ?? Infinity, c.at);
        break;
      } else if (first && before !== undefined && before.boot < step.boot && before.count < step.count)
        u.mayRingAt ??= c.at;
    }
  }

  // Jumps: the steps a count report brings that no earlier report of the same boot had shown, or, for a new boot's
  // first report whose count passes the old boot's last one, that the agent takes for the same boot's.
  const seenMax = new Map<number, number>();
  let prior: (typeof counts)[number] | undefined;
  for (const c of counts) {
    const sameBoot = seenMax.get(c.boot);
    seenMax.set(c.boot, Math.max(sameBoot ?? c.count, c.count));
    const unseenReboot = prior !== undefined && prior.boot < c.boot && prior.count < c.count;
    const before = sameBoot ?? (unseenReboot ? prior?.count : undefined);
    prior = c;
    if (before === undefined || c.count - before < 2) continue;
    const perUnit = new Map<number, number>();
    for (const step of history.steps)
      if (step.boot === c.boot && step.count > before && step.count <= c.count) {
        const unit = unitOf(history, pulseAt(history, step.riseMs));
        if (unit >= 0) perUnit.set(unit, (perUnit.get(unit) ?? 0) + 1);
      }
    // A press's own steps in a jump may each ring beyond its one; a burst's as many as there are (its later
    // pulses' rises, heard after the jump, may ring as well).
    for (const [unit, n] of perUnit)
      (ev[unit] as UnitEvidence).jumpAllowance += history.units[unit]?.kind === 'burst' ? n : n - 1;
  }

  for (const unit of history.units)
    if (unit.kind === 'burst')
      (ev[unit.index] as UnitEvidence).jumpAllowance += unheardBounces(unit, rises, lowAfter, settings);

  const lateMs = decidedByMs - settings.reorderS * 1000;
  for (const u of ev) {
    for (const key of ['counterAt', 'pushAt'] as const) {
      const at = u[key];
      if (at === undefined || at <= lateMs) continue;
      u[key] = undefined;
      u.mayRingAt = Math.min(u.mayRingAt ?? at, at);
    }
  }
  const segments = group(history, ev, lowAfter, settings, restartsMs);
  return { segments, chatter: chatterVerdict(history, [...rises.values()], settings), risesSeen: rises.size };
}

type Link = 'merged' | 'separate' | 'either';

function link(
  a: Unit,
  b: Unit,
  ev: readonly UnitEvidence[],
  lowAfter: ReadonlyMap<number, number>,
  s: ProductSettings,
): Link {
  const m = BOUNDARY_MARGIN_S * 1000;
  const electronic = s.chime.mode === 'electronic';
  const windowMs = (electronic ? s.bounceS : s.settleS) * 1000;
  const openMs = (s.chime.mode === 'electronic' ? s.chime.durationS + s.toleranceS : s.settleS) * 1000;
  const gap = b.firstRiseMs - a.lastFallMs;
  if (a.kind === 'burst' || b.kind === 'burst')
    return gap > Math.max(windowMs, openMs) + 1500 ? 'separate' : 'either';
  const fallHeard = lowAfter.get(a.pulses.at(-1) as number);
  const riseHeard = (ev[b.index] as UnitEvidence).highs[0];
  if (fallHeard !== undefined && riseHeard !== undefined && fallHeard <= riseHeard) {
    const heardGap = riseHeard - fallHeard;
    if (Math.max(heardGap, gap) < windowMs - m) return 'merged';
    if (Math.min(heardGap, gap) > windowMs + m) return 'separate';
    return 'either';
  }
  return b.firstRiseMs - a.firstRiseMs < openMs + m || gap < windowMs + m ? 'either' : 'separate';
}

function group(
  history: DeviceHistory,
  ev: readonly UnitEvidence[],
  lowAfter: ReadonlyMap<number, number>,
  s: ProductSettings,
  restartsMs: readonly number[],
): Expectation[] {
  const segments: Unit[][] = [];
  const links: Link[][] = [];
  history.units.forEach((unit, k) => {
    const prev = history.units[k - 1];
    const l = prev ? link(prev, unit, ev, lowAfter, s) : 'separate';
    if (l === 'separate') {
      segments.push([unit]);
      links.push([]);
    } else {
      segments[segments.length - 1]?.push(unit);
      links[links.length - 1]?.push(l);
    }
  });
  return segments.map((units, k) => {
    const inner = links[k] as Link[];
    const evidence = (u: Unit) => ev[u.index] as UnitEvidence;
    const any = (u: Unit) => {
      const e = evidence(u);
      return (
        e.highs.length > 0 || e.counterAt !== undefined || e.pushAt !== undefined || e.mayRingAt !== undefined
      );
    };
    const required = (u: Unit) => {
      const e = evidence(u);
      return (
        u.kind === 'press' && (e.cleanAt !== undefined || e.counterAt !== undefined || e.pushAt !== undefined)
      );
    };
    // At most: one per group when every uncertain link is taken as separate; at least: one when all are merged.
    let max = 0;
    let groupHasEvidence = false;
    units.forEach((u, i) => {
      if (i > 0 && inner[i - 1] === 'either') {
        if (groupHasEvidence) max++;
        groupHasEvidence = false;
      }
      groupHasEvidence ||= any(u);
    });
    if (groupHasEvidence) max++;
    const min = units.some(required) ? 1 : 0;
    const head = units[0] as Unit;
    const cleanAt = evidence(head).cleanAt;
    const restartNear =
      cleanAt !== undefined &&
      restartsMs.some((r) => r >= cleanAt - 100 && r <= cleanAt + s.reorderS * 1000 + 1000);
    const liveAtMs = head.kind === 'press' && cleanAt !== undefined && !restartNear ? cleanAt : null;
    const highsMs = units.flatMap((u) => evidence(u).highs);
    const evidenceMs = units.flatMap((u) => {
      const e = evidence(u);
      return [...e.highs, e.counterAt, e.pushAt, e.mayRingAt].filter((t): t is number => t !== undefined);
    });
    const what = units.map((u) => describeUnit(u, evidence(u))).join(' + ');
    const why = `${what}${inner.length > 0 ? ` (links ${inner.join(',')})` : ''}`;
    return {
      units: units.map((u) => u.index),
      presses: units.flatMap((u) => u.presses),
      min,
      max: max + units.reduce((n, u) => n + evidence(u).jumpAllowance, 0),
      liveAtMs,
      highsMs,
      evidenceMs,
      why,
    };
  });
}

function describeUnit(u: Unit, e: UnitEvidence): string {
  const name =
    u.kind === 'burst' ? `chatter burst (${u.pulses.length} pulses)` : `press ${u.presses.join('/')}`;
  const parts = [
    e.cleanAt !== undefined
      ? `edge@${ms(e.cleanAt)}`
      : e.highs.length > 0
        ? `high@${ms(e.highs[0] as number)}`
        : '',
    e.counterAt !== undefined ? `counter@${ms(e.counterAt)}` : '',
    e.pushAt !== undefined ? `push@${ms(e.pushAt)}` : '',
    e.mayRingAt !== undefined ? `may-ring@${ms(e.mayRingAt)}` : '',
  ].filter(Boolean);
  return `${name} [${parts.length > 0 ? parts.join(' ') : 'nothing arrived'}]`;
}

const ms = (t: number) => (t / 1000).toFixed(3);

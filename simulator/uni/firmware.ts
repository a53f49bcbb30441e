import type { LevelChange } from './input-model.ts';
import { BATCH_MS, EVENT_APART_MS } from './knobs.ts';

export type InputEvent = '' | 'S' | 'L';

/** One `event_cnt` step: the count it reached and the rise of the pulse that made it (seconds). */
export interface CounterStep {
  readonly count: number;
  readonly riseT: number;
}

/** One status report the (Gen1) Uni would publish: what the emulator sends. */
export interface FirmwareReport {
  readonly t: number;
  readonly level: 0 | 1;
  readonly event: InputEvent;
  readonly eventCount: number;
  /** The counter steps since the previous report (absent when none). */
  readonly steps?: readonly CounterStep[];
  /** The event cleared without a report (knob `expiryReport: false`): the state changes, nothing is sent. */
  readonly silent?: true;
}

export interface FirmwareParams {
  /** `longpush_time`: 800 ms on real Gen1 FW 1.14.1 (the doc example says 1000). */
  readonly longpushS: number;
  /** Input events are cleared to "" this long after they occur (5 s). */
  readonly eventLifetimeS: number;
  /** `event_cnt` at the start (RAM only, 0 after boot). */
  readonly startCount?: number;
  /** Reboot times: `event_cnt` returns to 0 and any pending event is lost. */
  readonly rebootsAtS?: readonly number[];
  /** Knob `eventMinPulseMs` in seconds: shorter pulses make no event (default 0: every pulse counts). */
  readonly eventMinPulseS?: number;
  /** Knob `longpush`: `L` while held at `longpush_time` (default) or at the release. */
  readonly longpush?: 'held' | 'release';
  /** Knob `reports` (default `per-change`). */
  readonly reports?: 'per-change' | 'event-apart' | 'batched';
  /** Knob `expiryReport`: a report when the event clears (default true). */
  readonly expiryReport?: boolean;
}

const COUNT_MODULO = 65536;

type Happening =
  | { readonly t: number; readonly kind: 'edge'; readonly level: 0 | 1 }
  | { readonly t: number; readonly kind: 'reboot' };

const round = (t: number) => Math.round(t * 1e6) / 1e6;

/**
 * Gen1 input firmware in `momentary`/`detached` mode. Each logical edge is reported at once. A press held for
 * `longpush_time` reports `L` (at that moment, or at the release: knob); a shorter one reports `S` on release,
 * unless it was shorter than the firmware's debounce (knob). Each event increments the uint16 `event_cnt`, and the
 * event string is cleared (and, by default, reported) `eventLifetimeS` later unless a newer event replaced it. How
 * the changes are grouped into reports is the `reports` knob. The exact Gen1 rules are UNCONFIRMED: the knobs hold
 * every plausible answer.
 */
export function runFirmware(changes: readonly LevelChange[], params: FirmwareParams): FirmwareReport[] {
  const happenings: Happening[] = [
    ...changes.map((c): Happening => ({ t: c.t, kind: 'edge', level: c.level })),
    ...(params.rebootsAtS ?? []).map((t): Happening => ({ t, kind: 'reboot' })),
  ].sort((a, b) => a.t - b.t);
  const mode = params.reports ?? 'per-change';
  const minPulse = params.eventMinPulseS ?? 0;
  const longAtRelease = params.longpush === 'release';
  const reports: FirmwareReport[] = [];
  let level: 0 | 1 = 0;
  let event: InputEvent = '';
  let count = (params.startCount ?? 0) % COUNT_MODULO;
  let steps: CounterStep[] = [];
  let pressedAt: number | undefined;
  let expiresAt: number | undefined;
  let longpushAt: number | undefined;
  let apart: { at: number; kind: 'S' | 'L'; riseT: number } | undefined;

  const report = (t: number, silent = false) => {
    reports.push({
      t: round(t),
      level,
      event,
      eventCount: count,
      ...(steps.length > 0 && { steps }),
      ...(silent && { silent: true as const }),
    });
    steps = [];
  };
  const fire = (t: number, kind: 'S' | 'L', riseT: number) => {
    event = kind;
    count = (count + 1) % COUNT_MODULO;
    steps.push({ count, riseT });
    expiresAt = t + params.eventLifetimeS;
    report(t);
  };
  // Timers (long push, a separate event report, event expiry) that fall before `t` happen first, in time order.
  const runTimersUntil = (t: number) => {
    for (;;) {
      const next = Math.min(longpushAt ?? Infinity, apart?.at ?? Infinity, expiresAt ?? Infinity);
      if (next > t || next === Infinity) return;
      if (next === longpushAt) {
        longpushAt = undefined;
        fire(next, 'L', pressedAt ?? next);
      } else if (apart !== undefined && next === apart.at) {
        const { kind, riseT } = apart;
        apart = undefined;
        fire(next, kind, riseT);
      } else {
        expiresAt = undefined;
        event = '';
        report(next, params.expiryReport === false);
      }
    }
  };

  for (const h of happenings) {
    runTimersUntil(h.t);
    if (h.kind === 'reboot') {
      count = 0;
      event = '';
      steps = [];
      expiresAt = undefined;
      longpushAt = undefined;
      apart = undefined;
      pressedAt = level === 1 ? h.t : undefined;
      report(h.t);
      continue;
    }
    if (h.level === level) continue;
    level = h.level;
    if (level === 1) {
      pressedAt = h.t;
      longpushAt = longAtRelease ? undefined : h.t + params.longpushS;
      report(h.t);
      continue;
    }
    const riseT = pressedAt ?? h.t;
    const heldS = h.t - riseT;
    const firedWhileHeld = !longAtRelease && longpushAt === undefined && pressedAt !== undefined;
    longpushAt = undefined;
    pressedAt = undefined;
    const kind: 'S' | 'L' | null = firedWhileHeld
      ? null
      : heldS + 1e-9 < minPulse
        ? null
        : longAtRelease && heldS >= params.longpushS
          ? 'L'
          : 'S';
    if (kind === null) report(h.t);
    else if (mode === 'event-apart') {
      report(h.t);
      apart = { at: h.t + EVENT_APART_MS / 1000, kind, riseT };
    } else fire(h.t, kind, riseT);
  }
  runTimersUntil(Infinity);
  return mode === 'batched' ? batch(reports, BATCH_MS / 1000) : reports;
}

/**
 * The first report opens a window; one report at its end carries the last state in it and all its steps. A
 * silent change opens no window (nothing is sent), but the report that closes one shows it.
 */
function batch(reports: readonly FirmwareReport[], windowS: number): FirmwareReport[] {
  const out: FirmwareReport[] = [];
  for (let i = 0; i < reports.length; ) {
    const first = reports[i] as FirmwareReport;
    if (first.silent) {
      out.push(first);
      i++;
      continue;
    }
    const end = round(first.t + windowS);
    let j = i;
    while (j + 1 < reports.length && (reports[j + 1] as FirmwareReport).t <= end) j++;
    const steps = reports.slice(i, j + 1).flatMap((r) => r.steps ?? []);
    const { steps: _s, silent: _q, ...last } = reports[j] as FirmwareReport;
    out.push({ ...last, t: end, ...(steps.length > 0 && { steps }) });
    i = j + 1;
  }
  return out;
}

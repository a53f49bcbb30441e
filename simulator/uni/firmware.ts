import type { LevelChange } from './input-model.ts';

export type InputEvent = '' | 'S' | 'L';

/** One status report the (Gen1) Uni would publish: what the emulator sends. */
export interface FirmwareReport {
  readonly t: number;
  readonly level: 0 | 1;
  readonly event: InputEvent;
  readonly eventCount: number;
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
}

const COUNT_MODULO = 65536;

type Happening =
  | { readonly t: number; readonly kind: 'edge'; readonly level: 0 | 1 }
  | { readonly t: number; readonly kind: 'reboot' };

/**
 * Gen1 input firmware in `momentary`/`detached` mode. Each logical edge is reported at once. A press held for
 * `longpush_time` reports `L` at that moment; a shorter one reports `S` on release (the exact Gen1 timing rule is
 * UNCONFIRMED: this is the assumption). Each event increments the uint16 `event_cnt`, and the event string is
 * cleared (and reported) `eventLifetimeS` later unless a newer event replaced it.
 */
export function runFirmware(changes: readonly LevelChange[], params: FirmwareParams): FirmwareReport[] {
  const happenings: Happening[] = [
    ...changes.map((c): Happening => ({ t: c.t, kind: 'edge', level: c.level })),
    ...(params.rebootsAtS ?? []).map((t): Happening => ({ t, kind: 'reboot' })),
  ].sort((a, b) => a.t - b.t);
  const reports: FirmwareReport[] = [];
  let level: 0 | 1 = 0;
  let event: InputEvent = '';
  let count = (params.startCount ?? 0) % COUNT_MODULO;
  let pressedAt: number | undefined;
  let expiresAt: number | undefined;
  let longpushAt: number | undefined;

  const report = (t: number) => reports.push({ t, level, event, eventCount: count });
  const fire = (t: number, kind: 'S' | 'L') => {
    event = kind;
    count = (count + 1) % COUNT_MODULO;
    expiresAt = t + params.eventLifetimeS;
    report(t);
  };
  // Timers (long push, event expiry) that fall before `t` happen first, in time order.
  const runTimersUntil = (t: number) => {
    for (;;) {
      const next = Math.min(longpushAt ?? Infinity, expiresAt ?? Infinity);
      if (next > t || next === Infinity) return;
      if (next === longpushAt) {
        longpushAt = undefined;
        fire(next, 'L');
      } else {
        expiresAt = undefined;
        event = '';
        report(next);
      }
    }
  };

  for (const h of happenings) {
    runTimersUntil(h.t);
    if (h.kind === 'reboot') {
      count = 0;
      event = '';
      expiresAt = undefined;
      longpushAt = undefined;
      pressedAt = level === 1 ? h.t : undefined;
      report(h.t);
      continue;
    }
    if (h.level === level) continue;
    level = h.level;
    if (level === 1) {
      pressedAt = h.t;
      longpushAt = h.t + params.longpushS;
      report(h.t);
    } else {
      const wasLong = longpushAt === undefined && pressedAt !== undefined;
      longpushAt = undefined;
      pressedAt = undefined;
      if (wasLong) report(h.t);
      else fire(h.t, 'S');
    }
  }
  runTimersUntil(Infinity);
  return reports;
}

import { describe, expect, it } from 'vitest';
import { runFirmware } from '../../../simulator/uni/firmware.ts';

const params = { longpushS: 0.8, eventLifetimeS: 5 };

describe('runFirmware (Gen1 input events)', () => {
  it('reports S on release of a short press, then clears it after 5 s', () => {
    const reports = runFirmware(
      [
        { t: 1, level: 1 },
        { t: 1.3, level: 0 },
      ],
      params,
    );
    expect(reports).toEqual([
      { t: 1, level: 1, event: '', eventCount: 0 },
      { t: 1.3, level: 0, event: 'S', eventCount: 1, steps: [{ count: 1, riseT: 1 }] },
      { t: 6.3, level: 0, event: '', eventCount: 1 },
    ]);
  });

  it('reports L once the press reaches longpush_time (800 ms default), not again on release', () => {
    const reports = runFirmware(
      [
        { t: 1, level: 1 },
        { t: 3, level: 0 },
      ],
      params,
    );
    expect(reports.map((r) => [r.t, r.level, r.event, r.eventCount])).toEqual([
      [1, 1, '', 0],
      [1.8, 1, 'L', 1],
      [3, 0, 'L', 1],
      [6.8, 0, '', 1],
    ]);
  });

  it('uses the longpush_time parameter', () => {
    const reports = runFirmware(
      [
        { t: 0, level: 1 },
        { t: 0.9, level: 0 },
      ],
      { ...params, longpushS: 1 },
    );
    expect(reports.find((r) => r.event !== '')?.event).toBe('S');
  });

  it('wraps event_cnt as a uint16', () => {
    const reports = runFirmware(
      [
        { t: 0, level: 1 },
        { t: 0.1, level: 0 },
      ],
      { ...params, startCount: 65535 },
    );
    expect(reports.find((r) => r.event === 'S')?.eventCount).toBe(0);
  });

  it('resets event_cnt to 0 on a reboot (RAM only) and drops the pending event', () => {
    const changes = [
      { t: 0, level: 1 as const },
      { t: 0.1, level: 0 as const },
      { t: 10, level: 1 as const },
      { t: 10.1, level: 0 as const },
    ];
    const reports = runFirmware(changes, { ...params, startCount: 41, rebootsAtS: [2] });
    expect(reports.filter((r) => r.event === 'S').map((r) => r.eventCount)).toEqual([42, 1]);
    expect(reports.find((r) => r.t === 2)).toMatchObject({ event: '', eventCount: 0 });
  });

  it('lets a newer event outlive the expiry of an older one', () => {
    const reports = runFirmware(
      [
        { t: 0, level: 1 },
        { t: 0.1, level: 0 },
        { t: 3, level: 1 },
        { t: 3.1, level: 0 },
      ],
      params,
    );
    expect(reports.filter((r) => r.event === '' && r.level === 0).map((r) => r.t)).toEqual([8.1]);
  });

  describe('knobs (what the firmware may really do)', () => {
    const pulse = (from: number, ms: number) => [
      { t: from, level: 1 as const },
      { t: from + ms / 1000, level: 0 as const },
    ];

    it('eventMinPulseMs: a pulse shorter than the debounce makes no event, a longer one does', () => {
      const reports = runFirmware([...pulse(1, 40), ...pulse(2, 90)], { ...params, eventMinPulseS: 0.05 });
      expect(reports.filter((r) => r.steps).map((r) => r.steps)).toEqual([[{ count: 1, riseT: 2 }]]);
      expect(reports.filter((r) => r.level === 1)).toHaveLength(2);
    });

    it('longpush=release: L only at the release of a long press', () => {
      const reports = runFirmware(pulse(1, 2000), { ...params, longpush: 'release' });
      expect(reports.map((r) => [r.t, r.level, r.event])).toEqual([
        [1, 1, ''],
        [3, 0, 'L'],
        [8, 0, ''],
      ]);
    });

    it('reports=event-apart: the release, then the event 40 ms later in its own report', () => {
      const reports = runFirmware(pulse(1, 300), { ...params, reports: 'event-apart' });
      expect(reports.map((r) => [r.t, r.level, r.event, r.eventCount])).toEqual([
        [1, 1, '', 0],
        [1.3, 0, '', 0],
        [1.34, 0, 'S', 1],
        [6.34, 0, '', 1],
      ]);
    });

    it('reports=batched: a short pulse is one report, already low, with its event', () => {
      const reports = runFirmware(pulse(1, 100), { ...params, reports: 'batched' });
      expect(reports.map((r) => [r.t, r.level, r.event, r.eventCount])).toEqual([
        [1.15, 0, 'S', 1],
        [6.25, 0, '', 1],
      ]);
      expect(reports[0]?.steps).toEqual([{ count: 1, riseT: 1 }]);
    });

    it('expiryReport=false: the event clears silently', () => {
      const reports = runFirmware([...pulse(1, 100), ...pulse(8, 100)], { ...params, expiryReport: false });
      expect(reports.filter((r) => !r.silent).map((r) => [r.t, r.level, r.event])).toEqual([
        [1, 1, ''],
        [1.1, 0, 'S'],
        [8, 1, ''],
        [8.1, 0, 'S'],
      ]);
      expect(reports.filter((r) => r.silent).map((r) => r.t)).toEqual([6.1, 13.1]);
    });

    it('a chattering contact: every pulse steps event_cnt by default, each step names its pulse', () => {
      const changes = Array.from({ length: 10 }, (_, k) => pulse(1 + k * 0.1, 50)).flat();
      const reports = runFirmware(changes, params);
      const steps = reports.flatMap((r) => r.steps ?? []);
      expect(steps.map((s) => s.count)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(steps[3]?.riseT).toBeCloseTo(1.3, 6);
    });
  });
});

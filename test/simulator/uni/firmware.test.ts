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
      { t: 1.3, level: 0, event: 'S', eventCount: 1 },
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
});

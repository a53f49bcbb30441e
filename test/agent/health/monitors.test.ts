import { describe, expect, it } from 'vitest';
import { Bench, DEVICE, UniCoiot } from './harness.ts';

const mech = { devices: [{ id: DEVICE, chime: { mode: 'mechanical' as const } }] };
const S = 1000;

/** Periodic CoIoT re-sends every 15 s from `fromS` to `toS` (exclusive). */
function periodic(bench: Bench, uni: UniCoiot, fromS: number, toS: number): void {
  for (let t = fromS; t < toS; t += 15) bench.coiot(t * S, uni.packet());
}

/** A clean mechanical press: rise, fall after `holdS`, then the Uni's event counter (S). */
function press(bench: Bench, uni: UniCoiot, atS: number, holdS = 0.3): void {
  bench.coiot(atS * S, uni.change({ level: true }));
  bench.coiot((atS + holdS) * S, uni.change({ level: false }));
  bench.coiot((atS + holdS + 0.05) * S, uni.change({ count: uni.count + 1, event: 'S' }));
}

describe('offline', () => {
  it('is raised after 2.2 × the update period of silence and cleared by the next report', () => {
    const bench = new Bench(mech);
    const uni = new UniCoiot();
    periodic(bench, uni, 1, 120);
    expect(bench.problems()).toEqual([]);
    bench.advance(200 * S);
    const [raised] = bench.problems('offline');
    // Last report at 106 s; 2.2 × 15 s = 33 s later.
    expect(raised).toMatchObject({ on: true, t: 139, device: DEVICE });
    expect(raised?.detail).toMatch(/no CoIoT report for 33 s/);
    bench.coiot(210 * S, uni.packet());
    expect(bench.problems('offline').at(-1)).toMatchObject({ on: false, t: 210 });
    expect(bench.problems('offline')).toHaveLength(2);
  });

  it('uses the validity the device announced when it is longer than the floor', () => {
    const bench = new Bench(mech);
    const uni = new UniCoiot();
    // A validity of 60 s (option 3412), encoded like the device does.
    const packet = () => {
      const bytes = uni.packet();
      const at = bytes.indexOf(Buffer.from([0xd2, 0x43, 0x96, 0x00]));
      expect(at).toBeGreaterThan(0);
      bytes.writeUInt16LE(600, at + 2);
      return bytes;
    };
    bench.coiot(1 * S, packet());
    bench.advance(60 * S);
    expect(bench.problems('offline')).toEqual([]);
    bench.advance(62 * S);
    expect(bench.problems('offline')[0]).toMatchObject({ on: true, t: 61 });
  });

  it('is raised by the MQTT last will and cleared when the device is back', () => {
    const bench = new Bench({ ...mech, coiot: { enabled: false } });
    bench.mqtt(5 * S, `shellies/${DEVICE}/input/0`, '0');
    bench.mqtt(10 * S, `shellies/${DEVICE}/online`, 'false');
    expect(bench.problems('offline')).toEqual([
      expect.objectContaining({ on: true, t: 10, detail: 'MQTT last will: online=false' }),
    ]);
    bench.mqtt(50 * S, `shellies/${DEVICE}/online`, 'true');
    expect(bench.problems('offline').at(-1)).toMatchObject({ on: false, t: 50 });
  });

  it('raises nothing for a device that only speaks MQTT when the CoIoT source is off', () => {
    const bench = new Bench({ ...mech, coiot: { enabled: false } });
    bench.advance(3600 * S);
    expect(bench.problems()).toEqual([]);
  });
});

describe('missed_reports', () => {
  it('counts CoIoT serial gaps over the window, raises at missed_max, clears when they age out', () => {
    const bench = new Bench({ ...mech, health: { missed_window_s: 600, missed_max: 3 } });
    const uni = new UniCoiot();
    bench.coiot(1 * S, uni.packet());
    bench.coiot(10 * S, uni.change({ adcVolts: 0.1 }, 1));
    bench.coiot(20 * S, uni.change({ adcVolts: 0.2 }, 1));
    expect(bench.problems('missed_reports')).toEqual([]);
    bench.coiot(30 * S, uni.change({ adcVolts: 0.3 }, 1));
    expect(bench.problems('missed_reports')[0]).toMatchObject({ on: true, t: 30 });
    expect(bench.problems('missed_reports')[0]?.detail).toMatch(/^3 CoIoT and 0 MQTT/);
    periodic(bench, uni, 40, 700);
    // The first gap (t = 10 s) leaves the 600 s window at 610 s.
    expect(bench.problems('missed_reports')[1]).toMatchObject({ on: false, t: 610 });
    expect(bench.health.monitor?.snapshot(700 * S)[0]?.serialGapsTotal).toBe(3);
  });

  it('takes a reordered report off the missing list and ignores a reboot', () => {
    const bench = new Bench({ ...mech, health: { missed_max: 2 } });
    const uni = new UniCoiot();
    bench.coiot(1 * S, uni.packet());
    const late = uni.change({ adcVolts: 0.1 });
    bench.coiot(2 * S, uni.change({ adcVolts: 0.2 }));
    bench.coiot(2.1 * S, late);
    uni.serial = 40_000; // a reboot or a resync: not 39 998 lost reports
    bench.coiot(3 * S, uni.change({ adcVolts: 0.3 }));
    bench.coiot(4 * S, uni.change({ adcVolts: 0.4 }, 1));
    expect(bench.problems('missed_reports')).toEqual([]);
    // Gaps seen (a counter for /metrics): the reordered one, though filled since, and the real one.
    expect(bench.health.monitor?.snapshot(5 * S)[0]?.serialGapsTotal).toBe(2);
  });

  it('counts missing MQTT periodic updates of a Gen1 device', () => {
    const bench = new Bench({ ...mech, coiot: { enabled: false } });
    const topic = `shellies/${DEVICE}/input/0`;
    bench.mqtt(0, topic, '0');
    bench.mqtt(30 * S, topic, '0');
    bench.mqtt(150 * S, topic, '0'); // 3 periods missing
    expect(bench.problems('missed_reports')[0]).toMatchObject({ on: true, t: 150 });
    expect(bench.problems('missed_reports')[0]?.detail).toMatch(/0 CoIoT and 3 MQTT/);
  });
});

describe('input_stuck', () => {
  it('is raised when the input stays high a minute past what a mechanical chime does, cleared when it drops', () => {
    const bench = new Bench(mech);
    const uni = new UniCoiot();
    bench.coiot(1 * S, uni.packet());
    bench.coiot(10 * S, uni.change({ level: true }));
    periodic(bench, uni, 11, 100);
    expect(bench.problems('input_stuck')[0]).toMatchObject({ on: true, t: 70 });
    expect(bench.problems('input_stuck')[0]?.detail).toMatch(/input 0 high for 60 s/);
    bench.coiot(100 * S, uni.change({ level: false }));
    expect(bench.problems('input_stuck')[1]).toMatchObject({ on: false, t: 100 });
    expect(bench.events.filter((e) => e.type === 'ring')).toHaveLength(1);
  });

  it('allows an electronic chime its own hold on top', () => {
    const bench = new Bench({
      devices: [{ id: DEVICE, chime: { mode: 'electronic' as const, duration_s: 10 } }],
    });
    const uni = new UniCoiot();
    bench.coiot(10 * S, uni.change({ level: true }));
    periodic(bench, uni, 11, 90);
    expect(bench.problems('input_stuck')[0]).toMatchObject({ on: true, t: 80 });
  });
});

/**
 * A chattering closure as the Uni reports it: `edges` pulses from `atS`, pulses and gaps of 40–90 ms, every edge
 * in its own CoIoT report; `counted`: the firmware steps `event_cnt` (S) on every pulse, or never.
 */
function burst(
  bench: Bench,
  uni: UniCoiot,
  atS: number,
  edges: number,
  counted: boolean,
  seed: number,
): void {
  let x = seed;
  const gap = () => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return 0.04 + (x / 2_147_483_648) * 0.05;
  };
  let t = atS;
  for (let k = 0; k < edges; k++) {
    bench.coiot(t * S, uni.change({ level: true }));
    t += gap();
    bench.coiot(
      t * S,
      uni.change(counted ? { level: false, count: uni.count + 1, event: 'S' } : { level: false }),
    );
    t += gap();
  }
}

describe('chatter', () => {
  for (const counted of [true, false]) {
    it(`issue repro: three bursts of 14, 26 and 20 edges ${counted ? 'each counted as S' : 'never counted'}: three rings, chatter raised, cleared when it calms`, () => {
      const bench = new Bench(mech);
      const uni = new UniCoiot();
      bench.coiot(1 * S, uni.packet());
      burst(bench, uni, 10, 14, counted, 1);
      burst(bench, uni, 20, 26, counted, 2);
      burst(bench, uni, 30, 20, counted, 3);
      const rings = bench.events.filter((e) => e.type === 'ring');
      expect(rings.map((r) => [r.t, r.recovered])).toEqual([
        [10, false],
        [20, false],
        [30, false],
      ]);
      const [raised] = bench.problems('chatter');
      expect(raised).toMatchObject({ on: true });
      expect(raised?.t).toBeLessThan(12);
      expect(raised?.detail).toMatch(/input 0: 10 rising edges in 5 s/);
      periodic(bench, uni, 40, 200);
      // Raised in each burst and cleared when it calms (5 s window), ending cleared.
      expect(bench.problems('chatter').map((p) => [Math.floor(p.t / 10) * 10, p.on])).toEqual([
        [10, true],
        [10, false],
        [20, true],
        [20, false],
        [30, true],
        [30, false],
      ]);
    });
  }

  it('counts the pulses the Uni counted but whose edges were not reported (one report per pulse, already low)', () => {
    const bench = new Bench(mech);
    const uni = new UniCoiot();
    bench.coiot(1 * S, uni.packet());
    for (let k = 0; k < 12; k++)
      bench.coiot((10 + 0.12 * k) * S, uni.change({ count: uni.count + 1, event: 'S' }));
    expect(bench.events.filter((e) => e.type === 'ring')).toHaveLength(1);
    expect(bench.problems('chatter')[0]).toMatchObject({ on: true });
  });

  it('is not raised by real presses at a doorbell rate, each with its counter step', () => {
    const bench = new Bench(mech);
    const uni = new UniCoiot();
    bench.coiot(1 * S, uni.packet());
    for (let k = 0; k < 12; k++) press(bench, uni, 10 + 7 * k);
    expect(bench.problems()).toEqual([]);
    expect(bench.events.filter((e) => e.type === 'ring')).toHaveLength(12);
  });
});

describe('wiring', () => {
  it('recognises presses that arrive only as event counts after the release (AC on a Gen1 input)', () => {
    const bench = new Bench(mech);
    const uni = new UniCoiot();
    bench.coiot(1 * S, uni.packet());
    for (const t of [20, 80, 140]) bench.coiot(t * S, uni.change({ count: uni.count + 1, event: 'S' }));
    bench.advance(200 * S);
    const [raised] = bench.problems('wiring');
    expect(raised).toMatchObject({ on: true });
    expect(raised?.detail).toMatch(/only as event counts after the release.*AC on a Gen1 input/);
    press(bench, uni, 210);
    expect(bench.problems('wiring')[1]).toMatchObject({ on: false, t: 210 });
  });

  it('recognises electronic holds that never match duration_s', () => {
    const bench = new Bench({
      devices: [{ id: DEVICE, chime: { mode: 'electronic' as const, duration_s: 10 } }],
    });
    const uni = new UniCoiot();
    bench.coiot(1 * S, uni.packet());
    for (const t of [20, 80, 140]) press(bench, uni, t, 0.4);
    expect(bench.problems('wiring')[0]?.detail).toMatch(/holds of 0.4 s, 0.4 s, 0.4 s do not match .* 10 s/);
    press(bench, uni, 200, 10);
    expect(bench.problems('wiring')[1]).toMatchObject({ on: false });
  });

  it('recognises a Uni that counts no events (btn_type toggle)', () => {
    const bench = new Bench(mech);
    const uni = new UniCoiot();
    bench.coiot(1 * S, uni.packet());
    for (const t of [20, 80, 140]) {
      bench.coiot(t * S, uni.change({ level: true }));
      bench.coiot((t + 0.3) * S, uni.change({ level: false }));
    }
    expect(bench.problems('wiring')[0]?.detail).toMatch(/3 presses without an event count.*btn_type/);
  });
});

describe('battery', () => {
  const adcConfig = (warn = 0.2) => ({
    devices: [{ id: DEVICE, battery: { adc: true, warn_below: warn, threshold_v: 1.0 } }],
  });

  it('reads the ADC: percent on the alkaline curve, battery_low at warn_below, cleared by a fresh cell', () => {
    const bench = new Bench(adcConfig());
    const uni = new UniCoiot();
    bench.coiot(1 * S, uni.change({ adcVolts: 1.58 }));
    bench.coiot(2 * S, uni.change({ adcVolts: 1.3 }));
    bench.coiot(3 * S, uni.change({ adcVolts: 1.05 }));
    const battery = bench.events.filter((e) => e.type === 'battery');
    expect(battery).toEqual([
      { type: 'battery', t: 1, device: DEVICE, percent: 100, volts: 1.58, basis: 'adc' },
      { type: 'battery', t: 2, device: DEVICE, percent: 60, volts: 1.3, basis: 'adc' },
      { type: 'battery', t: 3, device: DEVICE, percent: 12, volts: 1.05, basis: 'adc' },
    ]);
    expect(bench.problems('battery_low')).toEqual([
      expect.objectContaining({ on: true, t: 3, detail: expect.stringMatching(/12 %.*warn below 20 %/) }),
    ]);
    bench.coiot(4 * S, uni.change({ adcVolts: 1.57 }));
    expect(bench.problems('battery_low').at(-1)).toMatchObject({ on: false, t: 4 });
  });

  it('warns when the measured volts reach the input threshold', () => {
    const bench = new Bench({ devices: [{ id: DEVICE, battery: { adc: true, threshold_v: 1.25 } }] });
    const uni = new UniCoiot();
    bench.coiot(1 * S, uni.change({ adcVolts: 1.24 }));
    expect(bench.problems('battery_low')[0]?.detail).toMatch(
      /1.24 V, at or below the input threshold 1.25 V/,
    );
  });
});

describe('what is published again (takeTouched)', () => {
  const touchedAfter = (bench: Bench, step: () => void) => {
    const monitor = bench.health.monitor;
    if (!monitor) throw new Error('health is on');
    monitor.takeTouched(bench.clockMs);
    step();
    return monitor.takeTouched(bench.clockMs).map((r) => r.connected);
  };

  it('names a doorbell when its first report makes it connected, even after its monitors were looked at', () => {
    const bench = new Bench(mech);
    const monitor = bench.health.monitor;
    if (!monitor) throw new Error('health is on');
    // A notice before any report (the pipeline hears a message first; the monitor does not count on it) evaluates
    // every monitor and leaves the inputs' monitors quiet.
    monitor.notice({ device: DEVICE, via: 'mqtt', online: true }, 1 * S);
    expect(
      touchedAfter(bench, () => monitor.heard({ device: DEVICE, via: 'coiot', serial: 1 }, 1 * S)),
    ).toEqual([true]);
  });

  it('leaves out a re-send that changes nothing published, and names the report that clears offline', () => {
    const bench = new Bench(mech);
    const uni = new UniCoiot();
    bench.coiot(1 * S, uni.packet());
    expect(touchedAfter(bench, () => bench.coiot(16 * S, uni.packet()))).toEqual([]);
    bench.advance(100 * S);
    expect(bench.problems('offline')).toHaveLength(1);
    expect(touchedAfter(bench, () => bench.coiot(101 * S, uni.packet()))).toEqual([true]);
  });
});

describe('report times in the store', () => {
  it('stay at most a batch (a minute) and a period old while re-sends of nothing new keep coming', () => {
    const bench = new Bench(mech);
    const uni = new UniCoiot();
    periodic(bench, uni, 1, 600);
    bench.advance(600 * S);
    const key = bench.healthStore.keys()[0] as string;
    const stored = bench.healthStore.loadHealth(key)?.lastReportMs ?? 0;
    // The last report was at 586 s; the batch written last holds a report at most 60 s + 15 s older than that.
    expect(stored).toBeGreaterThanOrEqual((586 - 75) * S);
  });

  it.each([
    ['a press', (bench: Bench, uni: UniCoiot) => press(bench, uni, 301)],
    ['offline cleared', () => {}], // 300–400 s silent: raised, then cleared by the first report after
  ])('stay so after %s wrote the record at once (and took it out of the batch)', (_, between) => {
    const bench = new Bench(mech);
    const uni = new UniCoiot();
    periodic(bench, uni, 1, 300);
    between(bench, uni);
    periodic(bench, uni, 400, 900);
    bench.advance(900 * S);
    const key = bench.healthStore.keys()[0] as string;
    const stored = bench.healthStore.loadHealth(key)?.lastReportMs ?? 0;
    expect(stored).toBeGreaterThanOrEqual((895 - 75) * S);
  });
});

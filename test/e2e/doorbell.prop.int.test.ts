import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChimeSpec, Press } from '../../simulator/emulator/visitor.ts';
import type { Burst } from '../../simulator/network/device-history.ts';
import { type DoorbellRunResult, type Paths, runDoorbell } from '../../simulator/network/doorbell-run.ts';
import { type FaultPlan, faultPlan } from '../../simulator/network/faults.ts';
import type { ScriptStep } from '../../simulator/network/script.ts';
import {
  applyKnob,
  DEFAULT_KNOBS,
  type FirmwareKnobs,
  formatKnobs,
  KNOB_NAMES,
  KNOB_VALUES,
  knobs,
} from '../../simulator/uni/knobs.ts';
import { sharedBroker } from '../helpers/mosquitto.ts';

/**
 * The whole chain under random presses, firmware knobs, network faults, device reboots and agent restarts:
 * emulated Unis (Gen1 over CoIoT, MQTT or both; Plus over MQTT in button or switch mode) → faults → the live
 * agent → a real mosquitto → an MQTT subscriber. The oracle (`simulator/network/press-oracle.ts`) knows only
 * what physically happened and what reached the agent: every reached press rings exactly once, a press whose
 * edge arrived rings live within the reorder window, a chatter burst at most once and raises `chatter`, nothing
 * else rings, no press id twice.
 *
 * The hard cases are drawn on purpose: gaps of 0–3 s after the previous closure (inside the settle, bounce and
 * tolerance windows; during and right after an electronic hold), holds up to 2.5 s, chattering closures (bursts
 * of 10–30 edges, pulses and gaps 40–90 ms), late copies (50 ms to 1.5 s), reboots and restarts at any moment
 * (during a hold: the first report after them is already high). Device event lifetime is scaled to 1 s.
 *
 * The suite runs a fixed seed (the same cases in every CI run); the nightly explores:
 *   DOORBELL_E2E_RUNS=200 DOORBELL_E2E_SEED=random npx vitest run test/e2e/doorbell.prop.int.test.ts
 *   DOORBELL_E2E_SEED=<seed> [DOORBELL_E2E_PATH=<path>] …                          # re-run a failure
 *   DOORBELL_E2E_FIRMWARE="reports=batched gen2Mode=switch" …                     # pin knobs
 *   DOORBELL_E2E_SHRINK_S=600 …                                                   # shrink longer (default 180 s)
 */
const SEED_ENV = process.env.DOORBELL_E2E_SEED ?? '20261206';
const LIFETIME_S = 1;
const BOOT_S = 2.5;

type Variant = { gen: 'gen1'; paths: Paths } | { gen: 'plus' };

const variantArb: fc.Arbitrary<Variant> = fc.constantFrom<Variant>(
  { gen: 'gen1', paths: 'coiot' },
  { gen: 'gen1', paths: 'mqtt' },
  { gen: 'gen1', paths: 'both' },
  { gen: 'plus' },
);
const chimeArb: fc.Arbitrary<ChimeSpec> = fc.constantFrom<ChimeSpec>(
  { mode: 'mechanical' },
  { mode: 'electronic', durationS: 1 },
  { mode: 'electronic', durationS: 2 },
  { mode: 'electronic', durationS: 3 },
);
/** Knobs pinned for a run: DOORBELL_E2E_FIRMWARE="reports=batched gen2Mode=switch". */
const pinned: Partial<FirmwareKnobs> = (process.env.DOORBELL_E2E_FIRMWARE ?? '')
  .split(/[\s,]+/)
  .filter(Boolean)
  .reduce((k, text) => applyKnob(k, text), {} as Partial<FirmwareKnobs>);
/** Every knob drawn from its plausible values (shrinks towards the defaults, listed first). */
const knobsArb: fc.Arbitrary<FirmwareKnobs> = fc.record(
  Object.fromEntries(
    KNOB_NAMES.map((k) => [
      k,
      k in pinned ? fc.constant(pinned[k]) : fc.constantFrom(...(KNOB_VALUES[k] as unknown[])),
    ]),
  ) as {
    [K in keyof FirmwareKnobs]: fc.Arbitrary<FirmwareKnobs[K]>;
  },
);
/** A press: the gap after the previous closure ended (negative: during an electronic hold), and the hold. */
const pressArb = fc.record({
  gapS: fc.integer({ min: -20, max: 60 }).map((n) => n * 0.05),
  holdS: fc.integer({ min: 1, max: 50 }).map((n) => n * 0.05),
});
const burstArb = fc.record({
  pulses: fc.array(fc.tuple(fc.integer({ min: 40, max: 90 }), fc.integer({ min: 40, max: 90 })), {
    minLength: 5,
    maxLength: 15,
  }),
});
const deviceArb = fc.record({
  presses: fc.array(pressArb, { minLength: 1, maxLength: 3 }),
  /** Chatter bursts (after the presses), in about one run in five. */
  bursts: fc.oneof(
    { weight: 4, arbitrary: fc.constant<Array<{ pulses: Array<[number, number]> }>>([]) },
    { weight: 1, arbitrary: fc.array(burstArb, { minLength: 1, maxLength: 3 }) },
  ),
});
const planArb: fc.Arbitrary<FaultPlan> = fc
  .record({
    loss: fc.constantFrom(0, 0.1, 0.3, 0.5),
    duplicate: fc.constantFrom(0, 0.2, 0.5),
    duplicateDelayMs: fc.integer({ min: 50, max: 1500 }),
    reorder: fc.constantFrom(0, 0.2),
    jitterMs: fc.integer({ min: 0, max: 80 }),
    partition: fc.option(fc.tuple(fc.integer({ min: 0, max: 4000 }), fc.integer({ min: 200, max: 1500 })), {
      nil: undefined,
    }),
  })
  .map(({ partition, ...p }) =>
    faultPlan({
      ...p,
      reorderDelayMs: 250,
      partitions: partition ? [[partition[0], partition[0] + partition[1]]] : [],
    }),
  );
/** Reboots of device 0 and agent restarts, at a fraction of the press span. */
const scriptArb = fc.array(
  fc.record({
    at: fc.integer({ min: 0, max: 100 }),
    action: fc.constantFrom('device-reboot', 'agent-restart'),
  }),
  { maxLength: 2 },
);

/**
 * Cases random runs found, run first in every run. A random CI run found this one (seed 377489468, path
 * 2:1:1:1:1:1:1:3:2): Gen1 over MQTT alone, a 50 ms press, an agent restart, then two presses 50 ms apart. The
 * test network delivered a copy of the first press's `input/0 = 1` 1.3 s late, after its `0`: a new edge to any
 * receiver, since Gen1 level messages carry no sequence. One TCP connection through a broker cannot do that
 * (`faults.ts`, ordered streams); the case stays as the check that MQTT faults keep the stream's order.
 */
const FOUND: Array<
  [
    Variant,
    ChimeSpec,
    FirmwareKnobs,
    Array<{
      presses: Array<{ gapS: number; holdS: number }>;
      bursts: Array<{ pulses: Array<[number, number]> }>;
    }>,
    FaultPlan,
    FaultPlan,
    Array<{ at: number; action: 'device-reboot' | 'agent-restart' }>,
    number,
  ]
> = [
  [
    { gen: 'gen1', paths: 'mqtt' },
    { mode: 'mechanical' },
    { ...DEFAULT_KNOBS },
    [
      {
        presses: [
          { gapS: 0, holdS: 0.05 },
          { gapS: 1.6, holdS: 0.6000000000000001 },
          { gapS: -0.7000000000000001, holdS: 2.4000000000000004 },
        ],
        bursts: [],
      },
    ],
    faultPlan({
      loss: 0.5,
      duplicate: 0.5,
      duplicateDelayMs: 51,
      reorder: 0.2,
      reorderDelayMs: 250,
      jitterMs: 41,
    }),
    faultPlan({
      duplicate: 0.5,
      duplicateDelayMs: 1498,
      reorderDelayMs: 250,
      jitterMs: 24,
      partitions: [[3999, 5492]],
    }),
    [{ at: 33, action: 'agent-restart' }],
    209499292,
  ],
  // Gen1 over CoIoT, two reboots during a press: the only reports that arrived were the first boot's (count 0) and
  // the third's first (count 1, the same serial 1). The agent rang the step as recovered; the oracle had called it
  // unreached, as it crossed a reboot the agent cannot see. It may ring now (press-oracle.ts, `mayRingAt`).
  [
    { gen: 'gen1', paths: 'coiot' },
    { mode: 'mechanical' },
    { ...DEFAULT_KNOBS },
    [
      {
        presses: [
          { gapS: -1, holdS: 1.9500000000000002 },
          { gapS: -0.2, holdS: 0.1 },
        ],
        bursts: [],
      },
    ],
    faultPlan({
      loss: 0.3,
      duplicate: 0.2,
      duplicateDelayMs: 1491,
      reorder: 0.2,
      reorderDelayMs: 250,
      jitterMs: 6,
      partitions: [[445, 1679]],
    }),
    faultPlan({ duplicateDelayMs: 1497, reorderDelayMs: 250, jitterMs: 46, partitions: [[11, 1276]] }),
    [
      { at: 7, action: 'device-reboot' },
      { at: 76, action: 'device-reboot' },
    ],
    347519987,
  ],
  // Gen1 over CoIoT, half the reports lost: the only report with the press's count step was a periodic re-send that
  // arrived 0.46 s before the run stopped collecting rings, inside the reorder window the agent waits before it
  // rings a step as recovered. Such a step may ring now and need not (`expectRings`' `decidedByMs`).
  [
    { gen: 'gen1', paths: 'coiot' },
    { mode: 'electronic', durationS: 1 },
    {
      ...DEFAULT_KNOBS,
      longpush: 'release',
      reports: 'event-apart',
      expiryReport: false,
      unicastCode: '2.05',
      coiotPeriodS: 5,
      gen2Mode: 'switch',
      gen2Redelivery: 'all',
    },
    [
      {
        presses: [
          { gapS: 1.6500000000000001, holdS: 1.1 },
          { gapS: -0.45, holdS: 2.35 },
        ],
        bursts: [],
      },
    ],
    faultPlan({
      loss: 0.5,
      duplicate: 0.2,
      duplicateDelayMs: 1491,
      reorderDelayMs: 250,
      jitterMs: 76,
      partitions: [[3103, 3305]],
    }),
    faultPlan({ duplicate: 0.2, duplicateDelayMs: 201, reorderDelayMs: 250, partitions: [[3481, 4117]] }),
    [],
    20,
  ],
];

/** A visitor's presses from the drawn gaps and holds; bursts follow, 3 s apart, after the last closure. */
function schedule(
  chime: ChimeSpec,
  draws: {
    presses: ReadonlyArray<{ gapS: number; holdS: number }>;
    bursts: ReadonlyArray<{ pulses: Array<[number, number]> }>;
  },
): { presses: Press[]; bursts: Burst[]; endS: number } {
  const presses: Press[] = [];
  let end = 0;
  let at = 0;
  draws.presses.forEach((p, i) => {
    const gap =
      chime.mode === 'mechanical' ? Math.max(0.05, p.gapS) : Math.max(-chime.durationS + 0.05, p.gapS);
    at = i === 0 ? 0 : Math.max(at + 0.05, end + gap);
    presses.push({ atS: Math.round(at * 1000) / 1000, holdS: p.holdS });
    const closureEnd = at + (chime.mode === 'mechanical' ? p.holdS : chime.durationS);
    // An electronic press inside the running hold is swallowed: it does not move the end.
    if (chime.mode === 'mechanical' || i === 0 || at > end) end = Math.max(end, closureEnd);
  });
  const bursts: Burst[] = [];
  for (const b of draws.bursts) {
    const atS = Math.round((end + 3) * 1000) / 1000;
    bursts.push({ atS, pulses: b.pulses });
    end = atS + b.pulses.reduce((s, [h, l]) => s + h + l, 0) / 1000;
  }
  return { presses, bursts, endS: end };
}

describe('end to end: one ring per press that reached the agent, whatever the firmware and the network do', () => {
  let broker: { url: string; stop(): Promise<void> };
  beforeAll(async () => {
    broker = await sharedBroker();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  const runs = Number(process.env.DOORBELL_E2E_RUNS ?? 4);
  it(
    'holds for random presses, chimes, firmware knobs, faults, reboots and restarts',
    async () => {
      let run = 0;
      // Shrinking is on, but each step is a whole live run: after the first failure it has this long, then the
      // remaining candidates pass untried and fast-check reports the smallest failure found so far.
      const shrinkMs = Number(process.env.DOORBELL_E2E_SHRINK_S ?? 180) * 1000;
      let firstFailureMs: number | undefined;
      await fc.assert(
        fc.asyncProperty(
          variantArb,
          chimeArb,
          knobsArb,
          fc.array(deviceArb, { minLength: 1, maxLength: 2 }),
          planArb,
          planArb,
          scriptArb,
          fc.integer({ min: 1, max: 2 ** 30 }),
          async (variant, chime, drawnKnobs, perDevice, coiotPlan, mqttPlan, drawnScript, seed) => {
            if (firstFailureMs !== undefined && Date.now() - firstFailureMs > shrinkMs) return;
            run++;
            const schedules = perDevice.map((d) => schedule(chime, d));
            const spanS = Math.max(...schedules.map((s) => s.endS));
            const script: ScriptStep[] = drawnScript.map((s) =>
              s.action === 'device-reboot'
                ? { atS: (s.at / 100) * spanS, action: 'device-reboot', device: 0 }
                : { atS: (s.at / 100) * spanS, action: 'agent-restart' },
            );
            const result: DoorbellRunResult = await runDoorbell({
              ...variant,
              devices: perDevice.length,
              presses: schedules.map((s) => s.presses),
              bursts: schedules.map((s) => s.bursts),
              chime,
              knobs: drawnKnobs,
              faults: { coiot: coiotPlan, mqtt: mqttPlan },
              script,
              seed,
              brokerUrl: broker.url,
              baseTopic: `e2e-${process.pid}-${run}-${seed}`,
              mqttPeriodS: 60,
              eventLifetimeS: LIFETIME_S,
              bootS: BOOT_S,
              tailS: LIFETIME_S + 2,
            });
            if (result.violations.length > 0) {
              firstFailureMs ??= Date.now();
              const dir = mkdtempSync(join(tmpdir(), 'doorbell-e2e-'));
              const trace = result.trace.write(join(dir, `seed-${seed}.jsonl`));
              writeFileSync(join(dir, 'config.yaml'), result.configYaml);
              console.error(
                `e2e run ${run}, seed ${seed}, firmware ${formatKnobs(knobs(drawnKnobs))}\n` +
                  `  ${JSON.stringify({ variant, chime, presses: schedules, script, coiotPlan, mqttPlan })}\n` +
                  `  ${result.violations.join('\n  ')}\n` +
                  `trace: ${trace}\nreplay: doorbell-agent replay --config ${join(dir, 'config.yaml')} ${trace}`,
              );
            }
            expect(result.violations).toEqual([]);
            expect(result.closures.length).toBeGreaterThan(0);
          },
        ),
        {
          numRuns: runs,
          examples: process.env.DOORBELL_E2E_PATH ? [] : FOUND,
          // Re-run a failure fast-check reported: DOORBELL_E2E_SEED=<seed> DOORBELL_E2E_PATH=<path>.
          ...(SEED_ENV === 'random' ? {} : { seed: Number(SEED_ENV) }),
          ...(process.env.DOORBELL_E2E_PATH ? { path: process.env.DOORBELL_E2E_PATH } : {}),
        },
      );
    },
    runs * 45_000 + 600_000,
  );
});

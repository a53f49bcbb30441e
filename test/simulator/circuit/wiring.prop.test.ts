import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stateFromVolts } from '../../../simulator/circuit/battery.ts';
import { planPresses } from '../../../simulator/circuit/press-plan.ts';
import { runScenario } from '../../../simulator/circuit/scenario.ts';
import type { Installation } from '../../../simulator/circuit/types.ts';
import { evaluateChecks, matchHighs, PULSE_TOLERANCE_S } from '../../../simulator/circuit/verdicts.ts';
import { getSpiceEngine } from '../../../simulator/spice/engine.ts';
import { makeInstallation } from '../installation-fixture.ts';

/**
 * Properties over real ngspice runs (few runs each: every run is a transient of up to ~7 s of mains).
 * The battery bound is the loop's end of life: the cell voltage at which the Uni's (field) threshold stops seeing
 * it, which comes before the chemistry's 0.9 V; below it is the "dead cell" case.
 */
const MIN_PRESS_S = 0.15; // > relay operate (20 ms) + one mains cycle + the Uni's 3-poll debounce (60 ms)
/** Raise with WIRING_PROP_RUNS=50 for a deeper search; the default keeps the suite fast. */
const RUNS = Number(process.env.WIRING_PROP_RUNS ?? 5);

const supply = fc.record({
  vac: fc.double({ min: 12, max: 24, noNaN: true }).map((v) => Math.round(v * 100) / 100),
  hz: fc.constantFrom(50 as const, 60 as const),
});

async function withChime(durationS: number, overrides: Record<string, unknown> = {}): Promise<Installation> {
  return makeInstallation({ chime: { mode: 'electronic', duration_s: durationS }, ...overrides });
}

function liveStates(inst: Installation): number {
  if (inst.loop.source !== 'battery') throw new Error('battery loop expected');
  // Keep 50 mV above the field threshold: the loop's usable end of life.
  return stateFromVolts(inst.loop.battery, inst.uni.fieldHighV + 0.05);
}

describe('wiring model properties (with the power kit)', () => {
  it('relay open at idle, closes on every press, one high period per press matching the chime', async () => {
    const base = await withChime(1);
    const maxState = liveStates(base);
    await fc.assert(
      fc.asyncProperty(
        supply,
        fc.double({ min: 0, max: maxState, noNaN: true }),
        fc.double({ min: MIN_PRESS_S, max: 3, noNaN: true }),
        fc.integer({ min: 1, max: 2 }),
        async ({ vac, hz }, batteryState, pressS, count) => {
          const inst = await withChime(pressS);
          const plan = planPresses(pressS, count);
          const r = await runScenario(await getSpiceEngine(), inst, { vac, hz, batteryState }, plan);
          const guard = inst.relay.releaseS + 3 / hz + 0.1;
          for (const [a, b] of r.contact) {
            expect(
              plan.presses.some(([s, e]) => a >= s && b <= e + guard),
              `contact ${a}-${b} at idle`,
            ).toBe(true);
          }
          for (const [s, e] of plan.presses) expect(r.contact.some(([a, b]) => a < e && b > s)).toBe(true);
          for (const highs of r.fieldHighs) {
            const { perPress, stray } = matchHighs(
              highs,
              plan.presses,
              inst.relay.operateS + inst.relay.releaseS + 0.2,
            );
            expect(stray).toBe(0);
            for (const periods of perPress) {
              expect(periods).toHaveLength(1);
              expect(Math.abs(periods[0]![1] - periods[0]![0] - pressS)).toBeLessThanOrEqual(
                PULSE_TOLERANCE_S,
              );
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('invariants that cannot hold surface as wiring-check failures', () => {
  // The coil current outlasts the press by the coil's L/R (~8 ms) once the kit closes again, so a press is missed
  // only if it is shorter than the operate time (20 ms) minus that decay: the property found 15 ms presses that close.
  it('a press shorter than the relay operate time minus the coil decay fails press_relay_closes', async () => {
    await fc.assert(
      fc.asyncProperty(
        supply,
        fc.double({ min: 0.001, max: 0.008, noNaN: true }),
        async ({ vac, hz }, pressS) => {
          const inst = await withChime(pressS);
          const r = await runScenario(
            await getSpiceEngine(),
            inst,
            { vac, hz, batteryState: 0 },
            planPresses(pressS),
          );
          const checks = evaluateChecks(inst, [r]);
          expect(checks.find((c) => c.id === 'press_relay_closes')!.verdict).toBe('fail');
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a dead cell fails input_high_on_press and pulse_matches_chime', async () => {
    const base = await withChime(2);
    const dead = liveStates(base) + 0.2;
    await fc.assert(
      fc.asyncProperty(supply, fc.double({ min: dead, max: 2, noNaN: true }), async ({ vac, hz }, state) => {
        const inst = await withChime(2, {
          loop: { source: 'battery', battery: { chemistry: 'alkaline', cells: 1, state } },
        });
        const r = await runScenario(
          await getSpiceEngine(),
          inst,
          { vac, hz, batteryState: state },
          planPresses(2),
        );
        const checks = evaluateChecks(inst, [r]);
        expect(checks.find((c) => c.id === 'input_high_on_press')!.verdict).toBe('fail');
        expect(checks.find((c) => c.id === 'pulse_matches_chime')!.verdict).toBe('fail');
      }),
      { numRuns: 3 },
    );
  });

  it('without the power kit the doorbell browns out at any supply in 12-24 VAC, and from 20 VAC the relay hangs', async () => {
    // Through the coil alone the doorbell gets at most V^2 / (2 (|Z| + R)) = 24^2 / (2 * 444) = 0.65 W < 2.85 W.
    // Browned out, its rail sits at its drop-out and its bridge clamps its terminals below 9 VAC * 1.41 = 12.7 V;
    // the coil keeps >= V - 12.7 V RMS (Minkowski): from 20 VAC that is >= 7.3 / 24 = 30 % of rated, above the 25 %
    // typical drop-out, so a closed relay does not open.
    await fc.assert(
      fc.asyncProperty(supply, async ({ vac, hz }) => {
        const inst = await withChime(1, { power_kit: false, supply: { vac, hz } });
        const r = await runScenario(
          await getSpiceEngine(),
          inst,
          { vac, hz, batteryState: 0 },
          planPresses(1),
        );
        const checks = evaluateChecks(inst, [r]);
        expect(checks.find((c) => c.id === 'doorbell_supply_in_range')!.verdict).toBe('fail');
        if (vac >= 20) {
          expect(r.idleDrive).toBeGreaterThan(inst.relay.typicalReleaseFrac);
          expect(checks.find((c) => c.id === 'idle_relay_open')!.verdict).toBe('fail');
        }
      }),
      { numRuns: 3 },
    );
  });
});

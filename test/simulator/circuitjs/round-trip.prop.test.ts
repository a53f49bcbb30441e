import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveInstallation } from '../../../simulator/circuit/installation.ts';
import { buildInstallationSchema } from '../../../simulator/circuit/installation-schema.ts';
import { loadParts } from '../../../simulator/circuit/parts.ts';
import { exportCircuitJs } from '../../../simulator/circuitjs/export.ts';
import { importDrawing } from '../../../simulator/circuitjs/import.ts';
import { differences } from './close.ts';

/**
 * Any installation file, exported and imported, resolves to the same installation (and so to the same netlists
 * and verdicts): every key the schema has, in the combinations it allows. Values carry what a person writes:
 * the supply to 10 mV (the import keeps it to 1 mV), the rest as they come.
 */
const RUNS = Number(process.env.CIRCUITJS_PROP_RUNS ?? 200);

const installationFile = fc.record({
  supply: fc.record({
    vac: fc.integer({ min: 300, max: 4800 }).map((v) => v / 100),
    hz: fc.constantFrom(50, 60, 'unknown'),
  }),
  doorbell: fc.oneof(
    fc.constant({ model: 'db1' }),
    fc.record({ standby_w: fc.integer({ min: 5, max: 100 }).map((w) => w / 10) }),
    fc.record({ model: fc.constant('db1'), standby_w: fc.constantFrom(1.5, 4) }),
  ),
  chime: fc.oneof(
    fc.record({ mode: fc.constant('electronic'), duration_s: fc.integer({ min: 1, max: 10 }) }),
    fc.record({ mode: fc.constant('mechanical') }, { requiredKeys: ['mode'] }),
    fc.record({ mode: fc.constant('mechanical'), duration_s: fc.constant(0.3) }),
  ),
  power_kit: fc.constantFrom(true, false, 'db1_kit', 'resistor_kit'),
  relay: fc.oneof(
    fc.record({ part: fc.constantFrom('rs-0376830', 'te-t9as1d12') }),
    fc.record({ coil_vac: fc.constantFrom(12, 24), coil_impedance_ohm: fc.constantFrom(80, 324) }),
    fc.record({
      coil_vdc: fc.constant(12),
      coil_ohm: fc.constantFrom(160, 400),
      operate_s: fc.constant(0.01),
    }),
    fc.record({
      part: fc.constant('rs-0376830'),
      must_operate_frac: fc.constant(0.8),
      release_s: fc.constant(0.03),
    }),
  ),
  loop: fc.oneof(
    fc.constant({ source: 'ac' }),
    fc.record({
      source: fc.constant('battery'),
      battery: fc.record({
        chemistry: fc.constantFrom('alkaline', 'lithium_fes2', 'nimh'),
        cells: fc.integer({ min: 1, max: 4 }),
        state: fc.oneof(
          fc.constantFrom('fresh', 'half', 'end_of_life'),
          fc.double({ min: 0, max: 1.2, noNaN: true }),
        ),
      }),
    }),
    fc.record({
      source: fc.constant('battery'),
      // A measured pack: one cell (worn or half) or two (3.1 V, a fresh pair).
      battery: fc.constantFrom(
        { chemistry: 'alkaline', volts: 0.8 },
        { chemistry: 'alkaline', volts: 1.234 },
        { chemistry: 'alkaline', cells: 2, volts: 3.1 },
      ),
    }),
  ),
  uni: fc.record({ model: fc.constantFrom('gen1', 'plus') }),
  wiring: fc.record({
    cable_ohm: fc.oneof(
      fc.constant(0),
      fc.integer({ min: 1, max: 400 }).map((v) => v / 10),
    ),
  }),
});

describe('export → import, for any installation file', () => {
  it('reads back the installation it was exported from', async () => {
    const parts = await loadParts();
    const schema = buildInstallationSchema(parts);
    fc.assert(
      fc.property(installationFile, (raw) => {
        const file = schema.parse(raw);
        const back = importDrawing(exportCircuitJs(file, parts), 'exported.txt', parts);
        expect(differences(resolveInstallation(back, parts), resolveInstallation(file, parts))).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });
});

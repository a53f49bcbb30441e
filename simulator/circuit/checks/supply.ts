import type { ScenarioResult } from '../scenario.ts';
import type { Installation } from '../types.ts';
import { type Check, fail, PULSE_TOLERANCE_S, pass, warn } from './check.ts';
import { matchHighs } from './pulse.ts';

export function checkUniSupply(inst: Installation, results: readonly ScenarioResult[]): Check {
  const uni = inst.uni;
  const vac = inst.supply.vac;
  const margin = Math.min(vac - uni.supplyMinVac, uni.supplyMaxVac - vac);
  const measured = results.map((r) => r.supplyVrms);
  const span = `${Math.min(...measured).toFixed(1)}–${Math.max(...measured).toFixed(1)} VAC at its terminals over the sweep`;
  const rating = `${uni.supplyMinVac}–${uni.supplyMaxVac} VAC rating`;
  if (margin < 0)
    return fail('uni_supply_in_range', margin, `${vac} VAC nominal is outside the Uni's ${rating} (${span})`);
  return {
    ...pass(
      'uni_supply_in_range',
      margin,
      `${vac} VAC nominal is within the Uni's ${rating}, read as nominal ±10 % (${span})`,
    ),
    basis: 'documented rating',
  };
}

export function checkAcOnInput(inst: Installation, results: readonly ScenarioResult[]): Check {
  if (inst.loop.source !== 'ac')
    return { ...pass('ac_on_input', null, 'DC loop: no AC reaches IN_1'), basis: 'model' };
  const lag = inst.relay.operateS + inst.relay.releaseS + 0.2;
  let clean = 0;
  let total = 0;
  for (const r of results) {
    for (const highs of r.fieldHighs) {
      total++;
      const { perPress, stray } = matchHighs(highs, r.plan.presses, lag);
      if (
        stray === 0 &&
        perPress.every(
          (p) => p.length === 1 && Math.abs(p[0]![1] - p[0]![0] - inst.chime.durationS) <= PULSE_TOLERANCE_S,
        )
      )
        clean++;
    }
  }
  const model = `the poll model rings cleanly in ${clean} of ${total} supply/poll-phase cases`;
  if (inst.uni.model === 'plus') {
    return {
      ...warn('ac_on_input', null, `AC on the Plus Uni input: no field evidence either way; ${model}`),
      basis: 'model (assumed poll timing)',
    };
  }
  return {
    ...fail(
      'ac_on_input',
      null,
      `AC on the Gen1 input is documented (≥ 12 VAC) but seen unreliable in the field (seed, Shelly forum); ${model}. Use a cell (DC) loop`,
    ),
    basis: 'field evidence over the documented AC threshold',
  };
}

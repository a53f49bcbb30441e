import type { ScenarioResult } from '../scenario.ts';
import type { Installation } from '../types.ts';
import { type Check, describePoint, fail, pass, volts, warn, worst } from './check.ts';

export function checkInputHighOnPress(inst: Installation, results: readonly ScenarioResult[]): Check {
  const uni = inst.uni;
  const withInput = results.filter((r) => r.inputOnV !== undefined);
  if (withInput.length < results.length) {
    return fail(
      'input_high_on_press',
      null,
      'the relay never closes on a press, so IN_1 never sees the loop',
      'V',
    );
  }
  const w = worst(withInput, (r) => -r.inputOnV!);
  const v = w.inputOnV!;
  if (inst.loop.source === 'ac') {
    const margin = v - uni.documentedAcHighVrms;
    if (margin < 0)
      return fail(
        'input_high_on_press',
        margin,
        `${volts(v)} RMS at IN_1 at ${describePoint(w.point)}: below the documented AC HIGH ${uni.documentedAcHighVrms} V`,
      );
    return {
      ...warn(
        'input_high_on_press',
        margin,
        `${volts(v)} RMS at IN_1 is documented HIGH (≥ ${uni.documentedAcHighVrms} VAC), but the field disagrees: see ac_on_input`,
      ),
      basis: 'documented AC threshold, contradicted by field reports',
    };
  }
  const loop = inst.loop;
  const start = withInput.filter((r) => r.point.batteryState === loop.startState);
  const vStart = Math.min(...start.map((r) => r.inputOnV!));
  const margin = v - uni.documentedDcHighV;
  const fieldNote = `field threshold ${volts(uni.fieldHighV)} (assumed; a 1.5 V cell is seen working)`;
  const fieldMargin = v - uni.fieldHighV;
  if (vStart < uni.fieldHighV) {
    return {
      ...fail(
        'input_high_on_press',
        vStart - uni.documentedDcHighV,
        `${volts(vStart)} at IN_1 now: below the documented ${volts(uni.documentedDcHighV)} and the ${fieldNote}`,
      ),
      fieldMargin: vStart - uni.fieldHighV,
    };
  }
  if (margin >= 0) {
    return {
      ...pass(
        'input_high_on_press',
        margin,
        `lowest ${volts(v)} at IN_1 (${describePoint(w.point, inst)}) is above the documented HIGH ${volts(uni.documentedDcHighV)}`,
      ),
      basis: 'documented DC threshold',
    };
  }
  const ends =
    v < uni.fieldHighV
      ? `; detection stops below ~${volts(uni.fieldHighV)} at IN_1, before the cell's ${volts(loop.battery.endOfLifeV * loop.battery.cells)} end of life: replace it early`
      : '';
  if (uni.fieldHighV >= uni.documentedDcHighV) {
    // No field evidence below the documented level: the cell is fine now and runs out before its end of life.
    return {
      ...warn(
        'input_high_on_press',
        margin,
        `${volts(vStart)} at IN_1 now is above the documented HIGH ${volts(uni.documentedDcHighV)}; ${volts(v)} at ${describePoint(w.point, inst)} is not${ends}`,
      ),
      basis: 'documented DC threshold',
    };
  }
  return {
    ...warn(
      'input_high_on_press',
      margin,
      `${volts(vStart)} at IN_1 now, ${volts(v)} at ${describePoint(w.point, inst)}: below the documented HIGH ${volts(uni.documentedDcHighV)}; relies on the ${fieldNote}${ends}`,
    ),
    basis: 'field evidence (assumed threshold), contradicts the documented one',
    fieldMargin,
  };
}

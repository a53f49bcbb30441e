import { type LoopUse, loopConsumptionMahPerYear, loopUseFromRun } from '../circuit/loop-consumption.ts';
import type { ScenarioResult } from '../circuit/scenario.ts';
import type { Installation, OperatingPoint } from '../circuit/types.ts';
import { type Check, exitCodeOf, type Verdict } from '../circuit/verdicts.ts';
import { getVector } from '../spice/waveform.ts';
import type { FirmwareReport } from '../uni/firmware.ts';

/** Everything `wiring check` found, before it is printed as text, JSON or a plot. */
export interface WiringCheckResult {
  readonly file: string;
  readonly inst: Installation;
  readonly points: readonly OperatingPoint[];
  readonly checks: readonly Check[];
  readonly verdict: Verdict;
  readonly exitCode: number;
  readonly assumed: readonly string[];
  readonly nominal: OperatingPoint;
  readonly nominalReports: readonly FirmwareReport[];
  readonly nominalScenario: ScenarioResult;
  readonly spiceRuns: number;
  readonly elapsedS: number;
  /** The other hypotheses of the power kit, and where their verdicts differ from the judged one. */
  readonly kitComparison: readonly KitComparison[];
  /** The check that decided the result, and the sweep point (run) where it was worst: what the plot shows. */
  readonly deciding: { readonly check: Check; readonly scenario: ScenarioResult } | undefined;
  /** Battery loops: the cell's current while a press lasts and what that costs a year. */
  readonly battery: (LoopUse & { readonly mahPerYear: number }) | undefined;
  /** Every run of the sweep, for `--netlist DIR` (the judged kit first, then the other hypotheses). */
  readonly runs: readonly ScenarioResult[];
}

export interface KitComparison {
  readonly kit: string;
  readonly verdict: Verdict;
  readonly disagreements: readonly {
    readonly id: string;
    readonly verdict: Verdict;
    readonly reason: string;
  }[];
}

export function summarise(
  file: string,
  inst: Installation,
  results: readonly ScenarioResult[],
  checks: readonly Check[],
  nominal: ScenarioResult,
  timing: {
    spiceRuns: number;
    elapsedS: number;
    kitComparison?: readonly KitComparison[];
    runs?: readonly ScenarioResult[];
  },
): WiringCheckResult {
  const exitCode = exitCodeOf(checks);
  const verdict = (['pass', 'warn', 'fail'] as const)[exitCode]!;
  const decidingCheck = checks.find((c) => c.verdict === verdict && c.worst) ?? checks.find((c) => c.worst);
  const same = (a: OperatingPoint, b: OperatingPoint) =>
    a.vac === b.vac && a.hz === b.hz && a.batteryState === b.batteryState;
  const decidingScenario =
    decidingCheck && (results.find((r) => same(r.point, decidingCheck.worst!)) ?? nominal);
  const closed = nominal.contact;
  const use =
    inst.loop.source === 'battery' && closed.length > 0
      ? loopUseFromRun(
          nominal.traces.sense.time,
          getVector(nominal.traces.sense, 'i(vcell)'),
          closed,
          inst.chime.durationS,
        )
      : undefined;
  return {
    file,
    inst,
    points: results.map((r) => r.point),
    checks,
    verdict,
    exitCode,
    assumed: [...new Set(inst.assumed)].sort(),
    nominal: nominal.point,
    nominalReports: nominal.reports,
    nominalScenario: nominal,
    spiceRuns: timing.spiceRuns,
    elapsedS: timing.elapsedS,
    kitComparison: timing.kitComparison ?? [],
    deciding: decidingCheck && decidingScenario && { check: decidingCheck, scenario: decidingScenario },
    battery: use && { ...use, mahPerYear: loopConsumptionMahPerYear(use) },
    runs: timing.runs ?? results,
  };
}

/** The report for tools: stable keys, snake_case like the check ids. */
export function toJsonReport(result: WiringCheckResult): unknown {
  return {
    file: result.file,
    verdict: result.verdict,
    exit_code: result.exitCode,
    checks: result.checks.map((c) => ({
      id: c.id,
      verdict: c.verdict,
      margin: c.margin === null ? null : Number(c.margin.toFixed(4)),
      unit: c.unit,
      reason: c.reason,
      basis: c.basis,
      ...(c.fieldMargin === undefined ? {} : { field_margin: Number(c.fieldMargin.toFixed(4)) }),
    })),
    sweep: result.points.map((p) => ({ vac: p.vac, hz: p.hz, battery_state: p.batteryState ?? null })),
    assumed: result.assumed,
    nominal: {
      point: {
        vac: result.nominal.vac,
        hz: result.nominal.hz,
        battery_state: result.nominal.batteryState ?? null,
      },
      contact_closed_s: result.nominalScenario.contact.map(([a, b]) => [round(a), round(b)]),
      reports: result.nominalReports.map((r) => ({
        t: round(r.t),
        level: r.level,
        event: r.event,
        event_cnt: r.eventCount,
      })),
    },
    deciding: result.deciding && {
      check: result.deciding.check.id,
      point: {
        vac: result.deciding.scenario.point.vac,
        hz: result.deciding.scenario.point.hz,
        battery_state: result.deciding.scenario.point.batteryState ?? null,
      },
    },
    battery: result.battery && {
      loop_ma: round(result.battery.loopMa),
      presses_per_day: result.battery.pressesPerDay,
      hold_s: result.battery.holdS,
      mah_per_year: round(result.battery.mahPerYear),
    },
    power_kit_hypotheses: result.kitComparison.map((k) => ({
      kit: k.kit,
      verdict: k.verdict,
      disagreements: k.disagreements,
    })),
    spice_runs: result.spiceRuns,
    elapsed_s: round(result.elapsedS),
  };
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;

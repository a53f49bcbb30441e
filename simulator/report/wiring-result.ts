import type { ScenarioResult } from '../circuit/scenario.ts';
import type { Installation, OperatingPoint } from '../circuit/types.ts';
import { type Check, exitCodeOf, type Verdict } from '../circuit/verdicts.ts';
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
  timing: { spiceRuns: number; elapsedS: number; kitComparison?: readonly KitComparison[] },
): WiringCheckResult {
  const exitCode = exitCodeOf(checks);
  return {
    file,
    inst,
    points: results.map((r) => r.point),
    checks,
    verdict: (['pass', 'warn', 'fail'] as const)[exitCode]!,
    exitCode,
    assumed: [...new Set(inst.assumed)].sort(),
    nominal: nominal.point,
    nominalReports: nominal.reports,
    nominalScenario: nominal,
    spiceRuns: timing.spiceRuns,
    elapsedS: timing.elapsedS,
    kitComparison: timing.kitComparison ?? [],
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

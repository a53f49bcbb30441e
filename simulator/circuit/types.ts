/** Plain numbers for one installation, resolved from the user's file and `circuits/parts.yaml`. */

export interface RelayParams {
  readonly coilVac: number;
  readonly coilImpedanceOhm: number;
  readonly coilOhm: number;
  readonly mustOperateFrac: number;
  readonly mustReleaseFrac: number;
  readonly typicalOperateFrac: number;
  readonly typicalReleaseFrac: number;
  readonly operateS: number;
  readonly releaseS: number;
  readonly contactOhm: number;
}

export interface PowerKitParams {
  readonly onOhm: number;
  readonly offOhm: number;
  readonly senseTauS: number;
}

export interface BatteryParams {
  readonly chemistry: string;
  readonly cells: number;
  readonly freshV: number;
  readonly endOfLifeV: number;
  readonly freshOhm: number;
  readonly endOfLifeOhm: number;
}

export type UniModel = 'gen1' | 'plus';

export interface UniParams {
  readonly model: UniModel;
  readonly supplyMinVac: number;
  readonly supplyMaxVac: number;
  readonly supplyOhm: number;
  readonly inputOhm: number;
  readonly documentedDcHighV: number;
  readonly documentedAcHighVrms: number;
  readonly fieldHighV: number;
  readonly samplePeriodS: number;
  readonly debounceSamples: number;
  readonly longpushS: number;
  readonly eventLifetimeS: number;
}

export type ChimeMode = 'electronic' | 'mechanical';

export type Loop =
  | { readonly source: 'battery'; readonly battery: BatteryParams; readonly startState: number }
  | { readonly source: 'ac' };

export interface Installation {
  readonly supply: { readonly vac: number; readonly hz: readonly (50 | 60)[] };
  readonly sourceOhm: number;
  readonly toleranceFrac: number;
  readonly doorbell: { readonly standbyOhm: number; readonly pressOhm: number };
  readonly chime: { readonly mode: ChimeMode; readonly durationS: number };
  readonly powerKit: PowerKitParams | undefined;
  readonly relay: RelayParams;
  readonly loop: Loop;
  readonly uni: UniParams;
  /** Parameter names (`relay.typical_operate_frac`, …) whose values are assumed, for the report. */
  readonly assumed: readonly string[];
}

/** One point of the sweep: what the user cannot control, fixed to concrete values. */
export interface OperatingPoint {
  readonly vac: number;
  readonly hz: 50 | 60;
  /** 0 = fresh … 1 = end of life; undefined for an AC loop. */
  readonly batteryState: number | undefined;
}

/** Closed time interval [from, to] in seconds. */
export type Interval = readonly [number, number];

/** Plain numbers for one installation, resolved from the user's file and `circuits/parts.yaml`. */

export type CoilKind = 'ac' | 'dc';

export interface RelayParams {
  /** An AC coil (shading ring) or a DC coil (none: on AC its armature releases at every current zero). */
  readonly coilKind: CoilKind;
  /** Rated coil voltage: VAC for an AC coil, VDC for a DC coil. */
  readonly coilV: number;
  /** |Z| at 50 Hz (AC coil) or the coil resistance (DC coil). */
  readonly coilImpedanceOhm: number;
  readonly coilOhm: number;
  readonly mustOperateFrac: number;
  readonly mustReleaseFrac: number;
  readonly typicalOperateFrac: number;
  readonly typicalReleaseFrac: number;
  readonly operateS: number;
  readonly releaseS: number;
  readonly contactOhm: number;
  /** Above this fraction of rated drive the coil runs outside its operating range (WARN). */
  readonly maxOperatingFrac: number;
  /** Above this fraction the coil overheats (FAIL). */
  readonly overdriveFailFrac: number;
}

/** One hypothesis of what the power kit across the coil is; each reacts only to its own terminals. */
export type PowerKitParams =
  | {
      readonly kind: 'bypass';
      readonly name: string;
      readonly onOhm: number;
      readonly offOhm: number;
      readonly tripV: number;
      readonly tripTauS: number;
      readonly holdV: number;
      readonly holdTauS: number;
    }
  | { readonly kind: 'resistor'; readonly name: string; readonly kitOhm: number };

export interface DoorbellParams {
  /** Constant power the doorbell's electronics draw from its rectified rail. */
  readonly standbyW: number;
  readonly ratedMinVac: number;
  readonly ratedMaxVac: number;
  /** Terminal voltage (RMS) below which it drops out. */
  readonly dropoutVac: number;
  readonly reservoirF: number;
  readonly pressOhm: number;
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
  /** Total series resistance of the doorbell loop's cable (both legs). */
  readonly cableOhm: number;
  readonly doorbell: DoorbellParams;
  readonly chime: { readonly mode: ChimeMode; readonly durationS: number };
  /** The kit the verdicts are judged with (undefined: no kit). */
  readonly powerKit: PowerKitParams | undefined;
  /** Other hypotheses of the same kit, run to report where they would decide differently. */
  readonly kitAlternatives: readonly PowerKitParams[];
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

import type { ChimeSettings } from '../detect/chime.ts';
import type { Path } from '../detect/evidence.ts';
import type { BatterySpec } from './battery-model.ts';
import type { HealthProblem } from './types.ts';

/** One configured doorbell input, as the health monitors need it. */
export interface HealthChannelConfig {
  device: string;
  input: number;
  name: string;
  gen: 'gen1' | 'gen2';
  chime: ChimeSettings;
  battery: BatterySpec;
  /** Silence on CoIoT means offline (Gen1 device, CoIoT source enabled). */
  expectCoiot: boolean;
}

/** What survives a restart and what `status` shows: one record per configured input. */
export interface HealthRecord {
  device: string;
  input: number;
  name: string;
  /** The monitor's clock (Unix ms live, trace ms in replay) when this was written. */
  savedMs: number;
  /** false = offline, true = reports arriving, null = nothing heard yet. */
  connected: boolean | null;
  lastReportMs: number | null;
  lastReportVia: Path | null;
  presses: number;
  lastRing: { tMs: number; pressId: string; via: string; recovered: boolean } | null;
  problems: Array<{ problem: HealthProblem; detail: string; sinceMs: number | null }>;
  battery: {
    percent: number;
    volts: number | null;
    basis: 'adc' | 'model';
    thresholdDateMs: number | null;
  } | null;
  /** Charge the presses took from the loop cell so far (model basis). */
  pressMah: number;
  serialGapsTotal: number;
}

/** The fields of a record that move while nothing else in it does: what a time-only write changes. */
export type HealthTimes = Pick<
  HealthRecord,
  'savedMs' | 'connected' | 'lastReportMs' | 'lastReportVia' | 'serialGapsTotal'
>;

export interface HealthStore {
  loadHealth(key: string): HealthRecord | undefined;
  saveHealth(key: string, record: HealthRecord): void;
  /** Updates those fields of the record saved under `key` (saved before: the monitor writes every record at start). */
  saveTimes(key: string, times: HealthTimes): void;
}

export class MemoryHealthStore implements HealthStore {
  private readonly saved = new Map<string, string>();
  private readonly times = new Map<string, HealthTimes>();
  loadHealth(key: string): HealthRecord | undefined {
    const json = this.saved.get(key);
    return json === undefined ? undefined : { ...(JSON.parse(json) as HealthRecord), ...this.times.get(key) };
  }
  saveHealth(key: string, record: HealthRecord): void {
    this.saved.set(key, JSON.stringify(record));
    this.times.delete(key);
  }
  saveTimes(key: string, times: HealthTimes): void {
    if (this.saved.has(key)) this.times.set(key, times);
  }
  keys(): string[] {
    return [...this.saved.keys()];
  }
}

import { type FirmwareParams, type FirmwareReport, runFirmware } from '../uni/firmware.ts';
import type { LevelChange } from '../uni/input-model.ts';
import type { Scheduler } from './scheduler.ts';

export interface InputState {
  level: 0 | 1;
  event: '' | 'S' | 'L';
  count: number;
}

export interface ChannelParams {
  longpushS: number;
  eventLifetimeS: number;
  /** The firmware knobs that shape events and reports (`FirmwareKnobs`, in the model's units). */
  firmware?: Pick<FirmwareParams, 'eventMinPulseS' | 'longpush' | 'reports' | 'expiryReport'>;
  /** `btn_type` allows events (momentary, momentary_on_release, detached); otherwise only levels change. */
  eventsEnabled(): boolean;
}

/**
 * One input of a live emulated Uni. The logical timeline (absolute scheduler seconds) goes through the pure
 * `runFirmware`; each report it produces is played at its time. Adding edges later re-plans what has not been
 * played yet (the firmware is causal, so the played prefix never changes). When the input is idle again the
 * history is folded into the counter, so a device running for hours keeps no history.
 */
export class InputChannel {
  state: InputState = { level: 0, event: '', count: 0 };
  private history: LevelChange[] = [];
  private startCount = 0;
  private played = 0;
  private cancels: Array<() => void> = [];

  constructor(
    private readonly scheduler: Scheduler,
    private readonly params: ChannelParams,
    private readonly onReport: (state: InputState, previous: InputState, report: FirmwareReport) => void,
  ) {}

  /** Adds logical edges (times in scheduler seconds, not before now). */
  feed(changes: readonly LevelChange[]): void {
    this.history.push(...changes);
    this.history.sort((a, b) => a.t - b.t);
    this.replan();
  }

  /** Power cycle: `event_cnt` lives in RAM, so it is 0 again; edges still to come still come. */
  reboot(): void {
    const nowS = this.scheduler.now() / 1000;
    const future = this.history.filter((c) => c.t > nowS);
    const level = this.state.level;
    this.history = level === 1 ? [{ t: nowS, level: 1 }, ...future] : future;
    this.startCount = 0;
    this.played = 0;
    this.state = { level: 0, event: '', count: 0 };
    this.replan();
  }

  /** Pending reports (for a clean stop). */
  get busy(): boolean {
    return this.cancels.length > 0;
  }

  stop(): void {
    for (const cancel of this.cancels) cancel();
    this.cancels = [];
  }

  private plan(): FirmwareReport[] {
    if (this.params.eventsEnabled()) {
      return runFirmware(this.history, {
        ...this.params.firmware,
        longpushS: this.params.longpushS,
        eventLifetimeS: this.params.eventLifetimeS,
        startCount: this.startCount,
      });
    }
    // toggle/edge/action: the level is reported, no event and no counter step.
    const reports: FirmwareReport[] = [];
    let level: 0 | 1 = 0;
    for (const c of this.history) {
      if (c.level === level) continue;
      level = c.level;
      reports.push({ t: c.t, level, event: '', eventCount: this.startCount });
    }
    return reports;
  }

  private replan(): void {
    this.stop();
    const reports = this.plan();
    const now = this.scheduler.now();
    for (let i = this.played; i < reports.length; i++) {
      const report = reports[i] as FirmwareReport;
      const last = i === reports.length - 1;
      const cancel = this.scheduler.after(report.t * 1000 - now, () => {
        this.cancels = this.cancels.filter((c) => c !== cancel);
        this.play(report, last);
      });
      this.cancels.push(cancel);
    }
  }

  private play(report: FirmwareReport, last: boolean): void {
    this.played++;
    const previous = this.state;
    this.state = { level: report.level, event: report.event, count: report.eventCount };
    if (last && report.level === 0 && report.event === '') {
      this.history = [];
      this.startCount = report.eventCount;
      this.played = 0;
    }
    // A silent change (the event clearing without a report) moves the state but sends nothing.
    if (!report.silent) this.onReport(this.state, previous, report);
  }
}

import type { LevelChange } from '../uni/input-model.ts';
import { type FirmwareKnobs, knobs as withDefaults } from '../uni/knobs.ts';
import { shuniValues } from './coiot-encode.ts';
import { InputChannel, type InputState } from './input-channel.ts';
import { realScheduler, type Scheduler } from './scheduler.ts';
import { type BtnType, eventsEnabled, type UniSnapshot } from './uni-http-bodies.ts';

export interface Gen1UniOptions {
  /** 12 hex digits; the id is `shellyuni-<MAC>` unless `id` is given. */
  mac: string;
  /** Another id (a Plus Uni is `shellyplusuni-<mac>`, reusing this input firmware). */
  id?: string;
  scheduler?: Scheduler;
  /** Per input; the factory default is `toggle` (no events). Default here: `detached`, as a doorbell Uni is set up. */
  btnTypes?: [BtnType, BtnType];
  /** What the firmware does where nobody has confirmed it (defaults: `DEFAULT_KNOBS`). */
  knobs?: Partial<FirmwareKnobs>;
  /** Default: the `longpushMs` knob. */
  longpushS?: number;
  eventLifetimeS?: number;
  /** CoIoT periodic re-send (`coiot.update_period`). Default: the `coiotPeriodS` knob (15 s). */
  coiotPeriodS?: number;
  /** MQTT periodic state (`mqtt_update_period`, 30 s). */
  mqttPeriodS?: number;
  /** How long a reboot keeps the device silent. */
  bootS?: number;
  ip?: string;
  adcVolts?: number;
}

/** One `event_cnt` step of an input: which boot, the count it reached, and the rise (ms) of the pulse that made it. */
export interface StepRecord {
  input: number;
  boot: number;
  count: number;
  riseMs: number;
}

export type Gen1Change =
  | { kind: 'input'; input: number; state: InputState; previous: InputState }
  | { kind: 'down' }
  | { kind: 'boot' };

/**
 * The state of an emulated SHUNI-1 and its input firmware, with no I/O: transports (CoIoT, MQTT, HTTP) listen
 * to its changes and read its state.
 */
export class Gen1Uni {
  readonly mac: string;
  readonly id: string;
  readonly scheduler: Scheduler;
  readonly btnTypes: [BtnType, BtnType];
  readonly longpushS: number;
  readonly eventLifetimeS: number;
  readonly coiotPeriodS: number;
  readonly mqttPeriodS: number;
  readonly bootS: number;
  readonly knobs: FirmwareKnobs;
  /** Power cycles so far (0 = the first boot). */
  boot = 0;
  /** Every counter step the firmware made (for test oracles), oldest first, the last 10,000. */
  readonly steps: StepRecord[] = [];
  ip: string;
  adcVolts: number;
  cfgChanged = 0;
  up = true;
  coiotPeer = '';
  mqttServer = '';
  private bootedAt: number;
  /** Device time of the report being emitted (ms), while its listeners run. */
  private reportMs: number | undefined;
  private readonly inputs: [InputChannel, InputChannel];
  private readonly listeners = new Set<(change: Gen1Change) => void>();
  private cancelBoot: (() => void) | undefined;

  constructor(options: Gen1UniOptions) {
    this.mac = options.mac.toUpperCase();
    this.id = options.id ?? `shellyuni-${this.mac}`;
    this.scheduler = options.scheduler ?? realScheduler;
    this.btnTypes = options.btnTypes ?? ['detached', 'detached'];
    this.knobs = withDefaults(options.knobs);
    this.longpushS = options.longpushS ?? this.knobs.longpushMs / 1000;
    this.eventLifetimeS = options.eventLifetimeS ?? 5;
    this.coiotPeriodS = options.coiotPeriodS ?? this.knobs.coiotPeriodS;
    this.mqttPeriodS = options.mqttPeriodS ?? 30;
    this.bootS = options.bootS ?? 3;
    this.ip = options.ip ?? '127.0.0.1';
    this.adcVolts = options.adcVolts ?? 0;
    this.bootedAt = this.scheduler.now();
    const channel = (input: number) =>
      new InputChannel(
        this.scheduler,
        {
          longpushS: this.longpushS,
          eventLifetimeS: this.eventLifetimeS,
          firmware: {
            eventMinPulseS: this.knobs.eventMinPulseMs / 1000,
            longpush: this.knobs.longpush,
            reports: this.knobs.reports,
            expiryReport: this.knobs.expiryReport,
          },
          eventsEnabled: () => eventsEnabled(this.btnTypes[input] as BtnType),
        },
        (state, previous, report) => {
          for (const step of report.steps ?? []) {
            this.steps.push({ input, boot: this.boot, count: step.count, riseMs: step.riseT * 1000 });
            if (this.steps.length > 10_000) this.steps.shift();
          }
          if (!this.up) return;
          this.reportMs = report.t * 1000;
          try {
            this.emit({ kind: 'input', input, state, previous });
          } finally {
            this.reportMs = undefined;
          }
        },
      );
    this.inputs = [channel(0), channel(1)];
  }

  /**
   * The device's own time now (ms): while a report is being sent, the moment its firmware made it (a timer may
   * fire a little late), otherwise the scheduler's clock.
   */
  nowMs(): number {
    return this.reportMs ?? this.scheduler.now();
  }

  on(listener: (change: Gen1Change) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Logical edges of input `input` (0 = IN_1), times in scheduler seconds. */
  feed(input: number, changes: readonly LevelChange[]): void {
    this.channel(input).feed(changes);
  }

  input(input: number): InputState {
    return this.channel(input).state;
  }

  setBtnType(input: number, btnType: BtnType): void {
    this.channel(input);
    this.btnTypes[input] = btnType;
    this.cfgChanged++;
  }

  /** Power cycle: silent for `bootS`, then back with `event_cnt` at 0. */
  reboot(): void {
    this.up = false;
    this.boot++;
    this.emit({ kind: 'down' });
    for (const channel of this.inputs) channel.reboot();
    this.cancelBoot?.();
    this.cancelBoot = this.scheduler.after(this.bootS * 1000, () => {
      this.cancelBoot = undefined;
      this.up = true;
      this.bootedAt = this.scheduler.now();
      this.emit({ kind: 'boot' });
    });
  }

  /** `G` tuples of the current state, in the real order. */
  values(): Array<[number, number, number | string]> {
    const [a, b] = this.inputs.map((c) => c.state) as [InputState, InputState];
    const tuples = shuniValues({
      inputs: [
        { level: a.level === 1, event: a.event, count: a.count },
        { level: b.level === 1, event: b.event, count: b.count },
      ],
      adcVolts: this.adcVolts,
    });
    tuples[0] = [0, 9103, this.cfgChanged];
    return tuples;
  }

  snapshot(): UniSnapshot {
    return {
      id: this.id,
      mac: this.mac,
      ip: this.ip,
      inputs: this.inputs.map((c) => c.state),
      btnTypes: this.btnTypes,
      longpushMs: Math.round(this.longpushS * 1000),
      adcVolts: this.adcVolts,
      coiotPeer: this.coiotPeer,
      coiotPeriodS: this.coiotPeriodS,
      mqtt: { enabled: this.mqttServer !== '', server: this.mqttServer, periodS: this.mqttPeriodS },
      uptimeS: (this.scheduler.now() - this.bootedAt) / 1000,
      cfgChanged: this.cfgChanged,
    };
  }

  stop(): void {
    this.cancelBoot?.();
    for (const channel of this.inputs) channel.stop();
    this.listeners.clear();
  }

  private channel(input: number): InputChannel {
    const channel = this.inputs[input];
    if (!channel) throw new RangeError(`SHUNI-1 has inputs 0 and 1, not ${input}`);
    return channel;
  }

  private emit(change: Gen1Change): void {
    for (const listener of this.listeners) listener(change);
  }
}

/**
 * What nobody has confirmed about the Uni's firmware, as parameters. Every behaviour the protocol notes mark
 * UNCONFIRMED is one knob here, with the values that are plausible; the emulator and the simulator's firmware
 * model follow them, and the tests draw them, so the agent is proven under every plausible answer rather than
 * under one guess.
 */
export interface FirmwareKnobs {
  /** A pulse shorter than this makes no input event (no `event_cnt` step): firmware debounce. 0 = every pulse counts. */
  eventMinPulseMs: number;
  /** `longpush_time`: 800 ms on a real FW 1.14.1 Uni, 1000 ms in the documentation's example. */
  longpushMs: number;
  /** `L` is reported once the press reaches `longpush_time` while still held, or only at the release. */
  longpush: 'held' | 'release';
  /**
   * How input changes become status reports (CoIoT publishes, Gen1 MQTT messages, Gen2 notifications):
   *  - `per-change`: a report at the rise, one at the release that also carries the `S` event;
   *  - `event-apart`: the release and its event in two reports, the event `EVENT_APART_MS` later;
   *  - `batched`: the first change opens a `BATCH_MS` window and one report at its end carries the state then,
   *    so a short pulse is one report (already low, with the event).
   */
  reports: 'per-change' | 'event-apart' | 'batched';
  /** A report is sent when the event clears after its lifetime (5 s), or the clearing is silent. */
  expiryReport: boolean;
  /** CoAP code of unicast (`coiot_peer`) status publishes: 0.30 as multicast, or 2.05 (node-shellies' beta finding). */
  unicastCode: '0.30' | '2.05';
  /** Option 3412 (validity): always 15 s as in every capture, or following `coiot.update_period`. */
  validity: 'fixed' | 'update-period';
  /** `coiot.update_period`: the periodic re-send of the last report (same serial), seconds. */
  coiotPeriodS: number;
  /** Gen1 `mqtt_retain`: every publish is retained. */
  mqttRetain: boolean;
  /** Plus Uni input type: `button` (NotifyEvent btn_down/btn_up/single_push/long_push) or `switch` (NotifyStatus). */
  gen2Mode: 'button' | 'switch';
  /**
   * Plus Uni QoS 1 re-deliveries: the same notification (same `ts`) published again, late (after the release),
   * for none, some (about a third) or all notifications.
   */
  gen2Redelivery: 'none' | 'some' | 'all';
}

export const EVENT_APART_MS = 40;
export const BATCH_MS = 150;
/** A re-delivered Plus notification follows its original by this much (uniform). */
export const REDELIVERY_DELAY_MS: readonly [number, number] = [150, 2000];

/** Today's guesses: what the emulator did before the knobs existed. */
export const DEFAULT_KNOBS: Readonly<FirmwareKnobs> = {
  eventMinPulseMs: 0,
  longpushMs: 800,
  longpush: 'held',
  reports: 'per-change',
  expiryReport: true,
  unicastCode: '0.30',
  validity: 'fixed',
  coiotPeriodS: 15,
  mqttRetain: false,
  gen2Mode: 'button',
  gen2Redelivery: 'none',
};

/** The plausible values of every knob (the first is the default). */
export const KNOB_VALUES: { readonly [K in keyof FirmwareKnobs]: readonly FirmwareKnobs[K][] } = {
  eventMinPulseMs: [0, 50, 100],
  longpushMs: [800, 1000],
  longpush: ['held', 'release'],
  reports: ['per-change', 'event-apart', 'batched'],
  expiryReport: [true, false],
  unicastCode: ['0.30', '2.05'],
  validity: ['fixed', 'update-period'],
  coiotPeriodS: [15, 5, 60],
  mqttRetain: [false, true],
  gen2Mode: ['button', 'switch'],
  gen2Redelivery: ['none', 'some', 'all'],
};

export const KNOB_NAMES = Object.keys(KNOB_VALUES) as Array<keyof FirmwareKnobs>;

/** Knobs from defaults and a partial override. */
export function knobs(partial: Partial<FirmwareKnobs> = {}): FirmwareKnobs {
  return { ...DEFAULT_KNOBS, ...partial };
}

/** `key=value` (as on the command line) applied to `into`; throws RangeError naming the knob and its values. */
export function applyKnob(into: Partial<FirmwareKnobs>, text: string): Partial<FirmwareKnobs> {
  const m = /^([A-Za-z0-9]+)=(.+)$/.exec(text.trim());
  const name = m?.[1] as keyof FirmwareKnobs | undefined;
  if (!m || name === undefined || !(name in KNOB_VALUES))
    throw new RangeError(
      `firmware knob must be key=value with key one of ${KNOB_NAMES.join(', ')} (got ${text})`,
    );
  const raw = m[2] as string;
  const sample = DEFAULT_KNOBS[name];
  let value: unknown = raw;
  if (typeof sample === 'number') {
    value = Number(raw);
    if (!Number.isFinite(value as number) || (value as number) < 0)
      throw new RangeError(`${name}: a number ≥ 0 (got ${raw})`);
    if (name === 'coiotPeriodS' && (value as number) <= 0) throw new RangeError('coiotPeriodS: a number > 0');
  } else if (typeof sample === 'boolean') {
    if (raw !== 'true' && raw !== 'false') throw new RangeError(`${name}: true or false (got ${raw})`);
    value = raw === 'true';
  } else if (!(KNOB_VALUES[name] as readonly unknown[]).includes(raw)) {
    throw new RangeError(`${name}: one of ${KNOB_VALUES[name].join(', ')} (got ${raw})`);
  }
  return { ...into, [name]: value };
}

const KNOB_HELP: { readonly [K in keyof FirmwareKnobs]: string } = {
  eventMinPulseMs: 'pulses shorter than this step no event_cnt (0: every pulse counts)',
  longpushMs: 'longpush_time',
  longpush: 'L reported while held at longpush_time, or at the release',
  reports: 'rise and release+event in two reports, event in a third, or changes batched 150 ms',
  expiryReport: 'a report when the event clears after 5 s',
  unicastCode: 'CoAP code of unicast (coiot_peer) publishes',
  validity: 'option 3412: always 15 s, or the update period',
  coiotPeriodS: 'coiot.update_period: periodic re-send of the last report',
  mqttRetain: 'Gen1 mqtt_retain: every publish retained',
  gen2Mode: 'Plus input type: button events, or switch NotifyStatus',
  gen2Redelivery: 'Plus QoS 1 copies (same ts, 0.15-2 s late) of no, some or all notifications',
};

/** One line per knob: name, plausible values (the default first), meaning (for `--help`). */
export function describeKnobs(): string {
  return KNOB_NAMES.map((k) => `  ${`${k}=${KNOB_VALUES[k].join('|')}`.padEnd(40)} ${KNOB_HELP[k]}`).join(
    '\n',
  );
}

/** Compact `key=value` list of the knobs that differ from the defaults (`defaults` when none). */
export function formatKnobs(k: FirmwareKnobs): string {
  const changed = KNOB_NAMES.filter((name) => k[name] !== DEFAULT_KNOBS[name]).map(
    (name) => `${name}=${String(k[name])}`,
  );
  return changed.length > 0 ? changed.join(' ') : 'defaults';
}

/**
 * What a decoder tells the detector: one observation of one input of one Shelly, already stripped of its wire
 * format. Every field is optional apart from the address, because each path reports a different subset.
 */
export type Path = 'coiot' | 'mqtt';

export interface Evidence {
  device: string;
  /** 0-based input index (IN_1 is 0). */
  input: number;
  via: Path;
  /** Logical input level as the Shelly reports it (CoIoT 2101, MQTT `input/<i>`, Gen2 state/btn_down/btn_up). */
  level?: boolean;
  /**
   * `level` comes from a change notification (Gen2 `btn_down`/`btn_up`, or `NotifyStatus` with `state`, which is
   * sent on change), not a state report: it changed just now.
   */
  edge?: boolean;
  /** `level` comes from a full snapshot (Gen2 `NotifyFullStatus`): it may end a press but never starts one. */
  snapshot?: boolean;
  /** Gen2: the device's own time of the notification (`ts`, seconds), to order and match notifications. */
  ts?: number;
  /** Gen2: identifies the notification (component, event or state, `ts`): a QoS 1 re-delivery has the same key. */
  key?: string;
  /**
   * CoIoT status serial (option 3420) of the report: +1 per new report, so a gap means reports were lost (and a
   * counter jump in this report spans presses whose own reports were lost).
   */
  serial?: number;
  /** Gen1 absolute event counter (uint16, RAM only on the device, resets at reboot) and the event letter. */
  counter?: { value: number; event: string };
  /**
   * Gen2 push events (`single_push` = 1, `double_push` = 2, …): presses the device says were completed, at
   * device time `ts`. `key` identifies the notification so a repeated copy is not counted twice.
   */
  completed?: { presses: number; key: string };
}

/** Device-level observations that are not about one input. */
export interface DeviceNotice {
  device: string;
  via: Path;
  online?: boolean;
  /** CoIoT validity of this report in seconds (option 3412), or the MQTT update period. */
  validityS?: number;
  /** ADC volts (CoIoT 3118, MQTT `adc/<i>`). */
  adcVolts?: number;
  /** CoIoT status serial (option 3420, read little-endian): +1 per new report, so a gap is a lost report. */
  serial?: number;
}

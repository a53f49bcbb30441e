import type { Evidence } from '../detect/evidence.ts';
import { decodeCoiot } from '../protocol/coiot-packet.ts';
import { knownSensorMap } from '../protocol/coiot-sensors.ts';
import { decodeStatus } from '../protocol/coiot-status.ts';
import { decodeMqtt } from '../protocol/mqtt-gen2.ts';

export type Path = 'coiot' | 'mqtt';

/** One change on one path, `t` in ms on the watch's clock. */
export interface Seen {
  t: number;
  via: Path;
  input: number;
  /** `high`, `low`, an event counter step, or a Gen2 push. */
  what: string;
}

interface PathState {
  level?: boolean;
  count?: number;
}

/**
 * What one doorbell's Shelly says during `test-press`, path by path: level changes, event counter steps and
 * Gen2 pushes of the watched input, when each came, and what they make of the press (its start, its hold).
 * Periodic re-reports that change nothing are heard (`heard`) but not listed.
 */
export class PressWatch {
  readonly seen: Seen[] = [];
  readonly heard = { coiot: 0, mqtt: 0 };
  /** Event counter steps seen per path. */
  readonly steps = { coiot: 0, mqtt: 0 };
  private readonly state = new Map<Path, PathState>();
  private riseMs: number | undefined;
  private fallMs: number | undefined;

  constructor(
    readonly device: string,
    readonly input: number,
    private readonly onSeen: (seen: Seen) => void = () => {},
  ) {}

  coiot(bytes: Buffer, nowMs: number): void {
    try {
      const message = decodeCoiot(bytes);
      if (message.deviceId !== this.device) return;
      const map = knownSensorMap(message.deviceType);
      if (!map) return;
      this.heard.coiot++;
      this.evidence('coiot', decodeStatus(message, map).evidence, nowMs);
    } catch {
      // not a status of this device
    }
  }

  mqtt(topic: string, payload: Buffer, retained: boolean, nowMs: number): void {
    if (retained) return;
    try {
      const decoded = decodeMqtt(topic, payload);
      if (!decoded) return;
      const mine = decoded.evidence.filter((e) => e.device === this.device);
      if (mine.length > 0 || decoded.notices.some((n) => n.device === this.device)) this.heard.mqtt++;
      this.evidence('mqtt', mine, nowMs);
    } catch {
      // a payload no Shelly sends
    }
  }

  /** When the press began (the first rise or counter step on any path), or undefined. */
  get pressMs(): number | undefined {
    return this.riseMs;
  }

  /** When the input fell again after the press, or undefined. */
  get releaseMs(): number | undefined {
    return this.fallMs;
  }

  /** Seconds the input stayed high, when both edges were heard. */
  get holdS(): number | undefined {
    return this.riseMs === undefined || this.fallMs === undefined
      ? undefined
      : (this.fallMs - this.riseMs) / 1000;
  }

  private evidence(via: Path, evidence: readonly Evidence[], nowMs: number): void {
    for (const e of evidence) {
      if (e.input !== this.input) continue;
      const state = this.state.get(via) ?? {};
      this.state.set(via, state);
      if (e.level !== undefined && e.level !== state.level) {
        // The first report only sets the baseline, unless it already says high: then the press is what woke it.
        if (state.level !== undefined || e.level) this.note(via, e.level ? 'high' : 'low', nowMs);
        if (e.level) this.riseMs ??= nowMs;
        else if (this.riseMs !== undefined) this.fallMs ??= nowMs;
        state.level = e.level;
      }
      if (e.counter && e.counter.value !== state.count) {
        // Gen1 MQTT sends input_event only for an event (FW ≥ 1.10); CoIoT repeats the counter in every report.
        if (state.count !== undefined || (via === 'mqtt' && e.counter.event !== '')) {
          this.steps[via]++;
          const from = state.count === undefined ? '' : `${state.count} → `;
          this.note(via, `event ${e.counter.event || '""'}, event_cnt ${from}${e.counter.value}`, nowMs);
          this.riseMs ??= nowMs;
        }
        state.count = e.counter.value;
      }
      if (e.completed) {
        this.steps[via] += e.completed.presses;
        this.note(via, `push ×${e.completed.presses}`, nowMs);
        this.riseMs ??= nowMs;
      }
    }
  }

  private note(via: Path, what: string, t: number): void {
    const seen = { t, via, input: this.input, what };
    this.seen.push(seen);
    this.onSeen(seen);
  }
}

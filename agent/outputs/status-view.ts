import type { DeviceConfig } from '../config/schema.ts';
import { channelKey } from '../core/channel-key.ts';
import type { RingEvent } from '../core/events.ts';
import type { HealthRecord } from '../health/record.ts';

/** Rings kept per doorbell for the status page. */
export const RECENT_RINGS = 8;

export interface RingView {
  tMs: number;
  pressId: string;
  via: string;
  recovered: boolean;
  /** false: decided, but the broker has not acknowledged it yet (it waits in the outbox). */
  delivered: boolean;
}

/** One doorbell as the status page shows it. */
export interface DoorbellView {
  /** Position in `devices`: names the card and the plot (`plots/<index>.svg`). */
  index: number;
  device: string;
  input: number;
  name: string;
  chime: string;
  /** null: the health monitors have no record (health is off, or nothing was ever heard). */
  link: { connected: boolean | null; lastReportMs: number | null; via: string | null } | null;
  presses: number | null;
  rings: RingView[];
  problems: HealthRecord['problems'];
  battery: HealthRecord['battery'];
  /** Relative URL of the wiring-check plot, when the config names one. */
  plot: string | null;
}

export interface StatusView {
  nowMs: number;
  startedMs: number;
  version: string;
  mqttConnected: boolean;
  doorbells: DoorbellView[];
}

/** The rings the broker acknowledged since start, newest first, at most RECENT_RINGS per doorbell. */
export class RecentRings {
  private readonly rings = new Map<string, RingView[]>();

  add(ring: RingEvent): void {
    const key = channelKey(ring.device, ring.input);
    const list = this.rings.get(key) ?? [];
    if (list.some((r) => r.pressId === ring.press_id)) return; // delivered twice (at least once)
    list.unshift({
      tMs: Math.round(ring.t * 1000),
      pressId: ring.press_id,
      via: ring.via,
      recovered: ring.recovered,
      delivered: true,
    });
    list.sort((a, b) => b.tMs - a.tMs);
    this.rings.set(key, list.slice(0, RECENT_RINGS));
  }

  of(device: string, input: number): RingView[] {
    return this.rings.get(channelKey(device, input)) ?? [];
  }
}

/**
 * Everything the page shows, from the config, the health records and the delivered rings. The health record's
 * last ring is added when it is not among the delivered ones: from before the agent started, or still queued.
 */
export function statusView(input: {
  devices: readonly DeviceConfig[];
  records: readonly HealthRecord[];
  recent: RecentRings;
  nowMs: number;
  startedMs: number;
  version: string;
  mqttConnected: boolean;
}): StatusView {
  const byKey = new Map(input.records.map((r) => [channelKey(r.device, r.input), r]));
  const doorbells = input.devices.map((device, index): DoorbellView => {
    const record = byKey.get(channelKey(device.id, device.input));
    const rings = [...input.recent.of(device.id, device.input)];
    const last = record?.lastRing;
    if (last && !rings.some((r) => r.pressId === last.pressId)) {
      rings.push({ ...last, delivered: last.tMs < input.startedMs });
      rings.sort((a, b) => b.tMs - a.tMs);
    }
    return {
      index,
      device: device.id,
      input: device.input,
      name: device.name,
      chime: device.chime.mode === 'electronic' ? `electronic, ${device.chime.duration_s} s` : 'mechanical',
      link: record
        ? { connected: record.connected, lastReportMs: record.lastReportMs, via: record.lastReportVia }
        : null,
      presses: record?.presses ?? null,
      rings: rings.slice(0, RECENT_RINGS),
      problems: record?.problems ?? [],
      battery: record?.battery ?? null,
      plot: device.wiring_plot ? `plots/${index}.svg` : null,
    };
  });
  return {
    nowMs: input.nowMs,
    startedMs: input.startedMs,
    version: input.version,
    mqttConnected: input.mqttConnected,
    doorbells,
  };
}

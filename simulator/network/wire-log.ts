import { parse } from 'coap-packet';
import type { CoiotSend } from '../emulator/coiot-node.ts';
import type { MqttSend } from '../emulator/mqtt-send.ts';

export type WirePath = 'coiot' | 'mqtt';

/**
 * One thing a device put on the wire (before the network did anything to it), and what it says about input 0,
 * read from the bytes with the simulator's own parsing (never the agent's decoders).
 */
export interface Emission {
  id: number;
  device: number;
  path: WirePath;
  /** Device time of the report (ms, scheduler clock). */
  atMs: number;
  /** The device's power cycle when it sent this (0 = first boot). */
  boot: number;
  /** What identifies it on arrival: the datagram (hex) or topic + payload. */
  key: string;
  level?: 0 | 1;
  /** Gen1 `event_cnt` of input 0. */
  count?: number;
  /** Plus: an edge notification (btn_down/btn_up, or NotifyStatus in switch mode) or a push, with its `ts`. */
  gen2?: { kind: 'edge' | 'push'; ts: number };
  /** A QoS 1 re-delivery of this earlier emission (same payload). */
  copyOf?: number;
}

export interface Arrival {
  emission: Emission;
  /** When the agent received it (ms, same clock as the emissions). */
  atMs: number;
}

export function mqttKey(topic: string, payload: string): string {
  return `${topic}\u0000${payload}`;
}

/** What a send says about input 0 (nothing for replies, announces, other inputs). */
export function readSend(
  path: WirePath,
  send: CoiotSend | MqttSend,
): Pick<Emission, 'key' | 'level' | 'count' | 'gen2'> {
  if (path === 'coiot') {
    const { bytes, kind } = send as CoiotSend;
    const key = bytes.toString('hex');
    if (kind === 'reply') return { key };
    const g = (JSON.parse(parse(bytes).payload.toString()) as { G: Array<[number, number, unknown]> }).G;
    const value = (id: number) => g.find((t) => t[1] === id)?.[2];
    return { key, level: value(2101) === 1 ? 1 : 0, count: Number(value(2103)) };
  }
  const { topic, payload } = send as MqttSend;
  const key = mqttKey(topic, payload);
  if (/^shellies\/[^/]+\/input\/0$/.test(topic)) return { key, level: payload === '1' ? 1 : 0 };
  if (/^shellies\/[^/]+\/input_event\/0$/.test(topic))
    return { key, count: (JSON.parse(payload) as { event_cnt: number }).event_cnt };
  if (!topic.endsWith('/events/rpc')) return { key };
  const frame = JSON.parse(payload) as {
    method: string;
    params: Record<string, unknown> & { ts: number };
  };
  if (frame.method === 'NotifyStatus') {
    const input = frame.params['input:0'] as { state?: boolean } | undefined;
    if (typeof input?.state !== 'boolean') return { key };
    return { key, level: input.state ? 1 : 0, gen2: { kind: 'edge', ts: frame.params.ts } };
  }
  const events = (frame.params.events ?? []) as Array<{ component: string; event: string; ts: number }>;
  const e = events.find((x) => x.component === 'input:0');
  if (!e) return { key };
  if (e.event === 'btn_down' || e.event === 'btn_up')
    return { key, level: e.event === 'btn_down' ? 1 : 0, gen2: { kind: 'edge', ts: e.ts } };
  return { key, gen2: { kind: 'push', ts: e.ts } };
}

interface SentCopy {
  emission: Emission;
  sentMs: number;
  taken: boolean;
}

/** How long a sent MQTT copy may take to reach the agent through the broker and still be matched to it. */
const MQTT_MATCH_MS = 1500;

/**
 * Everything the devices emitted, every copy the network then delivered onwards, and what the agent received,
 * matched back to its emission: a CoIoT datagram by its bytes (unique per emission: the message id changes), an
 * MQTT message by topic and payload, first sent first matched, among the copies sent since the agent's last
 * restart began (a copy sent before a restart and not received by then is lost with the old connection).
 */
export class WireLog {
  readonly emissions: Emission[] = [];
  readonly arrivals: Arrival[] = [];
  private readonly sentByKey = new Map<string, SentCopy[]>();
  private readonly restarts: number[] = [];

  emitted(device: number, path: WirePath, send: CoiotSend | MqttSend, atMs: number, boot: number): Emission {
    const read = readSend(path, send);
    const original =
      path === 'mqtt' && (send as MqttSend).redelivery
        ? [...this.emissions]
            .reverse()
            .find((e) => e.device === device && e.key === read.key && e.copyOf === undefined)
        : undefined;
    const emission: Emission = {
      id: this.emissions.length,
      device,
      path,
      atMs,
      boot,
      ...read,
      ...(original !== undefined && { copyOf: original.id }),
    };
    this.emissions.push(emission);
    return emission;
  }

  /** A copy of `emission` left the network towards the agent at `sentMs`. */
  sent(emission: Emission, sentMs: number): void {
    const list = this.sentByKey.get(emission.key) ?? [];
    list.push({ emission, sentMs, taken: false });
    this.sentByKey.set(emission.key, list);
  }

  agentRestart(atMs: number): void {
    this.restarts.push(atMs);
  }

  /** The agent received `key` at `atMs`; retained replays are not evidence and are not matched. */
  arrived(path: WirePath, key: string, atMs: number, retained = false): Arrival | null {
    if (retained) return null;
    const list = this.sentByKey.get(key);
    if (!list) return null;
    let copy: SentCopy | undefined;
    // A datagram is one emission however many copies the network made of it.
    if (path === 'coiot') copy = list[0];
    else {
      const cut = this.restarts.filter((r) => r <= atMs).at(-1) ?? Number.NEGATIVE_INFINITY;
      copy = list.find(
        (c) => !c.taken && c.sentMs >= cut && c.sentMs <= atMs + 5 && atMs - c.sentMs <= MQTT_MATCH_MS,
      );
    }
    if (!copy) return null;
    copy.taken = true;
    const arrival = { emission: copy.emission, atMs };
    this.arrivals.push(arrival);
    return arrival;
  }

  /** Arrivals of one device, in the order they arrived. */
  arrivalsOf(device: number): Arrival[] {
    return this.arrivals.filter((a) => a.emission.device === device).sort((a, b) => a.atMs - b.atMs);
  }

  get restartTimes(): readonly number[] {
    return this.restarts;
  }
}

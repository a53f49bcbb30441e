import type { Evidence } from '../detect/evidence.ts';
import { decodeCoiot } from '../protocol/coiot-packet.ts';
import { knownSensorMap } from '../protocol/coiot-sensors.ts';
import { decodeStatus } from '../protocol/coiot-status.ts';
import { decodeMqtt } from '../protocol/mqtt-gen2.ts';

/** What was heard of one input while listening. */
export interface HeardInput {
  level?: boolean;
  /** Level changes seen. */
  edges: number;
  firstCount?: number;
  count?: number;
}

/** One Shelly heard on CoIoT or MQTT. */
export interface HeardShelly {
  id: string;
  gen: 'gen1' | 'gen2';
  model?: string;
  /** The address its CoIoT came from, or the one it announced. */
  address?: string;
  firmware?: string;
  via: Set<'coiot' | 'mqtt'>;
  inputs: Map<number, HeardInput>;
}

const UNI_MODELS = new Set(['SHUNI-1', 'SNSN-0043X']);
/** Gen2 devices say their model nowhere on MQTT but in their id. */
const GEN2_MODELS: Record<string, string> = { shellyplusuni: 'SNSN-0043X' };

export function isUni(shelly: HeardShelly): boolean {
  return (
    (shelly.model !== undefined && UNI_MODELS.has(shelly.model)) || /^shelly(plus)?uni-/i.test(shelly.id)
  );
}

/** Inputs whose level changed or whose event counter stepped while listening. */
export function changedInputs(shelly: HeardShelly): number[] {
  return [...shelly.inputs]
    .filter(([, i]) => i.edges > 0 || (i.count !== undefined && i.count !== i.firstCount))
    .map(([n]) => n)
    .sort((a, b) => a - b);
}

/** Everything heard while `discover` listens, by device id. Junk is ignored: this only lists. */
export class HeardShellys {
  private readonly byId = new Map<string, HeardShelly>();

  coiot(bytes: Buffer, source: string): void {
    try {
      const message = decodeCoiot(bytes);
      const shelly = this.get(message.deviceId, 'gen1');
      shelly.via.add('coiot');
      shelly.model = message.deviceType;
      shelly.address = source.replace(/:\d+$/, '');
      const map = knownSensorMap(message.deviceType);
      if (map) this.evidence(shelly, decodeStatus(message, map).evidence);
    } catch {
      // not a CoIoT status: nothing to list
    }
  }

  mqtt(topic: string, payload: Buffer): void {
    try {
      const decoded = decodeMqtt(topic, payload);
      if (!decoded) return;
      const gen = topic.startsWith('shellies/') ? 'gen1' : 'gen2';
      if (decoded.announce) {
        const a = decoded.announce;
        const shelly = this.get(a.id, 'gen1');
        shelly.via.add('mqtt');
        if (a.model !== undefined) shelly.model = a.model;
        if (a.ip !== undefined) shelly.address ??= a.ip;
        if (a.fwVer !== undefined) shelly.firmware = a.fwVer;
      }
      for (const notice of decoded.notices) {
        if (/^shelly/i.test(notice.device)) this.get(notice.device, gen).via.add('mqtt');
      }
      const shellyEvidence = decoded.evidence.filter((e) => /^shelly/i.test(e.device));
      for (const e of shellyEvidence) this.get(e.device, gen).via.add('mqtt');
      for (const e of shellyEvidence) this.evidence(this.get(e.device, gen), [e]);
    } catch {
      // a topic we read with a payload no Shelly sends: not listed
    }
  }

  /** Unis first, then by id. */
  list(): HeardShelly[] {
    return [...this.byId.values()].sort(
      (a, b) => Number(isUni(b)) - Number(isUni(a)) || a.id.localeCompare(b.id),
    );
  }

  private get(id: string, gen: 'gen1' | 'gen2'): HeardShelly {
    let shelly = this.byId.get(id);
    if (!shelly) {
      const prefix = id.split('-')[0]?.toLowerCase() ?? '';
      shelly = { id, gen, via: new Set(), inputs: new Map() };
      const model = GEN2_MODELS[prefix];
      if (model !== undefined) shelly.model = model;
      if (/^shelly(plus|pro|mini)/i.test(id)) shelly.gen = 'gen2';
      this.byId.set(id, shelly);
    }
    return shelly;
  }

  private evidence(shelly: HeardShelly, evidence: readonly Evidence[]): void {
    for (const e of evidence) {
      let input = shelly.inputs.get(e.input);
      if (!input) {
        input = { edges: 0 };
        shelly.inputs.set(e.input, input);
      }
      if (e.level !== undefined) {
        if (input.level !== undefined && input.level !== e.level) input.edges++;
        else if (e.edge === true && input.level === undefined) input.edges++;
        input.level = e.level;
      }
      if (e.counter) {
        input.firstCount ??= e.counter.value;
        input.count = e.counter.value;
      }
      if (e.completed) input.edges++;
    }
  }
}

/** The listing: one line per Shelly, Unis marked `*`, and what to do next. */
export function heardLines(heard: readonly HeardShelly[]): string[] {
  const rows = heard.map((h) => {
    const changed = changedInputs(h);
    return [
      isUni(h) ? '*' : ' ',
      h.id,
      h.model ?? '?',
      h.gen,
      h.address ?? '(address unknown)',
      h.firmware ? `fw ${h.firmware}` : '',
      `via ${[...h.via].sort().join('+')}`,
      changed.length > 0 ? `input ${changed.join(', ')} changed` : '',
    ];
  });
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

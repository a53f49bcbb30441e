import { readdirSync, readFileSync } from 'node:fs';
import { generate } from 'coap-packet';
import { MAX_DATAGRAM_BYTES } from '../../../agent/protocol/coiot-packet.ts';

/** Captures with their provenance notes (`test/fixtures/shelly/README.md`). */
export const SHELLY_FIXTURES = new URL('../../fixtures/shelly/', import.meta.url);
/** The example traces of `docs/trace-format.md`. */
export const CONTRACT_EXAMPLES = new URL('../../../examples/traces/', import.meta.url);

export function fixtureText(name: string): string {
  return readFileSync(new URL(name, SHELLY_FIXTURES), 'utf8');
}

export function fixtureJson(name: string): unknown {
  return JSON.parse(fixtureText(name));
}

/** Every packet of every `*.hex` fixture, by label. */
export function hexPackets(): Map<string, Buffer> {
  const packets = new Map<string, Buffer>();
  for (const file of readdirSync(SHELLY_FIXTURES).filter((f) => f.endsWith('.hex'))) {
    for (const line of fixtureText(file).split('\n')) {
      const [label, hex] = line.trim().split(/\s+/);
      if (!label || label.startsWith('#') || !hex) continue;
      packets.set(label, Buffer.from(hex, 'hex'));
    }
  }
  return packets;
}

export function hexPacket(label: string): Buffer {
  const p = hexPackets().get(label);
  if (p === undefined) throw new Error(`no fixture packet ${label}`);
  return p;
}

export type TraceLine =
  | { t: number; kind: 'coiot'; src: string; hex: string }
  | { t: number; kind: 'mqtt'; topic: string; payload: string; retain?: boolean }
  | { t: number; kind: 'agent-restart' | 'end' };

/** Lines of the contract example traces, by file name. */
export function contractTraces(): Map<string, TraceLine[]> {
  const traces = new Map<string, TraceLine[]>();
  for (const file of readdirSync(CONTRACT_EXAMPLES).filter((f) => f.endsWith('.jsonl'))) {
    const text = readFileSync(new URL(file, CONTRACT_EXAMPLES), 'utf8');
    traces.set(
      file,
      text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as TraceLine),
    );
  }
  return traces;
}

export interface StatusDatagram {
  messageId?: number;
  code?: '0.30' | '2.05';
  devid?: string;
  validity?: Buffer;
  serial?: number;
  payload: string;
}

/** A SHUNI-1 publish in the real layout (Uri-Path cit/s, 3332, 3412 `96 00`, 3420 little-endian). */
export function shuniDatagram(d: StatusDatagram): Buffer {
  const serial = Buffer.alloc(2);
  serial.writeUInt16LE(d.serial ?? 1);
  const code = d.code ?? '0.30';
  return generate(
    {
      confirmable: false,
      code,
      messageId: d.messageId ?? 1,
      token: Buffer.alloc(0),
      options: [
        ...(code === '0.30'
          ? [
              { name: 'Uri-Path' as const, value: Buffer.from('cit') },
              { name: 'Uri-Path' as const, value: Buffer.from('s') },
            ]
          : []),
        { name: '3332', value: Buffer.from(d.devid ?? 'SHUNI-1#AABBCC112233#2') },
        { name: '3412', value: d.validity ?? Buffer.from([0x96, 0x00]) },
        { name: '3420', value: serial },
      ],
      payload: Buffer.from(d.payload),
    },
    MAX_DATAGRAM_BYTES,
  );
}

export const IDLE_G =
  '{"G":[[0,9103,0],[0,1101,0],[0,1201,0],[0,2101,0],[0,2102,""],[0,2103,0],[0,2201,0],[0,2202,""],[0,2203,0],[0,3118,0]]}';

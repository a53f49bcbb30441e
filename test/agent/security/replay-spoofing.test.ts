import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../agent/config/schema.ts';
import type { AgentEvent } from '../../../agent/core/events.ts';
import { silentLogger } from '../../../agent/core/logger.ts';
import { replayTrace } from '../../../agent/runtime/replay.ts';
import { encodeStatus, shuniValues } from '../../../simulator/emulator/coiot-encode.ts';

const MAC = '98CDAC25ABCD';
const ID = `shellyuni-${MAC}`;

function status(serial: number, level: boolean, count: number): string {
  return encodeStatus({
    deviceType: 'SHUNI-1',
    mac: MAC,
    messageId: serial,
    serial,
    values: shuniValues({
      inputs: [
        { level, event: count > 0 ? 'S' : '', count },
        { level: false, event: '', count: 0 },
      ],
    }),
  }).toString('hex');
}

const line = (t: number, src: string, hex: string) => JSON.stringify({ kind: 'coiot', t, src, hex });

async function replay(lines: string[], config = configSchema.parse({ devices: [{ id: ID }] })) {
  const events: AgentEvent[] = [];
  await replayTrace({ config, lines, emit: (e) => events.push(e), warn: () => {}, log: silentLogger });
  return events;
}

describe('replay: address pins from the first contact in the trace', () => {
  it('prints a spoofed problem and no ring for a press forged from another address', async () => {
    const events = await replay([
      line(0, '192.168.1.20:5683', status(1, false, 0)),
      line(5, '192.168.1.66:5683', status(2, true, 0)),
      line(5.2, '192.168.1.66:5683', status(3, false, 1)),
      line(10, '192.168.1.20:5683', status(4, true, 0)),
      line(10.2, '192.168.1.20:5683', status(5, false, 1)),
      JSON.stringify({ kind: 'agent-restart', t: 12 }),
      // Pins outlive a restart: first contact after it does not re-pin.
      line(14, '192.168.1.66:5683', status(6, true, 1)),
      JSON.stringify({ kind: 'end', t: 20 }),
    ]);
    expect(events.filter((e) => e.type === 'ring')).toEqual([
      expect.objectContaining({ type: 'ring', t: 10, device: ID, recovered: false }),
    ]);
    expect(events.filter((e) => e.type === 'problem')).toEqual([
      {
        type: 'problem',
        t: 5,
        device: ID,
        problem: 'spoofed',
        on: true,
        detail: 'CoIoT from 192.168.1.66, device pinned to 192.168.1.20',
      },
    ]);
  });

  it('uses devices[].address when configured, and can be switched off', async () => {
    const pinned = configSchema.parse({ devices: [{ id: ID, address: '192.168.1.30' }] });
    const first = await replay([line(0, '192.168.1.20:5683', status(1, false, 0))], pinned);
    expect(first.map((e) => e.type)).toEqual(['problem']);
    const off = configSchema.parse({ devices: [{ id: ID }], security: { pin_addresses: false } });
    const events = await replay(
      [line(0, '192.168.1.20:5683', status(1, false, 0)), line(5, '192.168.1.66:5683', status(2, true, 0))],
      off,
    );
    expect(events.map((e) => e.type)).toEqual(['ring']);
  });
});

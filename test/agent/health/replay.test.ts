import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../agent/config/schema.ts';
import type { AgentEvent } from '../../../agent/core/events.ts';
import { silentLogger } from '../../../agent/core/logger.ts';
import { replayTrace } from '../../../agent/runtime/replay.ts';
import { DEVICE, UniCoiot } from './harness.ts';

describe('replay prints the contract problem and battery events', () => {
  it('offline raised during a silence and cleared after it, battery from the ADC, across a restart', async () => {
    const uni = new UniCoiot();
    const line = (t: number, bytes: Buffer) =>
      JSON.stringify({ t, kind: 'coiot', src: '192.168.1.51:5683', hex: bytes.toString('hex') });
    const lines = [
      line(1, uni.change({ adcVolts: 1.3 })),
      line(16, uni.packet()),
      line(31, uni.packet()),
      // silent from 31 s: offline at 31 + 33 s
      line(100, uni.packet()),
      JSON.stringify({ t: 101, kind: 'agent-restart' }),
      line(115, uni.packet()),
      JSON.stringify({ t: 200, kind: 'end' }),
    ];
    const events: AgentEvent[] = [];
    await replayTrace({
      config: configSchema.parse({ devices: [{ id: DEVICE, battery: { adc: true } }] }),
      lines,
      emit: (e) => events.push(e),
      warn: () => {},
      log: silentLogger,
    });
    expect(events).toEqual([
      { type: 'battery', t: 1, device: DEVICE, percent: 60, volts: 1.3, basis: 'adc' },
      expect.objectContaining({ type: 'problem', t: 64, problem: 'offline', on: true }),
      expect.objectContaining({ type: 'problem', t: 100, problem: 'offline', on: false }),
      // After the restart the monitor starts afresh: the next report gives the battery again, then silence.
      { type: 'battery', t: 115, device: DEVICE, percent: 60, volts: 1.3, basis: 'adc' },
      expect.objectContaining({ type: 'problem', t: 148, problem: 'offline', on: true }),
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { runDoorbell } from '../../simulator/network/doorbell-run.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { TcpGate } from '../helpers/tcp-gate.ts';

/**
 * A scripted broker outage in the whole chain: the broker becomes unreachable between presses (every connection
 * to it dropped, new ones refused) and comes back. Presses made meanwhile are queued in the agent's outbox and
 * reach the subscriber once it is back. The outage is a gate in front of a mosquitto that keeps running: a
 * restarted mosquitto (persistent, stopped with SIGTERM) lost the rings it took for the subscriber's persistent
 * session, under load, on the code before and after the agent's early publish alike (the agent's part: connection
 * lost, reconnect refused, then accepted, is the same through the gate).
 */
describe('end to end: broker outage', () => {
  it('Gen1 over CoIoT: every press rings exactly once, those made during the outage after it', async () => {
    const broker = await startMosquitto({ persistent: true });
    const gate = await TcpGate.open({ host: '127.0.0.1', port: broker.port });
    try {
      const result = await runDoorbell({
        gen: 'gen1',
        paths: 'coiot',
        devices: 2,
        presses: [
          [
            { atS: 0, holdS: 0.3 },
            { atS: 2.5, holdS: 0.3 },
            { atS: 6.5, holdS: 0.3 },
          ],
          [
            { atS: 0.4, holdS: 0.2 },
            { atS: 3.0, holdS: 0.5 },
          ],
        ],
        chime: { mode: 'mechanical' },
        script: [{ atS: 1.5, action: 'broker-outage', durationS: 3 }],
        seed: 77,
        broker: { url: gate.url, stop: () => gate.cut(), start: () => gate.restore() },
        baseTopic: `e2e-outage-${process.pid}`,
        coiotPeriodS: 2,
        eventLifetimeS: 1,
        tailS: 3,
      });
      expect(result.violations).toEqual([]);
      expect(result.rings).toHaveLength(5);
      expect(new Set(result.rings.map((r) => r.payload.press_id)).size).toBe(5);
    } finally {
      await gate.cut();
      await broker.stop();
    }
  }, 90_000);
});

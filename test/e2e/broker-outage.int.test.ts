import { describe, expect, it } from 'vitest';
import { runDoorbell } from '../../simulator/network/doorbell-run.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';

/**
 * A scripted broker outage in the whole chain: a real mosquitto is stopped between presses and started again.
 * Presses made while it is down are queued in the agent's outbox and reach the subscriber once it is back.
 */
describe('end to end: broker outage', () => {
  it('Gen1 over CoIoT: every press rings exactly once, those made during the outage after it', async () => {
    const broker = await startMosquitto({ persistent: true });
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
        broker: { url: broker.url, stop: broker.stop, start: broker.start },
        baseTopic: `e2e-outage-${process.pid}`,
        coiotPeriodS: 2,
        eventLifetimeS: 1,
        tailS: 3,
      });
      expect(result.violations).toEqual([]);
      expect(result.rings).toHaveLength(5);
      expect(new Set(result.rings.map((r) => r.payload.press_id)).size).toBe(5);
    } finally {
      await broker.stop();
    }
  }, 90_000);
});

import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../agent/core/logger.ts';
import { type SensorMap, SHUNI1_SENSORS } from '../../../agent/protocol/coiot-sensors.ts';
import { loadCoiotDescription } from '../../../agent/runtime/cit-d-loader.ts';
import type { Pipeline } from '../../../agent/runtime/pipeline.ts';
import { serversClosedAfterEach } from '../../helpers/http-servers.ts';
import { fixtureText } from '../protocol/fixtures.ts';

const CIT_D = JSON.stringify(JSON.parse(fixtureText('shuni-1.cit-d.json')));
const { slowFleet } = serversClosedAfterEach();

describe('loadCoiotDescription', () => {
  it("fetches the /cit/d of every Uni of a fleet's first contact, a few at a time, and drops none", async () => {
    const FLEET = 20;
    const ids = Array.from({ length: FLEET }, (_, i) => `shellyuni-98CDAC0000${String(i).padStart(2, '0')}`);
    const fleet = await slowFleet(FLEET, () => CIT_D);
    const learnt = new Map<string, SensorMap>();
    const pipeline = {
      setSensorMap: (id: string, map: SensorMap) => learnt.set(id, map),
    } as unknown as Pipeline;
    const heard = loadCoiotDescription(
      () => pipeline,
      silentLogger,
      (id) => fleet.ports[ids.indexOf(id)] ?? 80,
      () => false,
    );

    for (const id of ids) heard(id, 'SHUNI-1', '127.0.0.1');
    heard(ids[0] as string, 'SHUNI-1', '127.0.0.1'); // heard again while its fetch runs: not fetched twice
    for (let i = 0; i < 500 && learnt.size < FLEET; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));

    expect([...learnt.keys()].sort()).toEqual(ids);
    expect([...learnt.values()].every((map) => JSON.stringify(map) === JSON.stringify(SHUNI1_SENSORS))).toBe(
      true,
    );
    expect(fleet.requests()).toBe(FLEET);
    expect(fleet.mostOpen()).toBeGreaterThan(1);
    expect(fleet.mostOpen()).toBeLessThanOrEqual(8);
  });
});

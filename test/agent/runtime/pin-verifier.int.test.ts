import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../agent/core/logger.ts';
import { pinVerifier } from '../../../agent/runtime/pin-verifier.ts';
import { AddressPins } from '../../../agent/security/address-pins.ts';
import { serversClosedAfterEach } from '../../helpers/http-servers.ts';

const { slowFleet } = serversClosedAfterEach();
const macOf = (i: number) => `98CDAC0000${i.toString(16).toUpperCase().padStart(2, '0')}`;

describe('pinVerifier', () => {
  it("checks every Uni of a fleet's first contact over HTTP, a few at a time, and drops none", async () => {
    const FLEET = 20;
    const ids = Array.from({ length: FLEET }, (_, i) => `shellyuni-${macOf(i)}`);
    // Each Uni's `/shelly` on a port of its own (`devices[].address` as host:port), answering after 30 ms.
    const fleet = await slowFleet(FLEET, (i) => JSON.stringify({ type: 'SHUNI-1', mac: macOf(i) }));
    const pins = new AddressPins({ devices: ids.map((id) => ({ id })), discovery: false });
    const verify = pinVerifier({
      pins,
      enabled: true,
      portOf: (id) => fleet.ports[ids.indexOf(id)],
      log: silentLogger,
      isStopped: () => false,
      raise: () => {},
      now: Date.now,
    });

    // The whole fleet heard at once, as when the agent starts beside it.
    for (const id of ids) {
      expect(pins.check(id, '127.0.0.1', 0).kind).toBe('learnt');
      verify(id, '127.0.0.1', 'learnt');
    }
    for (let i = 0; i < 500 && ids.some((id) => pins.pinOf(id)?.source !== 'verified'); i++)
      await new Promise((resolve) => setTimeout(resolve, 10));

    expect(ids.filter((id) => pins.pinOf(id)?.source === 'verified')).toEqual(ids);
    expect(fleet.mostOpen()).toBeGreaterThan(1);
    expect(fleet.mostOpen()).toBeLessThanOrEqual(8);
  });
});

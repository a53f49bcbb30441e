import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../agent/core/logger.ts';
import { pinVerifier } from '../../../agent/runtime/pin-verifier.ts';
import { AddressPins } from '../../../agent/security/address-pins.ts';
import { serversClosedAfterEach } from '../../helpers/http-servers.ts';

const { httpServer } = serversClosedAfterEach();
const macOf = (i: number) => `98CDAC0000${i.toString(16).toUpperCase().padStart(2, '0')}`;

describe('pinVerifier', () => {
  it("checks every Uni of a fleet's first contact over HTTP, a few at a time, and drops none", async () => {
    const FLEET = 20;
    const ids = Array.from({ length: FLEET }, (_, i) => `shellyuni-${macOf(i)}`);
    // Each Uni's `/shelly` on a port of its own (`devices[].address` as host:port), answering after 30 ms.
    let open = 0;
    let mostOpen = 0;
    const ports = new Map<string, number>();
    for (const [i, id] of ids.entries())
      ports.set(
        id,
        await httpServer((_req, res) => {
          mostOpen = Math.max(mostOpen, ++open);
          setTimeout(() => {
            open--;
            res.end(JSON.stringify({ type: 'SHUNI-1', mac: macOf(i) }));
          }, 30);
        }),
      );
    const pins = new AddressPins({ devices: ids.map((id) => ({ id })), discovery: false });
    const verify = pinVerifier({
      pins,
      enabled: true,
      portOf: (id) => ports.get(id),
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
    expect(mostOpen).toBeGreaterThan(1);
    expect(mostOpen).toBeLessThanOrEqual(8);
  });
});

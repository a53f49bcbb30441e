import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AddressPins, macMatchesId, type Pin } from '../../../agent/security/address-pins.ts';

const UNI = 'shellyuni-98CDAC25ABCD';
const OTHER = 'shellyuni-98CDAC25ABCE';

describe('AddressPins', () => {
  it('pins at first contact and drops the same id from another address, raising once per device and interval', () => {
    const changes: Array<Pin | null> = [];
    const pins = new AddressPins({
      devices: [{ id: UNI }],
      discovery: false,
      raiseIntervalMs: 60_000,
      onChange: (_d, pin) => changes.push(pin),
    });
    expect(pins.check(UNI, '10.0.0.5', 0)).toEqual({ kind: 'learnt' });
    expect(changes).toEqual([{ device: UNI, address: '10.0.0.5', source: 'learnt' }]);
    expect(pins.check(UNI, '10.0.0.5', 1)).toEqual({ kind: 'accept' });
    expect(pins.check(UNI, '10.0.0.66', 2)).toEqual({
      kind: 'spoofed',
      pinned: '10.0.0.5',
      raise: true,
      verify: true,
    });
    expect(pins.check(UNI, '10.0.0.66', 3)).toEqual({
      kind: 'spoofed',
      pinned: '10.0.0.5',
      raise: false,
      verify: false,
    });
    // Another address: not checked within 10 s of the check of the first, and no second problem.
    expect(pins.check(UNI, '10.0.0.67', 4)).toMatchObject({ kind: 'spoofed', raise: false, verify: false });
    expect(pins.check(UNI, '10.0.0.66', 60_002)).toMatchObject({
      kind: 'spoofed',
      raise: true,
      verify: true,
    });
    expect(pins.stats.spoofed).toBe(4);
    expect(pins.isDeviceAddress('10.0.0.5')).toBe(true);
    expect(pins.isDeviceAddress('10.0.0.66')).toBe(false);
  });

  it('asks for few HTTP checks however many forged addresses claim a device, and still checks a real move', () => {
    const devices = Array.from({ length: 50 }, (_, i) => ({
      id: `shellyuni-98CDAC25${(0xab00 + i).toString(16).toUpperCase()}`,
    }));
    const pins = new AddressPins({ devices, discovery: false });
    for (const { id } of devices) pins.check(id, '10.0.0.5', 0);
    // A forger: 1,000 datagrams a second for a minute, each from a new address, all claiming the first device.
    let checks = 0;
    for (let i = 0; i < 60_000; i++) {
      const address = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      if ((pins.check(devices[0]!.id, address, 1_000 + i) as { verify?: boolean }).verify) checks++;
    }
    expect(checks).toBeLessThanOrEqual(6); // once in 10 s, not once per address
    expect(checks).toBeGreaterThanOrEqual(5);
    // Every device claimed from new addresses in the same second: ten checks in all in that second.
    const sameSecond = devices.filter(
      ({ id }, i) => (pins.check(id, `10.9.9.${i}`, 70_000) as { verify?: boolean }).verify,
    );
    expect(sameSecond).toHaveLength(10);
    // A device that really moved keeps reporting from its new address: checked at a report 10 s after the last check.
    const moved = devices[0]!.id;
    const verdicts = [80_500, 81_000, 90_999, 91_000].map(
      (t) => (pins.check(moved, '10.0.0.77', t) as { verify?: boolean }).verify,
    );
    expect(verdicts.filter(Boolean)).toHaveLength(1);
  });

  it('uses the configured address from the start', () => {
    const pins = new AddressPins({ devices: [{ id: UNI, address: '10.0.0.9' }], discovery: false });
    expect(pins.check(UNI, '10.0.0.5', 0)).toMatchObject({ kind: 'spoofed', pinned: '10.0.0.9' });
    expect(pins.check(UNI, '10.0.0.9', 0)).toEqual({ kind: 'accept' });
  });

  it('re-pins a device that moved only after HTTP verification at the new address', () => {
    const pins = new AddressPins({ devices: [{ id: UNI, address: '10.0.0.9' }], discovery: false });
    expect(pins.check(UNI, '10.0.0.10', 0).kind).toBe('spoofed');
    pins.refuted(UNI, '10.0.0.10'); // another MAC there: nothing changes
    expect(pins.check(UNI, '10.0.0.10', 1).kind).toBe('spoofed');
    pins.verified(UNI, '10.0.0.10');
    expect(pins.check(UNI, '10.0.0.10', 2)).toEqual({ kind: 'accept' });
    expect(pins.check(UNI, '10.0.0.9', 3).kind).toBe('spoofed');
    expect(pins.stats.repinned).toBe(1);
  });

  it('withdraws a learnt pin that HTTP refutes, so the real device can pin', () => {
    const pins = new AddressPins({ devices: [{ id: UNI }], discovery: false });
    pins.check(UNI, '10.0.0.66', 0); // the forger spoke first
    pins.refuted(UNI, '10.0.0.66');
    expect(pins.check(UNI, '10.0.0.5', 1)).toEqual({ kind: 'learnt' });
  });

  it('restores persisted pins, but a configured address beats a merely learnt one', () => {
    const pins = new AddressPins({
      devices: [{ id: UNI }, { id: OTHER, address: '10.0.0.2' }],
      discovery: false,
    });
    pins.load([
      { device: UNI, address: '10.0.0.1', source: 'learnt' },
      { device: OTHER, address: '10.0.0.3', source: 'learnt' },
      { device: 'shellyuni-000000000000', address: '10.0.0.4', source: 'verified' },
    ]);
    expect(pins.pinOf(UNI)?.address).toBe('10.0.0.1');
    expect(pins.pinOf(OTHER)?.address).toBe('10.0.0.2');
    expect(pins.pinOf('shellyuni-000000000000')).toBeUndefined();
  });

  it('remembers unknown devices only in discovery mode, and only so many', () => {
    const off = new AddressPins({ devices: [], discovery: false });
    expect(off.check('shellyuni-AAAAAAAAAAAA', '10.0.0.1', 0)).toEqual({
      kind: 'unknown',
      discovered: false,
    });
    expect(off.discoveredDevices()).toEqual([]);
    const on = new AddressPins({ devices: [], discovery: true, maxDiscovered: 2 });
    expect(on.check('shellyuni-AAAAAAAAAAAA', '10.0.0.1', 0)).toEqual({ kind: 'unknown', discovered: true });
    expect(on.check('shellyuni-AAAAAAAAAAAA', '10.0.0.1', 1)).toEqual({ kind: 'unknown', discovered: false });
    on.check('shellyuni-BBBBBBBBBBBB', '10.0.0.2', 2);
    on.check('shellyuni-CCCCCCCCCCCC', '10.0.0.3', 3);
    expect(on.discoveredDevices().map((p) => p.device)).toEqual([
      'shellyuni-AAAAAAAAAAAA',
      'shellyuni-BBBBBBBBBBBB',
    ]);
  });

  it('never lets a datagram from an address other than the pin through, and stays bounded (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            device: fc.constantFrom(UNI, OTHER, 'shellyuni-111111111111'),
            address: fc.ipV4(),
            dt: fc.integer({ min: -5_000, max: 700_000 }),
          }),
          { maxLength: 300 },
        ),
        (steps) => {
          const pins = new AddressPins({ devices: [{ id: UNI }, { id: OTHER }], discovery: true });
          let now = 0;
          for (const step of steps) {
            now += step.dt;
            const before = pins.pinOf(step.device)?.address;
            const verdict = pins.check(step.device, step.address, now);
            if (before !== undefined && before !== step.address) expect(verdict.kind).not.toBe('accept');
            if (verdict.kind === 'accept') expect(pins.pinOf(step.device)?.address).toBe(step.address);
          }
          expect(pins.discoveredDevices().length).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});

describe('macMatchesId', () => {
  it('compares the MAC /shelly reports with the one in the id', () => {
    expect(macMatchesId('shellyuni-98CDAC25ABCD', '98CDAC25ABCD')).toBe(true);
    expect(macMatchesId('shellyuni-98CDAC25ABCD', '98:cd:ac:25:ab:cd')).toBe(true);
    expect(macMatchesId('shellyplusuni-e465b847ca44', 'E465B847CA44')).toBe(true);
    expect(macMatchesId('shelly1-B929CC', 'A4CF12B929CC')).toBe(true);
    expect(macMatchesId('shellyuni-98CDAC25ABCD', '98CDAC25ABCE')).toBe(false);
    expect(macMatchesId('front-door', '98CDAC25ABCD')).toBe(false);
    expect(macMatchesId('shellyuni-98CDAC25ABCD', 'not a mac')).toBe(false);
  });
});

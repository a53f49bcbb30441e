import { generate } from 'coap-packet';
import { describe, expect, it } from 'vitest';
import { InvalidDatagram } from '../../../agent/core/errors.ts';
import { decodeCoiot, shellyIdFor, validitySeconds } from '../../../agent/protocol/coiot-packet.ts';
import { contractTraces, hexPacket, hexPackets, IDLE_G, shuniDatagram } from './fixtures.ts';

describe('decodeCoiot on real captures', () => {
  it('reads the Shelly i3 publishes: MID, little-endian serial 299/304/305, validity 15 s', () => {
    const [a, b, c] = ['shix3_v1_status_a', 'shix3_v1_status_b', 'shix3_v1_status_c_header_only'].map((l) =>
      decodeCoiot(hexPacket(l)),
    );
    expect(a).toMatchObject({
      code: '0.30',
      messageId: 53816,
      deviceType: 'SHIX3-1',
      mac: 'XXXXXXXXXDF7',
      deviceId: 'shellyix3-XXXXXXXXXDF7',
      protocolVersion: 1,
      validityS: 15,
      serial: 299,
      path: '/cit/s',
    });
    expect(a?.serialBytes).toEqual(Buffer.from([0x2b, 0x01]));
    expect(JSON.parse(a!.payload.toString()).G[0]).toEqual([0, 118, 1]);
    expect([b?.messageId, b?.serial, b?.validityS]).toEqual([53821, 304, 15]);
    expect(JSON.parse(b!.payload.toString()).G[3]).toEqual([0, 119, 'SSS']);
    expect([c?.messageId, c?.serial, c?.payload.length]).toEqual([53822, 305, 0]);
  });

  it('reads a 2.05 /cit/d reply: no Uri-Path, only option 3332, MID echoed', () => {
    const reply = decodeCoiot(hexPacket('shsw1_v1_cit_d_reply'));
    expect(reply).toMatchObject({
      code: '2.05',
      messageId: 10,
      deviceType: 'SHSW-1',
      mac: '8CAAB5054697',
      deviceId: 'shelly1-8CAAB5054697',
      protocolVersion: 1,
      path: '',
    });
    expect(reply.validityS).toBeUndefined();
    expect(reply.serial).toBeUndefined();
    expect(JSON.parse(reply.payload.toString()).sen[0].I).toBe(112);
  });

  it('rejects the GET requests (code 0.01) with InvalidDatagram', () => {
    for (const label of ['pyshelly_get_cit_d', 'aioshelly_get_cit_s']) {
      expect(() => decodeCoiot(hexPacket(label))).toThrow(InvalidDatagram);
      expect(() => decodeCoiot(hexPacket(label))).toThrow(/0\.01/);
    }
  });

  it('reads the synthesized SHUNI-1 publishes', () => {
    const labels = ['shuni1_v2_idle', 'shuni1_v2_pressed', 'shuni1_v2_released_S'];
    const msgs = labels.map((l) => decodeCoiot(hexPacket(l)));
    expect(msgs.map((m) => [m.messageId, m.serial, m.validityS])).toEqual([
      [256, 1, 15],
      [257, 2, 15],
      [258, 3, 15],
    ]);
    for (const m of msgs) {
      expect(m).toMatchObject({
        deviceType: 'SHUNI-1',
        deviceId: 'shellyuni-AABBCC112233',
        mac: 'AABBCC112233',
        protocolVersion: 2,
        path: '/cit/s',
      });
    }
    expect(msgs[0]?.payload.toString()).toBe(IDLE_G);
  });

  it('decodes every datagram of the contract example traces', () => {
    let seen = 0;
    for (const [file, lines] of contractTraces()) {
      for (const line of lines) {
        if (line.kind !== 'coiot') continue;
        const m = decodeCoiot(Buffer.from(line.hex, 'hex'));
        seen++;
        expect(m.deviceType, file).toBe('SHUNI-1');
        expect(m.deviceId, file).toMatch(/^shellyuni-98CDAC25ABC[DE]$/);
        expect(m.validityS, file).toBe(15);
        expect(m.serial, file).toBeGreaterThan(0);
        expect(JSON.parse(m.payload.toString()).G, file).toHaveLength(10);
      }
    }
    expect(seen).toBeGreaterThan(10);
  });

  it('takes a plain Uint8Array as well as a Buffer', () => {
    const bytes = new Uint8Array(hexPacket('shuni1_v2_idle'));
    expect(decodeCoiot(bytes).serial).toBe(1);
  });
});

describe('option 3412/3420 values', () => {
  it('scales validity by its least significant bit', () => {
    expect(validitySeconds(150)).toBe(15);
    expect(validitySeconds(0)).toBe(0);
    expect(validitySeconds(151)).toBe(604);
    expect(validitySeconds(0xffff)).toBe(0xffff * 4);
  });

  it('reads both options little-endian', () => {
    const m = decodeCoiot(
      shuniDatagram({ payload: IDLE_G, validity: Buffer.from([0x2d, 0x00]), serial: 0x1234 }),
    );
    expect(m.validityS).toBe(45 * 4);
    expect(m.serial).toBe(0x1234);
    expect(m.serialBytes).toEqual(Buffer.from([0x34, 0x12]));
  });

  it('accepts 2.05 publishes (unicast firmware) as well as 0.30', () => {
    const m = decodeCoiot(shuniDatagram({ code: '2.05', payload: IDLE_G, serial: 9 }));
    expect([m.code, m.path, m.serial]).toEqual(['2.05', '', 9]);
  });
});

describe('shellyIdFor', () => {
  it('uses the MQTT prefix and an uppercase MAC for known types, the lowercased type otherwise', () => {
    expect(shellyIdFor('SHUNI-1', '98cdac25abcd')).toBe('shellyuni-98CDAC25ABCD');
    expect(shellyIdFor('SHSW-25', 'C45BBE798F0F')).toBe('shellyswitch25-C45BBE798F0F');
    expect(shellyIdFor('SHXYZ-9', 'abc123')).toBe('shxyz-9-abc123');
  });
});

describe('malformed datagrams throw InvalidDatagram', () => {
  const opts = (extra: { name: string; value: Buffer }[]) =>
    generate({
      confirmable: false,
      code: '0.30',
      messageId: 7,
      options: [{ name: 'Uri-Path', value: Buffer.from('cit') }, ...extra],
      payload: Buffer.from(IDLE_G),
    });
  const devid = { name: '3332', value: Buffer.from('SHUNI-1#AABBCC112233#2') };
  const cases: [string, Buffer, RegExp][] = [
    ['empty', Buffer.alloc(0), /shorter than a CoAP header/],
    ['garbage', Buffer.from('hello, world'), /not a CoAP message|neither/],
    ['no 3332', opts([]), /3332.*missing/],
    ['3332 without #', opts([{ name: '3332', value: Buffer.from('SHUNI-1') }]), /<type>#<id>#<version>/],
    ['3332 with 4 fields', opts([{ name: '3332', value: Buffer.from('A#B#2#x') }]), /<type>#<id>#<version>/],
    ['3332 version not a number', opts([{ name: '3332', value: Buffer.from('SHUNI-1#AABB#v2') }]), /<type>#/],
    ['3332 too long', opts([{ name: '3332', value: Buffer.alloc(200, 0x41) }]), /200 bytes/],
    ['3412 one byte', opts([devid, { name: '3412', value: Buffer.from([0x96]) }]), /3412 is 1 bytes/],
    ['3420 three bytes', opts([devid, { name: '3420', value: Buffer.from([1, 2, 3]) }]), /3420 is 3 bytes/],
    [
      '3420 repeated',
      opts([
        devid,
        { name: '3420', value: Buffer.from([1, 0]) },
        { name: '3420', value: Buffer.from([2, 0]) },
      ]),
      /3420 repeated/,
    ],
    [
      'unknown critical option',
      opts([devid, { name: '3333', value: Buffer.from('x') }]),
      /critical CoAP option 3333/,
    ],
    [
      'a Block2 fragment',
      opts([devid, { name: 'Block2', value: Buffer.from([0x08]) }]),
      /critical CoAP option Block2/,
    ],
    [
      'request code',
      generate({ code: 'GET', messageId: 1, options: [devid], payload: Buffer.from(IDLE_G) }),
      /0\.01/,
    ],
  ];
  it.each(cases)('%s', (_name, bytes, message) => {
    expect(() => decodeCoiot(bytes)).toThrow(InvalidDatagram);
    expect(() => decodeCoiot(bytes)).toThrow(message);
  });

  it('refuses a datagram larger than UDP allows before parsing it', () => {
    expect(() => decodeCoiot(Buffer.alloc(70_000))).toThrow(/datagram of 70000 bytes/);
  });

  it('ignores unknown elective (even) options', () => {
    expect(decodeCoiot(opts([devid, { name: '3500', value: Buffer.from('x') }])).deviceId).toBe(
      'shellyuni-AABBCC112233',
    );
  });

  it('wraps coap-packet errors with the cause', () => {
    try {
      decodeCoiot(Buffer.from([0x58, 0x1e, 0, 1])); // token length 8, no token bytes
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidDatagram);
    }
  });
});

it('every hex fixture is covered above', () => {
  expect([...hexPackets().keys()].sort()).toEqual(
    [
      'aioshelly_get_cit_s',
      'pyshelly_get_cit_d',
      'shix3_v1_status_a',
      'shix3_v1_status_b',
      'shix3_v1_status_c_header_only',
      'shsw1_v1_cit_d_reply',
      'shuni1_v2_idle',
      'shuni1_v2_pressed',
      'shuni1_v2_released_S',
    ].sort(),
  );
});

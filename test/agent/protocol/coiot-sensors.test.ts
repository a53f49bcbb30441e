import { describe, expect, it } from 'vitest';
import { InvalidDatagram } from '../../../agent/core/errors.ts';
import { decodeCoiot } from '../../../agent/protocol/coiot-packet.ts';
import {
  knownSensorMap,
  SHUNI1_SENSORS,
  sensorMapFromCitD,
  sensorMapFromCitDText,
} from '../../../agent/protocol/coiot-sensors.ts';
import { fixtureJson, fixtureText, hexPacket } from './fixtures.ts';

describe('sensorMapFromCitD', () => {
  it('builds exactly the fallback table from the real SHUNI-1 /cit/d', () => {
    const map = sensorMapFromCitD(fixtureJson('shuni-1.cit-d.json'));
    expect(map).toEqual(SHUNI1_SENSORS);
    expect(map.get(2203)).toEqual({ kind: 'inputEventCnt', input: 1 });
    expect(map.has(3101)).toBe(false); // temperature add-on: not ours
  });

  it('reads the same from the raw text and from a Buffer', () => {
    const text = fixtureText('shuni-1.cit-d.json');
    expect(sensorMapFromCitDText(text)).toEqual(SHUNI1_SENSORS);
    expect(sensorMapFromCitDText(Buffer.from(text))).toEqual(SHUNI1_SENSORS);
  });

  it('maps input ids by block, whatever the ids are', () => {
    const map = sensorMapFromCitD({
      blk: [
        { I: 7, D: 'relay_1' },
        { I: 8, D: 'adc_0' },
      ],
      sen: [
        { I: 42, T: 'S', D: 'input', L: 7 },
        { I: 43, T: 'EVC', D: 'inputEventCnt', L: 7 },
        { I: 44, T: 'V', D: 'adc', L: 8 },
      ],
    });
    expect([...map]).toEqual([
      [42, { kind: 'input', input: 1 }],
      [43, { kind: 'inputEventCnt', input: 1 }],
      [44, { kind: 'adc', adc: 0 }],
    ]);
  });

  it('rejects a CoIoT v1 description it cannot map (Shelly 1 reply: "Input" in block "Relay0")', () => {
    const reply = decodeCoiot(hexPacket('shsw1_v1_cit_d_reply'));
    expect(() => sensorMapFromCitDText(reply.payload)).toThrow(/no input sensors/);
  });

  const junk: [string, unknown][] = [
    ['null', null],
    ['array', []],
    ['no sen', { blk: [] }],
    ['sen not array', { blk: [], sen: {} }],
    ['block without I', { blk: [{ D: 'relay_0' }], sen: [] }],
    ['sensor without D', { blk: [{ I: 1, D: 'relay_0' }], sen: [{ I: 2101, L: 1 }] }],
    ['sensor id not integer', { blk: [{ I: 1, D: 'relay_0' }], sen: [{ I: 2101.5, D: 'input', L: 1 }] }],
    ['unknown block', { blk: [{ I: 1, D: 'relay_0' }], sen: [{ I: 2101, D: 'input', L: 5 }] }],
    [
      'duplicate sensor',
      {
        blk: [{ I: 1, D: 'relay_0' }],
        sen: [
          { I: 2101, D: 'input', L: 1 },
          { I: 2101, D: 'input', L: 1 },
        ],
      },
    ],
    ['no inputs', { blk: [{ I: 3, D: 'adc_0' }], sen: [{ I: 3118, D: 'adc', L: 3 }] }],
    ['too many sensors', { blk: [], sen: Array.from({ length: 600 }, () => ({})) }],
  ];
  it.each(junk)('throws InvalidDatagram on %s', (_name, json) => {
    expect(() => sensorMapFromCitD(json)).toThrow(InvalidDatagram);
  });

  it('throws InvalidDatagram on non-JSON, deep and oversize text', () => {
    expect(() => sensorMapFromCitDText('{"blk":')).toThrow(InvalidDatagram);
    expect(() => sensorMapFromCitDText(`${'['.repeat(50)}${']'.repeat(50)}`)).toThrow(/nested deeper/);
    expect(() => sensorMapFromCitDText(' '.repeat(70_000))).toThrow(/more than/);
  });
});

it('knows the SHUNI-1 table and nothing else', () => {
  expect(knownSensorMap('SHUNI-1')).toBe(SHUNI1_SENSORS);
  expect(knownSensorMap('SHIX3-1')).toBeUndefined();
});

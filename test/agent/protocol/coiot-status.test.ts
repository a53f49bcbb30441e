import { describe, expect, it } from 'vitest';
import { InvalidDatagram } from '../../../agent/core/errors.ts';
import { decodeCoiot } from '../../../agent/protocol/coiot-packet.ts';
import { SHUNI1_SENSORS } from '../../../agent/protocol/coiot-sensors.ts';
import { decodeStatus, MAX_STATUS_BYTES } from '../../../agent/protocol/coiot-status.ts';
import { contractTraces, hexPacket, IDLE_G, shuniDatagram } from './fixtures.ts';

const DEV = 'shellyuni-AABBCC112233';
const decode = (bytes: Buffer) => decodeStatus(decodeCoiot(bytes), SHUNI1_SENSORS);
const status = (payload: string) => decode(shuniDatagram({ payload }));

describe('decodeStatus on the synthesized SHUNI-1 press sequence', () => {
  it('idle: both inputs low, counters 0 with no event, validity 15 s, ADC 0 V', () => {
    expect(decode(hexPacket('shuni1_v2_idle'))).toEqual({
      evidence: [
        { device: DEV, input: 0, via: 'coiot', level: false, counter: { value: 0, event: '' }, serial: 1 },
        { device: DEV, input: 1, via: 'coiot', level: false, counter: { value: 0, event: '' }, serial: 1 },
      ],
      notice: { device: DEV, via: 'coiot', validityS: 15, adcVolts: 0 },
    });
  });

  it('pressed: input 0 high, counter unchanged', () => {
    expect(decode(hexPacket('shuni1_v2_pressed')).evidence[0]).toEqual({
      device: DEV,
      input: 0,
      via: 'coiot',
      level: true,
      counter: { value: 0, event: '' },
      serial: 2,
    });
  });

  it('released with S: input 0 low, counter 1 with event S', () => {
    const { evidence } = decode(hexPacket('shuni1_v2_released_S'));
    expect(evidence[0]).toEqual({
      device: DEV,
      input: 0,
      via: 'coiot',
      level: false,
      counter: { value: 1, event: 'S' },
      serial: 3,
    });
    expect(evidence[1]?.counter).toEqual({ value: 0, event: '' });
  });
});

describe('decodeStatus on the contract traces', () => {
  it('follows input 0 of the mechanical example: counter 5 → 6 with S after a high level', () => {
    const lines = contractTraces().get('example-mechanical-coiot.jsonl') ?? [];
    const seq = lines
      .filter((l) => l.kind === 'coiot')
      .map((l) => decode(Buffer.from(l.hex, 'hex')).evidence[0])
      .map((e) => `${e?.level ? 1 : 0}/${e?.counter?.value}${e?.counter?.event}`);
    expect(seq.slice(0, 5)).toEqual(['0/5', '0/5', '1/5', '0/6S', '0/6']);
  });

  it('reports the long press of the dual-path example as event L', () => {
    const lines = contractTraces().get('example-electronic-dual-path.jsonl') ?? [];
    const counters = lines
      .filter((l) => l.kind === 'coiot')
      .map((l) => decode(Buffer.from(l.hex, 'hex')).evidence[0]?.counter);
    expect(counters).toContainEqual({ value: 1, event: 'L' });
  });
});

describe('decodeStatus values', () => {
  it('drops counters that are not uint16 integers but keeps the level', () => {
    for (const bad of ['70000', '-1', '1.5', '"3"', 'null']) {
      const { evidence } = status(`{"G":[[0,2101,1],[0,2102,"S"],[0,2103,${bad}]]}`);
      expect(evidence).toEqual([{ device: DEV, input: 0, via: 'coiot', level: true, serial: 1 }]);
    }
    expect(status('{"G":[[0,2103,65535]]}').evidence[0]?.counter).toEqual({ value: 65535, event: '' });
  });

  it('drops levels that are not 0/1 and inputs with nothing usable', () => {
    expect(status('{"G":[[0,2101,2],[0,2201,"1"]]}').evidence).toEqual([]);
  });

  it('reads the ADC, ignoring −1 (invalid)', () => {
    expect(status('{"G":[[0,3118,11.31]]}').notice.adcVolts).toBe(11.31);
    expect(status('{"G":[[0,3118,-1]]}').notice).toEqual({ device: DEV, via: 'coiot', validityS: 15 });
  });

  it('ignores other channels, unknown ids, malformed tuples, and later copies of an id', () => {
    const { evidence } = status(
      '{"G":[[1,2101,1],[0,9999,1],[0,2101],"x",[0,2101,1,0],[0,2101,0],[0,2101,1]]}',
    );
    expect(evidence).toEqual([{ device: DEV, input: 0, via: 'coiot', level: false, serial: 1 }]);
  });

  it('repairs the malformed JSON some firmware sends (][ and ],,[)', () => {
    expect(status('{"G":[[0,2101,1][0,2103,4]]}').evidence[0]).toMatchObject({
      level: true,
      counter: { value: 4 },
    });
    expect(status('{"G":[[0,2101,1],,[0,2103,4]]}').evidence[0]).toMatchObject({ level: true });
  });

  it('uses whatever map it is given', () => {
    const map = new Map([[118, { kind: 'input' as const, input: 0 }]]);
    const { evidence, notice } = decodeStatus(decodeCoiot(hexPacket('shix3_v1_status_a')), map);
    expect(evidence).toEqual([
      { device: 'shellyix3-XXXXXXXXXDF7', input: 0, via: 'coiot', level: true, serial: 299 },
    ]);
    expect(notice.validityS).toBe(15);
  });
});

describe('decodeStatus rejects what is not a status', () => {
  const cases: [string, string][] = [
    ['empty payload', ''],
    ['not JSON', 'hello'],
    ['no G', '{"g":[]}'],
    ['G not an array', '{"G":{}}'],
    ['a /cit/d description', '{"blk":[],"sen":[]}'],
    ['nested too deep', `{"G":[[0,2101,${'['.repeat(10)}${']'.repeat(10)}]]}`],
    ['too many tuples', `{"G":[${Array.from({ length: 300 }, () => '[0,1,1]').join(',')}]}`],
    ['oversize', `{"G":[],"x":"${'a'.repeat(MAX_STATUS_BYTES)}"}`],
  ];
  it.each(cases)('%s', (_name, payload) => {
    expect(() => status(payload)).toThrow(InvalidDatagram);
  });

  it('the header-only i3 capture (empty payload)', () => {
    expect(() => decode(hexPacket('shix3_v1_status_c_header_only'))).toThrow(/without payload/);
  });
});

it('the idle fixture payload decodes the same inside any datagram', () => {
  expect(status(IDLE_G)).toEqual(decode(hexPacket('shuni1_v2_idle')));
});

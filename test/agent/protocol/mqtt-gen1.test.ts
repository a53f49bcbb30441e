import { describe, expect, it } from 'vitest';
import { InvalidDatagram } from '../../../agent/core/errors.ts';
import { decodeGen1Mqtt } from '../../../agent/protocol/mqtt-gen1.ts';
import { contractTraces, fixtureText } from './fixtures.ts';

const DEV = 'shellyuni-AABBCC112233';
const T = `shellies/${DEV}`;

/** `D>` lines of the Gen1 part of the catalogue: what a SHUNI-1 publishes. */
function catalogue(): [string, string][] {
  const text = fixtureText('shuni-1.mqtt.txt');
  const gen1 = text.slice(0, text.indexOf('## ---------------- Gen2'));
  return gen1
    .split('\n')
    .filter((l) => l.startsWith('D>'))
    .map((l) => {
      const [, topic, ...rest] = l.split(/\s+/);
      return [topic ?? '', rest.join(' ')];
    });
}

describe('decodeGen1Mqtt on the SHUNI-1 catalogue', () => {
  it('decodes every device publish it handles, ignores the rest', () => {
    const results = catalogue().map(([topic, payload]) => [topic, decodeGen1Mqtt(topic, payload)] as const);
    expect(results.length).toBeGreaterThan(10);
    const handled = results.filter(([, r]) => r !== null).map(([t]) => t.replace(`${T}/`, ''));
    expect(new Set(handled)).toEqual(
      new Set(['online', 'shellies/announce', 'announce', 'input/0', 'input/1', 'adc/0', 'input_event/0']),
    );
  });

  it('input/<i> → level', () => {
    expect(decodeGen1Mqtt(`${T}/input/0`, '1')).toEqual({
      evidence: [{ device: DEV, input: 0, via: 'mqtt', level: true }],
      notices: [],
    });
    expect(decodeGen1Mqtt(`${T}/input/1`, Buffer.from('0'))?.evidence).toEqual([
      { device: DEV, input: 1, via: 'mqtt', level: false },
    ]);
  });

  it('input_event/<i> → counter', () => {
    expect(decodeGen1Mqtt(`${T}/input_event/0`, '{"event":"S","event_cnt":2}')?.evidence).toEqual([
      { device: DEV, input: 0, via: 'mqtt', counter: { value: 2, event: 'S' } },
    ]);
    expect(decodeGen1Mqtt(`${T}/input_event/1`, '{"event":"","event_cnt":0}')?.evidence[0]?.counter).toEqual({
      value: 0,
      event: '',
    });
  });

  it('adc/0 → notice volts; −1 → nothing', () => {
    expect(decodeGen1Mqtt(`${T}/adc/0`, '11.31')?.notices).toEqual([
      { device: DEV, via: 'mqtt', adcVolts: 11.31 },
    ]);
    expect(decodeGen1Mqtt(`${T}/adc/0`, '-1')).toEqual({ evidence: [], notices: [] });
  });

  it('online → notice', () => {
    expect(decodeGen1Mqtt(`${T}/online`, 'false')?.notices).toEqual([
      { device: DEV, via: 'mqtt', online: false },
    ]);
    expect(decodeGen1Mqtt(`${T}/online`, 'true')?.notices[0]?.online).toBe(true);
  });

  it('announce (both topics) → announce record', () => {
    const payload =
      '{"id":"shellyuni-AABBCC112233","model":"SHUNI-1","mac":"AABBCC112233","ip":"192.168.1.50","new_fw":false,"fw_ver":"20230913-114150/v1.14.0-gcb84623"}';
    const expected = {
      id: DEV,
      model: 'SHUNI-1',
      mac: 'AABBCC112233',
      ip: '192.168.1.50',
      newFw: false,
      fwVer: '20230913-114150/v1.14.0-gcb84623',
    };
    expect(decodeGen1Mqtt('shellies/announce', payload)).toEqual({
      evidence: [],
      notices: [],
      announce: expected,
    });
    expect(decodeGen1Mqtt(`${T}/announce`, payload)?.announce).toEqual(expected);
    expect(decodeGen1Mqtt('shellies/announce', '{"id":"shelly1-B929CC","mode":"relay"}')?.announce).toEqual({
      id: 'shelly1-B929CC',
      mode: 'relay',
    });
  });

  it('returns null for topics it does not use', () => {
    for (const topic of [
      `${T}/longpush/0`,
      `${T}/relay/0`,
      `${T}/relay/0/command`,
      `${T}/info`,
      `${T}/ext_temperature/0`,
      'shellies/command',
      'homeassistant/status',
      'shellyplusuni-aabbcc112233/events/rpc',
      `${T}/input/0/extra`,
      `${T}/adc/1`,
    ]) {
      expect(decodeGen1Mqtt(topic, '1'), topic).toBeNull();
    }
  });

  it('decodes every MQTT line of the contract example traces', () => {
    const decoded = [...contractTraces().values()]
      .flat()
      .flatMap((l) => (l.kind === 'mqtt' ? [decodeGen1Mqtt(l.topic, l.payload)] : []));
    expect(decoded.length).toBeGreaterThan(5);
    const evidence = decoded.flatMap((d) => d?.evidence ?? []);
    expect(evidence).toContainEqual({
      device: 'shellyuni-98CDAC25ABCE',
      input: 0,
      via: 'mqtt',
      counter: { value: 1, event: 'L' },
    });
    expect(evidence).toContainEqual({ device: 'shellyuni-98CDAC25ABCE', input: 0, via: 'mqtt', level: true });
  });
});

describe('decodeGen1Mqtt rejects bad payloads with InvalidDatagram', () => {
  const cases: [string, string, string][] = [
    ['input not 0/1', `${T}/input/0`, 'on'],
    ['input index 16', `${T}/input/16`, '1'],
    ['input index not a number', `${T}/input/x`, '1'],
    ['input index negative', `${T}/input/-1`, '1'],
    ['input_event not JSON', `${T}/input_event/0`, 'S'],
    ['input_event array', `${T}/input_event/0`, '[1]'],
    ['input_event no event_cnt', `${T}/input_event/0`, '{"event":"S"}'],
    ['input_event count too big', `${T}/input_event/0`, '{"event":"S","event_cnt":70000}'],
    ['input_event count fractional', `${T}/input_event/0`, '{"event":"S","event_cnt":1.5}'],
    ['input_event event not string', `${T}/input_event/0`, '{"event":1,"event_cnt":1}'],
    [
      'input_event deep',
      `${T}/input_event/0`,
      `{"event":"S","event_cnt":1,"x":${'['.repeat(20)}${']'.repeat(20)}}`,
    ],
    ['adc not a number', `${T}/adc/0`, 'NaN'],
    ['adc exponent', `${T}/adc/0`, '1e999'],
    ['online not boolean', `${T}/online`, 'maybe'],
    ['announce not JSON', 'shellies/announce', 'hello'],
    ['announce without id', 'shellies/announce', '{"model":"SHUNI-1"}'],
    ['announce wrong types', 'shellies/announce', '{"id":"a","new_fw":"no"}'],
    ['announce with an unusable id', `${T}/announce`, '{"id":"a b"}'],
    ['absurd size', `${T}/input/0`, '1'.repeat(5000)],
    ['device id with wildcard', 'shellies/a+b/input/0', '1'],
    ['empty device id', 'shellies//online', 'true'],
  ];
  it.each(cases)('%s', (_name, topic, payload) => {
    expect(() => decodeGen1Mqtt(topic, payload)).toThrow(InvalidDatagram);
  });
});

import { describe, expect, it } from 'vitest';
import { InvalidDatagram } from '../../../agent/core/errors.ts';
import { decodeGen2Mqtt, decodeMqtt } from '../../../agent/protocol/mqtt-gen2.ts';
import { fixtureJson, fixtureText } from './fixtures.ts';

const DEV = 'shellyplusuni-aabbcc112233';
const RPC = `${DEV}/events/rpc`;
const frame = (method: string, params: unknown) =>
  JSON.stringify({ src: DEV, dst: `${DEV}/events`, method, params });
const edge = (level: boolean, ts: number) => ({ device: DEV, input: 0, via: 'mqtt', level, edge: true, ts });
const event = (component: string, ev: string, ts: number | undefined = 1700000000.61) =>
  frame('NotifyEvent', { ts: 1700000000.5, events: [{ component, id: 0, event: ev, ts }] });

describe('decodeGen2Mqtt on captures and the catalogue', () => {
  it('real Plus i4 NotifyEvent btn_down → level true on input 1', () => {
    const f = fixtureJson('gen2.notify-event.ws-capture.json') as { src: string };
    expect(decodeGen2Mqtt(`${f.src}/events/rpc`, JSON.stringify(f))).toEqual({
      evidence: [
        {
          device: 'shellyplusi4-a8032cb12ea4',
          input: 1,
          via: 'mqtt',
          level: true,
          edge: true,
          ts: 1672130534.52,
          key: 'input:1|btn_down|1672130534.52',
        },
      ],
      notices: [],
    });
  });

  it('real 1PM Mini NotifyStatus about a switch → nothing for us, but not an error', () => {
    const c = fixtureJson('gen2.events-rpc.mqtt-capture.json') as { topic: string; payload: unknown };
    expect(decodeGen2Mqtt(c.topic, JSON.stringify(c.payload))).toEqual({ evidence: [], notices: [] });
  });

  it('the Plus Uni lines of the catalogue: down, up, single push, online', () => {
    const text = fixtureText('shuni-1.mqtt.txt');
    const lines = text
      .slice(text.indexOf('## ---------------- Gen2'))
      .split('\n')
      .filter((l) => l.startsWith('D>'))
      .map((l) => {
        const [, topic, ...rest] = l.split(/\s+/);
        return decodeGen2Mqtt(topic ?? '', rest.join(' '));
      });
    expect(lines[0]?.notices).toEqual([{ device: DEV, via: 'mqtt', online: true }]);
    expect(lines.slice(1, 4).map((r) => r?.evidence[0])).toEqual([
      { ...edge(true, 1700000000.12), key: 'input:0|btn_down|1700000000.12' },
      { ...edge(false, 1700000000.31), key: 'input:0|btn_up|1700000000.31' },
      {
        device: DEV,
        input: 0,
        via: 'mqtt',
        completed: { presses: 1, key: 'input:0|single_push|1700000000.61' },
        ts: 1700000000.61,
      },
    ]);
    expect(lines[4]).toBeNull(); // status/input:0 is not subscribed to
  });
});

describe('decodeGen2Mqtt', () => {
  it('NotifyStatus input state (sent on change) → an edge with its device ts, for every digital input', () => {
    const r = decodeGen2Mqtt(
      RPC,
      frame('NotifyStatus', { ts: 1, 'input:1': { id: 1, state: false }, 'input:0': { id: 0, state: true } }),
    );
    expect(r?.evidence).toEqual([
      { ...edge(true, 1), key: 'input:0|state:true|1' },
      { ...edge(false, 1), input: 1, key: 'input:1|state:false|1' },
    ]);
  });

  it('NotifyStatus without ts: still an edge, but no key (a copy cannot be recognised)', () => {
    const r = decodeGen2Mqtt(RPC, frame('NotifyStatus', { 'input:0': { id: 0, state: true } }));
    expect(r?.evidence).toEqual([{ device: DEV, input: 0, via: 'mqtt', level: true, edge: true }]);
  });

  it('NotifyFullStatus → a snapshot of the level, not an edge', () => {
    const r = decodeGen2Mqtt(RPC, frame('NotifyFullStatus', { ts: 7.5, 'input:0': { id: 0, state: true } }));
    expect(r?.evidence).toEqual([
      { device: DEV, input: 0, via: 'mqtt', level: true, snapshot: true, ts: 7.5 },
    ]);
  });

  it('button mode NotifyStatus (state null) says nothing about the level', () => {
    expect(decodeGen2Mqtt(RPC, frame('NotifyStatus', { ts: 1, 'input:0': { id: 0, state: null } }))).toEqual({
      evidence: [],
      notices: [],
    });
  });

  it('several events in one frame keep their own ts and order', () => {
    const r = decodeGen2Mqtt(
      RPC,
      frame('NotifyEvent', {
        ts: 9,
        events: [
          { component: 'input:0', id: 0, event: 'btn_up', ts: 8.5 },
          { component: 'input:0', id: 0, event: 'single_push', ts: 8.9 },
        ],
      }),
    );
    expect(r?.evidence).toEqual([
      { ...edge(false, 8.5), key: 'input:0|btn_up|8.5' },
      {
        device: DEV,
        input: 0,
        via: 'mqtt',
        completed: { presses: 1, key: 'input:0|single_push|8.9' },
        ts: 8.9,
      },
    ]);
  });

  it('push events → completed presses keyed by component, event and ts', () => {
    expect(decodeGen2Mqtt(RPC, event('input:1', 'double_push'))?.evidence).toEqual([
      {
        device: DEV,
        input: 1,
        via: 'mqtt',
        completed: { presses: 2, key: 'input:1|double_push|1700000000.61' },
        ts: 1700000000.61,
      },
    ]);
    expect(decodeGen2Mqtt(RPC, event('input:0', 'triple_push'))?.evidence[0]?.completed?.presses).toBe(3);
    expect(decodeGen2Mqtt(RPC, event('input:0', 'long_push'))?.evidence[0]?.completed?.presses).toBe(1);
  });

  it('falls back to the frame ts; drops a push without any ts', () => {
    const noEventTs = frame('NotifyEvent', {
      ts: 42.5,
      events: [{ component: 'input:0', event: 'single_push' }],
    });
    expect(decodeGen2Mqtt(RPC, noEventTs)?.evidence[0]?.completed?.key).toBe('input:0|single_push|42.5');
    const noTs = frame('NotifyEvent', { events: [{ component: 'input:0', event: 'single_push' }] });
    expect(decodeGen2Mqtt(RPC, noTs)?.evidence).toEqual([]);
  });

  it('ignores peripherals, other components, unknown events and methods', () => {
    expect(decodeGen2Mqtt(RPC, event('input:100', 'btn_down'))?.evidence).toEqual([]);
    expect(decodeGen2Mqtt(RPC, event('switch:0', 'btn_down'))?.evidence).toEqual([]);
    expect(decodeGen2Mqtt(RPC, event('input:0', 'config_changed'))?.evidence).toEqual([]);
    expect(
      decodeGen2Mqtt(RPC, frame('NotifyStatus', { 'input:100': { id: 100, percent: 40 } }))?.evidence,
    ).toEqual([]);
    expect(decodeGen2Mqtt(RPC, frame('Switch.Set', {}))).toEqual({ evidence: [], notices: [] });
  });

  it('online uses the topic prefix as the device', () => {
    expect(decodeGen2Mqtt('home/door/online', 'false')?.notices).toEqual([
      { device: 'home/door', via: 'mqtt', online: false },
    ]);
  });

  it('returns null for topics it does not use', () => {
    for (const t of [`${DEV}/status/input:0`, `${DEV}/rpc`, '/events/rpc', `${DEV}/events`]) {
      expect(decodeGen2Mqtt(t, '{}'), t).toBeNull();
    }
  });

  const junk: [string, string][] = [
    ['not JSON', 'hello'],
    ['array', '[]'],
    ['no src', JSON.stringify({ method: 'NotifyEvent', params: {} })],
    ['params not object', JSON.stringify({ src: DEV, method: 'NotifyEvent', params: 3 })],
    ['NotifyEvent without events', frame('NotifyEvent', { ts: 1 })],
    ['too many events', frame('NotifyEvent', { events: Array.from({ length: 100 }, () => ({})) })],
    ['deep', `{"src":"x","method":"NotifyStatus","params":{"a":${'['.repeat(30)}${']'.repeat(30)}}}`],
    ['oversize', frame('NotifyStatus', { x: 'a'.repeat(20_000) })],
  ];
  it.each(junk)('throws InvalidDatagram on %s', (_name, payload) => {
    expect(() => decodeGen2Mqtt(RPC, payload)).toThrow(InvalidDatagram);
  });

  it('throws InvalidDatagram for online payloads that are not true/false', () => {
    expect(() => decodeGen2Mqtt(`${DEV}/online`, '1')).toThrow(InvalidDatagram);
  });
});

describe('decodeMqtt routing', () => {
  it('sends shellies/… to Gen1 and the rest to Gen2', () => {
    expect(decodeMqtt('shellies/shellyuni-AABBCC112233/online', 'true')?.notices[0]?.device).toBe(
      'shellyuni-AABBCC112233',
    );
    expect(decodeMqtt(RPC, event('input:0', 'btn_down'))?.evidence[0]?.level).toBe(true);
    expect(decodeMqtt('shellies/plusuni/events/rpc', event('input:0', 'btn_up'))?.evidence[0]?.level).toBe(
      false,
    );
    expect(decodeMqtt('shellies/shellyuni-AABBCC112233/relay/0', 'on')).toBeNull();
  });
});

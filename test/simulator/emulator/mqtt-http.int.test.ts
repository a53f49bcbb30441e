import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchCitD } from '../../../agent/io/cit-d-fetch.ts';
import { SHUNI1_SENSORS, sensorMapFromCitD } from '../../../agent/protocol/coiot-sensors.ts';
import { decodeMqtt } from '../../../agent/protocol/mqtt-gen2.ts';
import { type EmulatedUni, startEmulatedUni } from '../../../simulator/emulator/uni.ts';
import { isolatedBroker } from '../../helpers/mosquitto.ts';
import { SHELLY_FIXTURES_DIR } from '../../helpers/paths.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fixture = (name: string) => readFileSync(join(SHELLY_FIXTURES_DIR, name), 'utf8');

/** Everything published under some prefixes, as a Shelly consumer on the broker sees it. */
async function watch(url: string, filters: string[]) {
  const client: MqttClient = await connectAsync(url, { clientId: `watch-${process.pid}-${Math.random()}` });
  const messages: Array<{ topic: string; payload: string; qos: number; retain: boolean }> = [];
  client.on('message', (topic, payload, packet) =>
    messages.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain }),
  );
  await client.subscribeAsync(filters, { qos: 1 });
  const waitFor = async (predicate: (m: (typeof messages)[number]) => boolean) => {
    for (let i = 0; i < 500 && !messages.some(predicate); i++) await sleep(20);
    return messages.filter(predicate);
  };
  return { client, messages, waitFor };
}

describe('emulated Uni over MQTT (real mosquitto) and HTTP', () => {
  let broker: { url: string; stop(): Promise<void> };
  const mac = `AABB${(process.pid & 0xffff).toString(16).padStart(4, '0').toUpperCase()}7701`;
  beforeAll(async () => {
    broker = await isolatedBroker();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('Gen1: online, announce, state, then input/0, longpush/0 and input_event/0 per press; LWT on power cut', async () => {
    const id = `shellyuni-${mac}`;
    const w = await watch(broker.url, [`shellies/${id}/#`, 'shellies/announce']);
    const uni: EmulatedUni = await startEmulatedUni({
      gen: 'gen1',
      mac,
      bootS: 0.5,
      mqtt: { url: broker.url },
    });
    try {
      await w.waitFor((m) => m.topic === `shellies/${id}/adc/0`);
      uni.input([
        { t: 0.05, level: 1 },
        { t: 0.25, level: 0 },
        { t: 2, level: 1 },
        { t: 3.2, level: 0 },
      ]);
      await w.waitFor((m) => m.payload.includes('"event_cnt":2'));
      await sleep(600); // the release of the long press
      const topics = w.messages.map((m) => `${m.topic.replace(id, '<id>')} ${m.payload.replace(id, '<id>')}`);
      expect(topics.slice(0, 3)).toEqual([
        'shellies/<id>/online true',
        expect.stringMatching(/^shellies\/announce /),
        expect.stringMatching(/^shellies\/<id>\/announce /),
      ]);
      expect(topics.filter((t) => /input|longpush/.test(t))).toEqual([
        'shellies/<id>/input/0 0',
        'shellies/<id>/input/1 0',
        'shellies/<id>/input/0 1',
        'shellies/<id>/input/0 0',
        'shellies/<id>/longpush/0 0',
        'shellies/<id>/input_event/0 {"event":"S","event_cnt":1}',
        'shellies/<id>/input/0 1',
        'shellies/<id>/longpush/0 1',
        'shellies/<id>/input_event/0 {"event":"L","event_cnt":2}',
        'shellies/<id>/input/0 0',
      ]);
      // The same shapes as the reference catalogue, decoded by the agent's decoders.
      const announce = JSON.parse(w.messages.find((m) => m.topic === 'shellies/announce')?.payload ?? '{}');
      const catalogue = fixture('shuni-1.mqtt.txt')
        .split('\n')
        .find((l) => l.startsWith('D>  shellies/announce')) as string;
      expect(Object.keys(announce).sort()).toEqual(
        Object.keys(JSON.parse(catalogue.split(' ').slice(3).join(' '))).sort(),
      );
      for (const m of w.messages) expect(() => decodeMqtt(m.topic, m.payload)).not.toThrow();
      expect(decodeMqtt(`shellies/${id}/input_event/0`, '{"event":"S","event_cnt":1}')?.evidence).toEqual([
        { device: id, input: 0, via: 'mqtt', counter: { value: 1, event: 'S' } },
      ]);
      uni.reboot();
      const will = await w.waitFor((m) => m.topic === `shellies/${id}/online` && m.payload === 'false');
      expect(will).toHaveLength(1);
      await w.waitFor(
        (m) =>
          m.topic === `shellies/${id}/online` &&
          m.payload === 'true' &&
          w.messages.indexOf(m) > w.messages.indexOf(will[0] as never),
      );
    } finally {
      await uni.stop();
      await w.client.endAsync();
    }
  });

  it('Plus: online, then NotifyEvent btn_down, btn_up, single_push on events/rpc at QoS 1', async () => {
    const id = `shellyplusuni-${mac.toLowerCase()}`;
    const w = await watch(broker.url, [`${id}/#`]);
    const uni = await startEmulatedUni({ gen: 'plus', mac, mqtt: { url: broker.url } });
    try {
      await w.waitFor((m) => m.topic === `${id}/online`);
      uni.input([
        { t: 0.05, level: 1 },
        { t: 0.3, level: 0 },
      ]);
      const frames = await w.waitFor((m) => m.payload.includes('single_push'));
      expect(frames[0]?.qos).toBe(1);
      const events = w.messages
        .filter((m) => m.topic === `${id}/events/rpc`)
        .map(
          (m) =>
            JSON.parse(m.payload) as {
              src: string;
              method: string;
              params: { events: Array<{ event: string }> };
            },
        );
      expect(events.map((e) => [e.src, e.method, e.params.events[0]?.event])).toEqual([
        [id, 'NotifyEvent', 'btn_down'],
        [id, 'NotifyEvent', 'btn_up'],
        [id, 'NotifyEvent', 'single_push'],
      ]);
      const decoded = w.messages.flatMap((m) => decodeMqtt(m.topic, m.payload)?.evidence ?? []);
      expect(decoded.map((e) => e.level ?? e.completed?.presses)).toEqual([true, false, 1]);
      // The frame has the captured shape (gen2.notify-event.ws-capture.json), with dst = <prefix>/events.
      const capture = JSON.parse(fixture('gen2.notify-event.ws-capture.json'));
      const ours = JSON.parse(frames[0]?.payload ?? '{}');
      expect(Object.keys(ours).sort()).toEqual(Object.keys(capture).sort());
      expect(Object.keys(ours.params.events[0]).sort()).toEqual(Object.keys(capture.params.events[0]).sort());
      expect(ours.dst).toBe(`${id}/events`);
    } finally {
      await uni.stop();
      await w.client.endAsync();
    }
  });

  it('HTTP: /shelly, /settings with btn_type (toggle gives no events), /status, /cit/d like the real device', async () => {
    const uni = await startEmulatedUni({ gen: 'gen1', mac, http: { port: 0 } });
    const base = `http://127.0.0.1:${uni.http?.port}`;
    const get = async (path: string) =>
      (await fetch(`${base}${path}`)).json() as Promise<Record<string, unknown>>;
    try {
      expect(await get('/shelly')).toMatchObject({
        type: 'SHUNI-1',
        mac,
        auth: false,
        longid: 1,
        num_outputs: 2,
      });
      const settings = await get('/settings');
      expect(settings).toMatchObject({ mode: 'relay', longpush_time: 800, coiot: { update_period: 15 } });
      expect((settings.relays as Array<{ btn_type: string }>).map((r) => r.btn_type)).toEqual([
        'detached',
        'detached',
      ]);
      expect(await get('/settings/relay/0?btn_type=toggle')).toMatchObject({ btn_type: 'toggle' });
      uni.input([
        { t: 0.02, level: 1 },
        { t: 0.1, level: 0 },
      ]);
      await sleep(300);
      expect((await get('/status')).inputs).toEqual([
        { input: 0, event: '', event_cnt: 0 },
        { input: 0, event: '', event_cnt: 0 },
      ]);
      await get('/settings/relay/0?btn_type=detached');
      uni.input([
        { t: 0.02, level: 1 },
        { t: 0.1, level: 0 },
      ]);
      await sleep(300);
      const status = await get('/status');
      expect(status.inputs).toEqual([
        { input: 0, event: 'S', event_cnt: 1 },
        { input: 0, event: '', event_cnt: 0 },
      ]);
      expect(status.cfg_changed_cnt).toBe(2);
      expect(await get('/cit/d')).toEqual(JSON.parse(fixture('shuni-1.cit-d.json')));
      expect(sensorMapFromCitD(await get('/cit/d'))).toEqual(SHUNI1_SENSORS);
      // The agent's own /cit/d fetch works against it.
      expect(await fetchCitD('127.0.0.1', { httpPort: uni.http?.port as number })).toEqual(SHUNI1_SENSORS);
    } finally {
      await uni.stop();
    }
  });
});

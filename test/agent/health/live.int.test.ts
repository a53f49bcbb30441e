import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../../agent/cli.ts';
import type { Config } from '../../../agent/config/schema.ts';
import type { RunningAgent } from '../../../agent/runtime/agent.ts';
import { readHealthRecords } from '../../../agent/store/health-store.ts';
import type { EmulatedUni } from '../../../simulator/emulator/uni.ts';
import { sharedBroker } from '../../helpers/mosquitto.ts';
import { agentOn, collector, emulatedUni, type Message, until } from './live-support.ts';

const MAC = '98CDAC25AB01';
const ID = `shellyuni-${MAC}`;

/**
 * The health monitors end to end: an emulated SHUNI-1 (simulator/emulator) on real UDP, the agent, a real
 * mosquitto. Each problem is raised and cleared by what the device does, and shows on MQTT, in Home Assistant's
 * entities and in `status`.
 */
describe('health over real traffic from the emulated Uni', () => {
  const run = `h${process.pid}${Date.now().toString(36)}`;
  let broker: { url: string; stop(): Promise<void> };
  let agent: RunningAgent;
  let config: Config;
  let coiotPort: number;
  let uni: EmulatedUni | undefined;
  let watch: Awaited<ReturnType<typeof collector>>;
  /** Until when the network between the Uni and the agent loses everything. */
  let blackoutUntil = 0;
  const base = `doorbell-${run}`;

  const problems = (kind: string) =>
    watch.messages
      .filter((m) => m.topic === `${base}/${ID}/problem`)
      .map((m) => JSON.parse(m.payload))
      .filter((p) => p.problem === kind);
  const lastState = () => {
    const states = watch.messages.filter((m: Message) => m.topic === `${base}/${ID}/0/health`);
    return states.length === 0 ? undefined : JSON.parse((states.at(-1) as Message).payload);
  };
  const startUni = async () => {
    uni = await emulatedUni(MAC, coiotPort, {
      adcVolts: 1.05,
      drop: () => Date.now() < blackoutUntil,
    });
  };

  beforeAll(async () => {
    broker = await sharedBroker();
    watch = await collector(broker.url, '#');
    ({ agent, config, coiotPort } = await agentOn(broker.url, run, {
      health: { coiot_update_period_s: 1, input_stuck_after_s: 2, missed_max: 2 },
      devices: [
        {
          id: ID,
          name: 'Front door',
          chime: { mode: 'mechanical' },
          battery: { adc: true, threshold_v: 1.0 },
        },
      ],
    }));
    await startUni();
  });

  afterAll(async () => {
    await uni?.stop();
    await agent?.stop();
    await watch?.client.endAsync();
    await broker?.stop();
  });

  it('announces the health entities in the doorbell device and publishes their state', async () => {
    const configs = await until(
      () => watch.messages.filter((m) => m.topic.startsWith(`ha-${run}/device/`) && m.topic.includes(MAC)),
      (list) => list.length > 0,
    );
    const cmps = JSON.parse((configs[0] as Message).payload).cmps as Record<string, Record<string, unknown>>;
    expect(cmps.shelly_link).toMatchObject({ p: 'binary_sensor', device_class: 'connectivity' });
    for (const kind of ['offline', 'missed_reports', 'input_stuck', 'chatter', 'wiring', 'battery_low'])
      expect(cmps[`problem_${kind}`]).toMatchObject({
        device_class: 'problem',
        entity_category: 'diagnostic',
      });
    expect(cmps.battery).toMatchObject({ device_class: 'battery', unit_of_measurement: '%' });
    expect(cmps.battery_v).toMatchObject({ device_class: 'voltage', unit_of_measurement: 'V' });
    expect(cmps.presses).toMatchObject({ state_class: 'total_increasing' });
    const state = await until(lastState, (s) => s?.connectivity === 'ON' && s?.battery !== null);
    expect(state).toMatchObject({ connectivity: 'ON', battery: 12, battery_v: 1.05, battery_basis: 'adc' });
    expect(state.problems.battery_low).toBe('ON');
    const battery = await until(
      () => problems('battery_low'),
      (p) => p.length >= 1,
    );
    expect(battery[0]).toMatchObject({ on: true, device: ID });
  });

  it('input_stuck: raised when the input stays high, cleared when it drops', async () => {
    uni?.input([{ t: 0, level: 1 }]);
    const raised = await until(
      () => problems('input_stuck'),
      (p) => p.length >= 1,
    );
    expect(raised[0]).toMatchObject({ on: true, detail: expect.stringMatching(/input 0 high for/) });
    expect((await until(lastState, (s) => s?.problems.input_stuck === 'ON')).problems.input_stuck).toBe('ON');
    uni?.input([{ t: 0, level: 0 }]);
    const cleared = await until(
      () => problems('input_stuck'),
      (p) => p.length >= 2,
    );
    expect(cleared[1]).toMatchObject({ on: false });
    expect((await until(lastState, (s) => s?.presses === 1)).presses).toBe(1);
  });

  it('missed_reports: raised when the device reports go missing on the way', async () => {
    // Two presses while the Wi-Fi drops everything: their reports are lost, only the state after them arrives.
    blackoutUntil = Date.now() + 2_500;
    uni?.input([
      { t: 0, level: 1 },
      { t: 0.2, level: 0 },
      { t: 1.5, level: 1 },
      { t: 1.7, level: 0 },
    ]);
    const raised = await until(
      () => problems('missed_reports'),
      (p) => p.length >= 1,
    );
    expect(raised[0]).toMatchObject({ on: true, detail: expect.stringMatching(/^[2-9] CoIoT and 0 MQTT/) });
    // The press itself still rings, recovered from the event counter.
    const rings = await until(
      () => watch.messages.filter((m) => m.topic === `${base}/${ID}/ring`).map((m) => JSON.parse(m.payload)),
      (r) => r.length >= 3,
    );
    expect(rings.slice(1)).toEqual([
      expect.objectContaining({ recovered: true, via: 'counter' }),
      expect.objectContaining({ recovered: true, via: 'counter' }),
    ]);
  });

  it('offline: raised when the Uni goes silent, cleared by its next report', async () => {
    await uni?.stop();
    const raised = await until(
      () => problems('offline'),
      (p) => p.length >= 1,
    );
    expect(raised[0]).toMatchObject({ on: true, detail: expect.stringMatching(/no CoIoT report/) });
    expect((await until(lastState, (s) => s?.connectivity === 'OFF')).connectivity).toBe('OFF');
    await startUni();
    const cleared = await until(
      () => problems('offline'),
      (p) => p.length >= 2,
    );
    expect(cleared[1]).toMatchObject({ on: false });
    expect((await until(lastState, (s) => s?.connectivity === 'ON')).connectivity).toBe('ON');
  });

  it('status shows it to a person, from the store of the running agent', async () => {
    const records = await until(
      () => readHealthRecords(config.store.path) ?? [],
      (r) => r[0]?.presses === 3,
    );
    expect(records[0]).toMatchObject({ device: ID, presses: 3, battery: { basis: 'adc', percent: 12 } });
    const out: string[] = [];
    const ctx = {
      stdout: { write: (s: string) => out.push(s) } as unknown as NodeJS.WritableStream,
      stderr: { write: () => true } as unknown as NodeJS.WritableStream,
      exitCode: 0,
      version: 'test',
    };
    const file = `${config.store.path}.yaml`;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      file,
      `store: { path: ${JSON.stringify(config.store.path)} }\ndevices: [{ id: ${ID}, name: Front door }]\n`,
    );
    await (await buildProgram(ctx)).parseAsync(['status', '--config', file], { from: 'user' });
    const screen = out.join('');
    expect(screen).toMatch(/Front door \(shellyuni-98CDAC25AB01\), input 0/);
    expect(screen).toMatch(/Shelly {5}online, last report \d+ s ago \(coiot\)/);
    expect(screen).toMatch(/Last ring .*via counter, recovered\); 3 presses counted/);
    expect(screen).toMatch(/missed_reports: \d CoIoT and 0 MQTT periodic reports lost/);
    expect(screen).toMatch(/battery_low: battery at 12 % \(adc\), warn below 20 %/);
    expect(screen).toMatch(/Battery {4}12 % at 1.05 V \(measured by the Uni ADC\)/);
    expect(ctx.exitCode).toBe(1);
  });
});

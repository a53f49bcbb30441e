import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../../agent/config/schema.ts';
import type { RunningAgent } from '../../../agent/runtime/agent.ts';
import type { EmulatedUni } from '../../../simulator/emulator/uni.ts';
import { sharedBroker } from '../../helpers/mosquitto.ts';
import { parsePrometheusText, sampleValue } from '../../helpers/prometheus-text.ts';
import { agentOn, emulatedUni } from '../health/live-support.ts';

const MAC = '98CDAC25AB02';
const ID = `shellyuni-${MAC}`;

/** `/metrics` scraped by a real HTTP client from a running agent fed by the emulated Uni, parsed as Prometheus text. */
describe('Prometheus metrics and /healthz', () => {
  const run = `m${process.pid}${Date.now().toString(36)}`;
  let broker: { url: string; stop(): Promise<void> };
  let agent: RunningAgent;
  let uni: EmulatedUni;
  let url: string;
  let blackoutUntil = 0;

  const scrape = async () => {
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(await response.text());
  };
  type Families = ReturnType<typeof parsePrometheusText>;
  /** Scrapes until `predicate` holds on what was scraped (or the deadline passes): no timed assertions. */
  const scrapeUntil = async (predicate: (f: Families) => boolean, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    let families = await scrape();
    while (!predicate(families) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      families = await scrape();
    }
    return families;
  };

  beforeAll(async () => {
    broker = await sharedBroker();
    let coiotPort: number;
    ({ agent, coiotPort } = await agentOn(broker.url, run, {
      metrics: { enabled: true, port: 0 },
      health: { coiot_update_period_s: 1 },
      devices: [{ id: ID, battery: { adc: true } }],
    }));
    url = `http://127.0.0.1:${agent.metricsPort}`;
    uni = await emulatedUni(MAC, coiotPort, { adcVolts: 1.4, drop: () => Date.now() < blackoutUntil });
  });

  afterAll(async () => {
    await uni?.stop();
    await agent?.stop();
    await broker?.stop();
  });

  it('has every series known in advance from the start, at 0, and the process metrics of prom-client', async () => {
    const f = await scrape();
    for (const via of ['coiot', 'mqtt', 'counter']) {
      expect(sampleValue(f, 'doorbell_presses_total', { device: ID, input: '0', via }), via).toBe(0);
      expect(sampleValue(f, 'doorbell_ring_latency_seconds_count', { via }), via).toBe(0);
    }
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'process_start_time_seconds',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
    ])
      expect(f.get(name)?.samples.length ?? 0, name).toBeGreaterThan(0);
  });

  it('binds to loopback by default', () => {
    expect(configSchema.parse({}).metrics).toEqual({
      enabled: false,
      host: '127.0.0.1',
      port: 9464,
      allow_from: [],
    });
  });

  it('counts presses and ring latency, shows problems, battery and serial gaps, with build info', async () => {
    const pressedS = Date.now() / 1000;
    uni.input([
      { t: 0, level: 1 },
      { t: 0.2, level: 0 },
    ]);
    const f = await scrapeUntil(
      (families) =>
        sampleValue(families, 'doorbell_presses_total', { device: ID, input: '0', via: 'coiot' }) === 1,
    );
    expect(f.get('doorbell_presses_total')?.type).toBe('counter');
    expect(sampleValue(f, 'doorbell_presses_total', { device: ID, input: '0', via: 'coiot' })).toBe(1);
    expect(f.get('doorbell_ring_latency_seconds')?.type).toBe('histogram');
    expect(sampleValue(f, 'doorbell_ring_latency_seconds_count', { via: 'coiot' })).toBe(1);
    const inf = sampleValue(f, 'doorbell_ring_latency_seconds_bucket', { via: 'coiot', le: '+Inf' });
    expect(inf).toBe(1);
    expect(f.get('doorbell_problem')?.type).toBe('gauge');
    for (const problem of ['offline', 'missed_reports', 'input_stuck', 'chatter', 'wiring', 'battery_low'])
      expect(sampleValue(f, 'doorbell_problem', { device: ID, input: '0', problem })).toBe(0);
    // 1.4 V on the alkaline curve.
    expect(sampleValue(f, 'doorbell_battery_ratio', { device: ID, input: '0', basis: 'adc' })).toBe(0.8);
    expect(sampleValue(f, 'doorbell_battery_volts', { device: ID, input: '0' })).toBe(1.4);
    expect(sampleValue(f, 'doorbell_shelly_up', { device: ID })).toBe(1);
    expect(f.get('doorbell_last_report_timestamp_seconds')?.type).toBe('gauge');
    const heardS = sampleValue(f, 'doorbell_last_report_timestamp_seconds', { device: ID }) ?? 0;
    expect(heardS).toBeGreaterThanOrEqual(Math.floor(pressedS));
    expect(heardS).toBeLessThanOrEqual(Date.now() / 1000);
    expect(f.has('doorbell_last_report_age_seconds')).toBe(false);
    expect(sampleValue(f, 'doorbell_coiot_serial_gaps_total', { device: ID })).toBe(0);
    expect(f.get('doorbell_coiot_serial_gaps_total')?.type).toBe('counter');
    expect(sampleValue(f, 'doorbell_build_info', { version: '0.0.0-test' })).toBe(1);
  });

  it('counts serial gaps and raises doorbell_problem when reports are lost, and offline when the Uni stops', async () => {
    blackoutUntil = Date.now() + 2_500;
    uni.input([
      { t: 0, level: 1 },
      { t: 0.2, level: 0 },
      { t: 1.5, level: 1 },
      { t: 1.7, level: 0 },
    ]);
    const f = await scrapeUntil(
      (families) =>
        (sampleValue(families, 'doorbell_coiot_serial_gaps_total', { device: ID }) ?? 0) >= 2 &&
        (sampleValue(families, 'doorbell_presses_total', { device: ID, input: '0', via: 'counter' }) ?? 0) >=
          1,
    );
    expect(sampleValue(f, 'doorbell_coiot_serial_gaps_total', { device: ID })).toBeGreaterThanOrEqual(2);
    // What was lost is recovered from the event counter.
    const recovered =
      sampleValue(f, 'doorbell_presses_total', { device: ID, input: '0', via: 'counter' }) ?? 0;
    expect(recovered).toBeGreaterThanOrEqual(1);
    // Its latency counts from the counter step's arrival, so it includes the reorder window (0.6 s) it waited.
    expect(sampleValue(f, 'doorbell_ring_latency_seconds_count', { via: 'counter' })).toBe(recovered);
    expect(sampleValue(f, 'doorbell_ring_latency_seconds_sum', { via: 'counter' })).toBeGreaterThanOrEqual(
      0.6 * recovered,
    );

    await uni.stop();
    const after = await scrapeUntil(
      (families) => sampleValue(families, 'doorbell_shelly_up', { device: ID }) === 0,
    );
    expect(sampleValue(after, 'doorbell_shelly_up', { device: ID })).toBe(0);
    expect(sampleValue(after, 'doorbell_problem', { device: ID, input: '0', problem: 'offline' })).toBe(1);
    const lastHeardS = sampleValue(after, 'doorbell_last_report_timestamp_seconds', { device: ID }) ?? 0;
    expect(lastHeardS).toBeGreaterThan(0);
    expect(lastHeardS).toBeLessThan(Date.now() / 1000);
  });

  it('answers /healthz with the agent and device state, and 404 elsewhere', async () => {
    const response = await fetch(`${url}/healthz`);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({
      status: 'problem',
      mqtt_connected: true,
      version: '0.0.0-test',
      devices: [{ device: ID, input: 0, connected: false, problems: expect.arrayContaining(['offline']) }],
    });
    expect((await fetch(`${url}/nothing`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
  });
});

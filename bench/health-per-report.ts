/**
 * What the health monitors cost per CoIoT report, alone (no decode, no detector): 1,000 SHUNI-1s re-sending their
 * status every 15 s on a virtual clock, fed to `HealthMonitor` as the pipeline feeds it (`heard`, then the
 * wake-ups due, as `run`'s timer fires them), and every 250 ms of virtual time what `run`'s state publisher does
 * (`takeTouched`, then `healthState` and its JSON for each doorbell named). Beside it, the same loop without the
 * monitor. Alone, the monitor's data stays in the CPU's caches more than it does inside the whole pipeline, where
 * `bench/decode-throughput.ts` (`DECODE_HEALTH=off`) tells its share apart.
 * Usage: npx tsx bench/health-per-report.ts [reports=300000] [rounds=5]
 */
import { configSchema } from '../agent/config/schema.ts';
import { healthChannelsFrom, healthParamsFrom } from '../agent/health/config.ts';
import { HealthMonitor } from '../agent/health/monitor.ts';
import { MemoryHealthStore } from '../agent/health/record.ts';
import { healthState } from '../agent/outputs/health-publisher.ts';

const reports = Number(process.argv[2] ?? 300_000);
const rounds = Number(process.argv[3] ?? 5);
const DEVICES = 1_000;
const PERIOD_MS = 15_000;
const PUBLISH_EVERY_MS = 250;
const macOf = (i: number) => `98CDAC${i.toString(16).toUpperCase().padStart(6, '0')}`;
const config = configSchema.parse({
  devices: Array.from({ length: DEVICES }, (_, i) => ({
    id: `shellyuni-${macOf(i)}`,
    chime: { mode: 'mechanical' },
  })),
});
// Each Uni's own phase in the period; a periodic re-send repeats its serial.
const phases = config.devices.map((_, i) => (i * PERIOD_MS) / DEVICES + ((i * 7919) % 5));
const notices = config.devices.map((device) => ({ device: device.id, via: 'coiot' as const, serial: 7 }));
const timeOf = (k: number) => Math.floor(k / DEVICES) * PERIOD_MS + (phases[k % DEVICES] as number);

function round(withMonitor: boolean): { ns: number; published: number; events: number } {
  const monitor = new HealthMonitor(
    healthChannelsFrom(config),
    healthParamsFrom(config),
    new MemoryHealthStore(),
    0,
  );
  let published = 0;
  let events = 0;
  let nextPublishMs = PUBLISH_EVERY_MS;
  let sink = 0;
  const start = process.hrtime.bigint();
  for (let k = 0; k < reports; k++) {
    const t = timeOf(k);
    if (!withMonitor) {
      sink += t + (notices[k % DEVICES] as (typeof notices)[number]).serial;
      continue;
    }
    for (let due = monitor.nextWakeMs(); due !== null && due <= t; due = monitor.nextWakeMs())
      events += monitor.tick(due).length;
    events += monitor.heard(notices[k % DEVICES] as (typeof notices)[number], t).length;
    if (t >= nextPublishMs) {
      nextPublishMs = t + PUBLISH_EVERY_MS;
      for (const record of monitor.takeTouched(t)) {
        sink += JSON.stringify(healthState(record)).length;
        published++;
      }
    }
  }
  const ns = Number(process.hrtime.bigint() - start) / reports;
  if (sink < 0) console.log(sink);
  return { ns, published, events };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const monitored: number[] = [];
const bare: number[] = [];
let last = { published: 0, events: 0 };
for (let r = 0; r <= rounds; r++) {
  const withMonitor = round(true);
  const without = round(false);
  if (r === 0) continue; // warm-up
  monitored.push(withMonitor.ns);
  bare.push(without.ns);
  last = withMonitor;
}
const virtualMin = Math.round(timeOf(reports - 1) / 60_000);
console.log(
  `${reports.toLocaleString('en')} re-sends of ${DEVICES} Unis over ${virtualMin} virtual minutes, ${rounds} rounds`,
);
console.log(
  `health monitors + state publisher: ${median(monitored).toFixed(0)} ns per report (rounds ${Math.min(...monitored).toFixed(0)}–${Math.max(...monitored).toFixed(0)})`,
);
console.log(`the same loop without them:       ${median(bare).toFixed(0)} ns per report`);
console.log(
  `states built for publishing: ${last.published} (${(last.published / reports).toFixed(4)} per report); health events: ${last.events}`,
);

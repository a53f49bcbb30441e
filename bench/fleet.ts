/**
 * A fleet on one machine: 1,000 emulated Shelly Unis (the real emulator: firmware timing, CoIoT periodic re-sends
 * every 15 s, one UDP socket each) report to the agent over loopback; the agent runs as a child process
 * (`node bin/doorbell-agent.js run --config …`, as users run it, so its CPU and RSS are its own) and publishes
 * rings to a real mosquitto; a subscriber times each ring from the moment the rising-edge datagram left the
 * emulated Uni. Prints ring latency p50/p99, the agent's CPU and RSS. No assertions.
 * Usage: npx tsx bench/fleet.ts [seconds=60] [devices=1000] [presses-per-second=5]
 */
import { connectAsync } from 'mqtt';
import { decodeCoiot } from '../agent/protocol/coiot-packet.ts';
import { readG } from '../agent/protocol/coiot-status.ts';
import { type EmulatedUni, startEmulatedUni } from '../simulator/emulator/uni.ts';
import { freeUdpPort } from '../simulator/network/free-port.ts';
import { seededRandom } from '../simulator/network/random.ts';
import { startMosquitto } from '../test/helpers/mosquitto.ts';
import { cpuSeconds, percentile, rssMb, spawnAgent } from './process-stats.ts';

const seconds = Number(process.argv[2] ?? 60);
const devices = Number(process.argv[3] ?? 1000);
const pressesPerSecond = Number(process.argv[4] ?? 5);
const PERIOD_S = 15;
const addressOf = (i: number) => `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`;
const macOf = (i: number) => `98CDAD${i.toString(16).toUpperCase().padStart(6, '0')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

async function main() {
  const broker = await startMosquitto();
  const coiotPort = await freeUdpPort();
  const agent = spawnAgent({
    mqtt: { url: broker.url, base_topic: 'fleet' },
    coiot: { listen: '127.0.0.1', port: coiotPort, multicast: false },
    log: { level: 'warn' },
    devices: Array.from({ length: devices }, (_, i) => ({
      id: `shellyuni-${macOf(i)}`,
      chime: { mode: 'mechanical' },
    })),
  });
  const subscriber = await connectAsync(broker.url);
  const riseSentAt = new Map<string, number>();
  const latencies: number[] = [];
  /** Rings slower than 100 ms, with when they arrived (s since the bench started). */
  const slow: string[] = [];
  const benchStart = Date.now();
  let rings = 0;
  subscriber.on('message', (topic) => {
    rings++;
    const device = topic.split('/')[1] as string;
    const start = riseSentAt.get(device);
    if (start !== undefined) {
      latencies.push(nowMs() - start);
      if (nowMs() - start > 100)
        slow.push(`${((Date.now() - benchStart) / 1000).toFixed(1)}s:${(nowMs() - start).toFixed(0)}ms`);
      riseSentAt.delete(device);
    }
  });
  await subscriber.subscribeAsync('fleet/+/ring', { qos: 1 });
  const ready = await connectAsync(broker.url);
  await new Promise<void>((resolve) => {
    ready.on('message', (_t, payload) => payload.toString() === 'online' && resolve());
    void ready.subscribeAsync('fleet/agent/status');
  });
  await ready.endAsync();

  // Start the fleet over one update period, so the periodic re-sends are spread as in a real house.
  const unis: EmulatedUni[] = [];
  const startedFleet = Date.now();
  for (let i = 0; i < devices; i++) {
    const id = `shellyuni-${macOf(i)}`;
    unis.push(
      await startEmulatedUni({
        gen: 'gen1',
        mac: macOf(i),
        coiotPeriodS: PERIOD_S,
        // Each Uni has its own address, as in a house (Linux routes all of 127/8 to loopback): the agent rate-limits
        // and pins CoIoT per source address.
        coiot: { peer: { host: '127.0.0.1', port: coiotPort }, bindAddress: addressOf(i) },
        ip: addressOf(i),
        onSend: (send) => {
          if (send.via !== 'coiot' || send.kind !== 'publish') return;
          if (readG(decodeCoiot(send.bytes).payload).get(2101) === 1 && !riseSentAt.has(id))
            riseSentAt.set(id, nowMs());
        },
      }),
    );
    const due = startedFleet + ((i + 1) / devices) * PERIOD_S * 1000;
    if (due > Date.now()) await sleep(due - Date.now());
  }
  console.log(`fleet of ${devices} emulated Unis up in ${((Date.now() - startedFleet) / 1000).toFixed(1)} s`);

  const random = seededRandom(1);
  const cpuStart = cpuSeconds(agent.pid as number);
  const started = Date.now();
  const lastPress = new Map<number, number>();
  let presses = 0;
  let maxRss = 0;
  let nextPress = 0;
  while (Date.now() - started < seconds * 1000) {
    const elapsed = Date.now() - started;
    if (elapsed >= nextPress) {
      nextPress += 1000 / pressesPerSecond;
      const i = Math.floor(random() * devices);
      // A device pressed again inside its settle window (or while its event is still live) is not a new press.
      if (Date.now() - (lastPress.get(i) ?? 0) > 7_000) {
        lastPress.set(i, Date.now());
        const hold = 0.15 + random() * 0.5;
        unis[i]?.input([
          { t: 0, level: 1 },
          { t: hold, level: 0 },
        ]);
        presses++;
      }
    }
    maxRss = Math.max(maxRss, rssMb(agent.pid as number));
    await sleep(20);
  }
  await sleep(1_500);
  const cpu = cpuSeconds(agent.pid as number) - cpuStart;
  const rss = rssMb(agent.pid as number);
  agent.kill('SIGTERM');
  await new Promise((r) => agent.once('exit', r));
  for (const uni of unis) await uni.stop();
  await subscriber.endAsync();
  await broker.stop();

  const sorted = [...latencies].sort((a, b) => a - b);
  console.log(
    `devices ${devices}, ${seconds} s, CoIoT periodic every ${PERIOD_S} s, presses ${presses}, rings ${rings}`,
  );
  console.log(
    `ring latency (rising-edge datagram sent -> ring received via mosquitto): p50 ${percentile(sorted, 0.5).toFixed(2)} ms, p99 ${percentile(sorted, 0.99).toFixed(2)} ms, max ${sorted.at(-1)?.toFixed(2)} ms`,
  );
  console.log(
    `agent CPU ${((cpu / seconds) * 100).toFixed(1)} % of one core; RSS now ${rss.toFixed(1)} MB, max ${maxRss.toFixed(1)} MB`,
  );
  console.log(
    `targets: p99 <= 20 ms (${percentile(sorted, 0.99) <= 20 ? 'met' : 'missed'}), RSS <= 150 MB (${maxRss <= 150 ? 'met' : 'missed'})`,
  );
}

await main();

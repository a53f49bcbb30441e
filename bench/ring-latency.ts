/**
 * End to end on loopback: 1,000 emulated Unis send CoIoT reports every 15 s over real UDP to the agent (a child
 * process, as users run it), presses ring through a real mosquitto, and a subscriber times each ring from the
 * moment the rising-edge datagram left the emulator. Prints ring latency p50/p99 and the agent's RSS.
 * Usage: npx tsx bench/ring-latency.ts [seconds=60] [devices=1000] [presses-per-second=5]
 */
import { connectAsync } from 'mqtt';
import { startMosquitto } from '../test/helpers/mosquitto.ts';
import { freeUdpPort } from '../test/helpers/udp.ts';
import { coiotLoad, macOf } from './coiot-load.ts';
import { cpuSeconds, percentile, rssMb, spawnAgent } from './process-stats.ts';

const seconds = Number(process.argv[2] ?? 60);
const devices = Number(process.argv[3] ?? 1000);
const pressesPerSecond = Number(process.argv[4] ?? 5);

async function main() {
  const broker = await startMosquitto();
  const coiotPort = await freeUdpPort();
  const agent = spawnAgent({
    mqtt: { url: broker.url, base_topic: 'bench' },
    coiot: { listen: '127.0.0.1', port: coiotPort, multicast: false },
    log: { level: 'warn' },
    devices: Array.from({ length: devices }, (_, i) => ({
      id: `shellyuni-${macOf(i)}`,
      chime: { mode: 'mechanical' },
    })),
  });
  const subscriber = await connectAsync(broker.url);
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const slow: Array<[number, number]> = [];
  const benchStart = Date.now();
  subscriber.on('message', (topic) => {
    const device = topic.split('/')[1] as string;
    const start = sentAt.get(device);
    if (start !== undefined) {
      const latency = Number(process.hrtime.bigint()) / 1e6 - start;
      latencies.push(latency);
      if (latency > 100) slow.push([(Date.now() - benchStart) / 1000, latency]);
      sentAt.delete(device);
    }
  });
  await subscriber.subscribeAsync('bench/+/ring', { qos: 1 });
  const ready = await connectAsync(broker.url);
  await new Promise<void>((resolve) => {
    ready.on('message', (_t, payload) => payload.toString() === 'online' && resolve());
    void ready.subscribeAsync('bench/agent/status');
  });
  await ready.endAsync();

  let maxRss = 0;
  let cpuStart = 0;
  const { presses } = await coiotLoad({
    devices,
    port: coiotPort,
    seconds,
    pressesPerSecond,
    onRise: (device) => {
      if (cpuStart === 0) cpuStart = cpuSeconds(agent.pid as number);
      sentAt.set(device, Number(process.hrtime.bigint()) / 1e6);
    },
    onTick: () => {
      maxRss = Math.max(maxRss, rssMb(agent.pid as number));
    },
  });
  const cpu = cpuSeconds(agent.pid as number) - cpuStart;
  const rss = rssMb(agent.pid as number);
  agent.kill('SIGTERM');
  await new Promise((r) => agent.once('exit', r));
  await subscriber.endAsync();
  await broker.stop();

  const sorted = [...latencies].sort((a, b) => a - b);
  console.log(
    `rings slower than 100 ms: ${slow.length}${slow.length ? ` (at s: ${slow.map(([at, ms]) => `${at.toFixed(1)}→${Math.round(ms)}ms`).join(', ')})` : ''}`,
  );
  console.log(
    `devices ${devices}, ${seconds} s, periodic every 15 s, presses sent ${presses}, rings received ${latencies.length}`,
  );
  console.log(
    `ring latency (UDP send -> MQTT receive via mosquitto): p50 ${percentile(sorted, 0.5).toFixed(2)} ms, p99 ${percentile(sorted, 0.99).toFixed(2)} ms, max ${sorted.at(-1)?.toFixed(2)} ms`,
  );
  console.log(
    `agent CPU ${((cpu / seconds) * 100).toFixed(1)} % of one core; RSS now ${rss.toFixed(1)} MB, max ${maxRss.toFixed(1)} MB`,
  );
  console.log(
    `targets: end to end p99 <= 3 ms (ratio ${(percentile(sorted, 0.99) / 3).toFixed(2)}), RSS <= 80 MB (ratio ${(maxRss / 80).toFixed(2)})`,
  );
}

await main();

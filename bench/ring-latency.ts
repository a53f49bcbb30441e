/**
 * End to end on loopback: 1,000 emulated Unis send CoIoT reports every 15 s over real UDP to the agent (a child
 * process, as users run it), presses ring through a real mosquitto, and a subscriber times each ring from the
 * moment the rising-edge datagram left the emulator. Then the same load through the floor (`relay-floor.ts`: the
 * least a UDP-to-MQTT relay can do, in its own process), so the figures print beside what this machine's loopback,
 * mosquitto and subscriber cost by themselves. Prints p50/p99 of each side, the agent's share, its CPU and RSS.
 * Usage: npx tsx bench/ring-latency.ts [seconds per side=60] [devices=1000] [presses-per-second=5] [sides=agent,floor]
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { connectAsync } from 'mqtt';
import { startMosquitto } from '../test/helpers/mosquitto.ts';
import { freeUdpPort } from '../test/helpers/udp.ts';
import { coiotLoad, macOf } from './coiot-load.ts';
import { cpuSeconds, percentile, rssMb, spawnAgent } from './process-stats.ts';

const seconds = Number(process.argv[2] ?? 60);
const devices = Number(process.argv[3] ?? 1000);
const pressesPerSecond = Number(process.argv[4] ?? 5);
const sides = (process.argv[5] ?? 'agent,floor').split(',') as Array<'agent' | 'floor'>;

interface SideResult {
  side: string;
  presses: number;
  latencies: number[];
  slow: Array<[number, number]>;
  /** Rings the agent could only decide from the Uni's counter (a report before them was lost): late by design. */
  recovered: number;
  cpuPercent: number;
  rss: number;
  maxRss: number;
}

function launch(side: 'agent' | 'floor', brokerUrl: string, coiotPort: number): ChildProcess {
  if (side === 'floor')
    return spawn(
      process.execPath,
      ['--import', 'tsx', 'bench/relay-floor.ts', String(coiotPort), brokerUrl],
      {
        stdio: 'inherit',
      },
    );
  return spawnAgent({
    mqtt: { url: brokerUrl, base_topic: 'agent' },
    coiot: { listen: '127.0.0.1', port: coiotPort, multicast: false },
    log: { level: 'warn' },
    devices: Array.from({ length: devices }, (_, i) => ({
      id: `shellyuni-${macOf(i)}`,
      chime: { mode: 'mechanical' },
    })),
  });
}

async function runSide(side: 'agent' | 'floor', brokerUrl: string): Promise<SideResult> {
  const coiotPort = await freeUdpPort();
  const child = launch(side, brokerUrl, coiotPort);
  const subscriber = await connectAsync(brokerUrl);
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const slow: Array<[number, number]> = [];
  let recovered = 0;
  const benchStart = Date.now();
  subscriber.on('message', (topic, payload) => {
    const device = topic.split('/')[1] as string;
    const start = sentAt.get(device);
    if (start === undefined) return;
    const latency = Number(process.hrtime.bigint()) / 1e6 - start;
    latencies.push(latency);
    if (latency > 100) slow.push([(Date.now() - benchStart) / 1000, latency]);
    sentAt.delete(device);
    if (side === 'agent' && (JSON.parse(payload.toString()) as { recovered?: boolean }).recovered)
      recovered++;
  });
  await subscriber.subscribeAsync(`${side}/+/ring`, { qos: 1 });
  const ready = await connectAsync(brokerUrl);
  await new Promise<void>((resolve) => {
    ready.on('message', (_t, payload) => payload.toString() === 'online' && resolve());
    void ready.subscribeAsync(`${side}/agent/status`);
  });
  await ready.endAsync();

  let maxRss = 0;
  let cpuStart = 0;
  const pid = child.pid as number;
  const { presses } = await coiotLoad({
    devices,
    port: coiotPort,
    seconds,
    pressesPerSecond,
    onRise: (device) => {
      if (cpuStart === 0) cpuStart = cpuSeconds(pid);
      sentAt.set(device, Number(process.hrtime.bigint()) / 1e6);
    },
    onTick: () => {
      maxRss = Math.max(maxRss, rssMb(pid));
    },
  });
  const cpuPercent = ((cpuSeconds(pid) - cpuStart) / seconds) * 100;
  const rss = rssMb(pid);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await subscriber.endAsync();
  return {
    side,
    presses,
    latencies: [...latencies].sort((a, b) => a - b),
    slow,
    recovered,
    cpuPercent,
    rss,
    maxRss,
  };
}

const p = (r: SideResult, q: number) => percentile(r.latencies, q);

async function main() {
  const broker = await startMosquitto();
  const results: SideResult[] = [];
  try {
    for (const side of sides) results.push(await runSide(side, broker.url));
  } finally {
    await broker.stop();
  }
  console.log(
    `devices ${devices}, ${seconds} s per side, periodic every 15 s, load now ${loadavg()[0]?.toFixed(2)}`,
  );
  for (const r of results) {
    console.log(
      `${r.side.padEnd(5)} (UDP send -> MQTT receive via mosquitto): presses ${r.presses}, rings ${r.latencies.length}` +
        (r.side === 'agent' ? ` (${r.recovered} from the counter: a report before them lost)` : '') +
        ', ' +
        `p50 ${p(r, 0.5).toFixed(2)} ms, p99 ${p(r, 0.99).toFixed(2)} ms, max ${r.latencies.at(-1)?.toFixed(2)} ms; ` +
        `CPU ${r.cpuPercent.toFixed(1)} % of one core, RSS now ${r.rss.toFixed(1)} MB, max ${r.maxRss.toFixed(1)} MB` +
        (r.slow.length > 0
          ? `; slower than 100 ms at s: ${r.slow.map(([at, ms]) => `${at.toFixed(1)}→${Math.round(ms)}ms`).join(', ')}`
          : ''),
    );
  }
  const agent = results.find((r) => r.side === 'agent');
  const floor = results.find((r) => r.side === 'floor');
  if (agent && floor)
    console.log(
      `agent's share: p50 +${(p(agent, 0.5) - p(floor, 0.5)).toFixed(2)} ms, p99 +${(p(agent, 0.99) - p(floor, 0.99)).toFixed(2)} ms; ` +
        `agent/floor ratio p50 ${(p(agent, 0.5) / p(floor, 0.5)).toFixed(2)}, p99 ${(p(agent, 0.99) / p(floor, 0.99)).toFixed(2)}`,
    );
  if (agent)
    console.log(
      `targets: end to end p99 <= 3 ms (ratio ${(p(agent, 0.99) / 3).toFixed(2)}), RSS <= 80 MB (ratio ${(agent.maxRss / 80).toFixed(2)})`,
    );
}

await main();

/**
 * Sustained garbage beside real devices, end to end on loopback: the agent runs as a child process (as users run
 * it) publishing to a real mosquitto; 100 emulated Unis, each on its own loopback address, send byte-exact
 * SHUNI-1 reports and presses; a worker thread floods the CoIoT port from 256 other addresses with a mix of
 * random bytes, well-formed reports of unknown devices, and reports forging the real devices' ids. Prints ring
 * latency (rising-edge datagram sent → ring received) p50/p99/max, rings lost, the agent's RSS over time and
 * its own counters.
 * Usage: npx tsx bench/garbage-flood.ts [seconds=60] [garbage-per-second=20000] [devices=100]
 * (FLOOD_HEALTH=off runs the agent with `health.enabled: false`, to tell the cost of health monitoring apart.)
 */
import { Worker } from 'node:worker_threads';
import { connectAsync } from 'mqtt';
import { encodeStatus, shuniValues } from '../simulator/emulator/coiot-encode.ts';
import { FakeUni, macFor } from '../test/faults/support.ts';
import { startMosquitto } from '../test/helpers/mosquitto.ts';
import { freeUdpPort } from '../test/helpers/udp.ts';
import { cpuSeconds, percentile, rssMb, spawnAgent } from './process-stats.ts';

const seconds = Number(process.argv[2] ?? 60);
const garbageRate = Number(process.argv[3] ?? 20_000);
const devices = Number(process.argv[4] ?? 100);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** The flood, in its own thread so that sending 20,000 datagrams a second does not skew the timing here. */
const FLOOD = `
const { workerData, parentPort } = require('node:worker_threads');
const dgram = require('node:dgram');
const { port, rate, packets, sources } = workerData;
const sockets = [];
let bound = 0;
for (const address of sources) {
  const s = dgram.createSocket('udp4');
  s.on('error', () => {});
  s.bind(0, address, () => { bound++; });
  sockets.push(s);
}
let sent = 0, i = 0, stop = false;
parentPort.on('message', (m) => { if (m === 'stop') stop = true; });
const start = Date.now();
const tick = () => {
  if (stop) { for (const s of sockets) s.close(); parentPort.postMessage({ sent, seconds: (Date.now() - start) / 1000 }); return; }
  if (bound < sockets.length) return setTimeout(tick, 5);
  const due = Math.floor(((Date.now() - start) / 1000) * rate);
  while (sent < due) {
    const p = packets[i++ % packets.length];
    sockets[i % sockets.length].send(p, port, '127.0.0.1');
    sent++;
  }
  setTimeout(tick, 2);
};
tick();
`;

function garbagePackets(realMacs: string[]): Buffer[] {
  const packets: Buffer[] = [];
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  for (let n = 0; n < 4_000; n++) {
    const kind = n % 10;
    if (kind < 4) {
      // Random bytes, 1–300 long.
      packets.push(
        Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 300) }, () => Math.floor(rand() * 256))),
      );
    } else {
      // Well-formed reports: unknown devices, or a press forged for a real device.
      const forged = kind >= 7;
      const mac = forged
        ? (realMacs[Math.floor(rand() * realMacs.length)] as string)
        : (0x98cd00000000 + Math.floor(rand() * 0xffffff)).toString(16).toUpperCase();
      packets.push(
        encodeStatus({
          deviceType: 'SHUNI-1',
          mac,
          messageId: n,
          serial: 1 + (n % 65_000),
          values: shuniValues({
            inputs: [
              { level: n % 2 === 0, event: 'S', count: n & 0xffff },
              { level: false, event: '', count: 0 },
            ],
          }),
        }),
      );
    }
  }
  return packets;
}

async function main() {
  const broker = await startMosquitto();
  const coiotPort = await freeUdpPort();
  const unis = Array.from(
    { length: devices },
    (_, i) => new FakeUni(macFor(i), `127.0.8.${i + 1}`, coiotPort),
  );
  const agent = spawnAgent(
    {
      mqtt: { url: broker.url, base_topic: 'flood' },
      homeassistant: { enabled: false },
      shelly_mqtt: { enabled: false },
      coiot: { listen: '127.0.0.1', port: coiotPort, multicast: false },
      security: { verify_http: false },
      ...(process.env.FLOOD_HEALTH === 'off' ? { health: { enabled: false } } : {}),
      log: { level: 'info' },
      devices: unis.map((u) => ({ id: u.id })),
    },
    'pipe',
  );
  let agentLog = '';
  agent.stderr?.on('data', (chunk: Buffer) => {
    agentLog += chunk.toString();
    if (agentLog.length > 4_000_000) agentLog = agentLog.slice(-1_000_000);
  });
  const subscriber = await connectAsync(broker.url);
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  subscriber.on('message', (topic) => {
    const device = topic.split('/')[1] as string;
    const start = sentAt.get(device);
    if (start !== undefined) {
      latencies.push(nowMs() - start);
      sentAt.delete(device);
    }
  });
  await subscriber.subscribeAsync('flood/+/ring', { qos: 1 });
  while (!agentLog.includes('"msg":"MQTT connected"')) await sleep(50);
  for (const uni of unis) {
    await uni.open();
    await uni.report(); // first contact: baseline and address pin
  }
  await sleep(1_000);

  const flood = new Worker(FLOOD, {
    eval: true,
    workerData: {
      port: coiotPort,
      rate: garbageRate,
      packets: garbagePackets(unis.map((u) => u.mac)),
      sources: Array.from({ length: 256 }, (_, i) => `127.0.9.${i}`),
    },
  });
  const floodDone = new Promise<{ sent: number; seconds: number }>((resolve) =>
    flood.once('message', resolve),
  );
  await sleep(2_000); // let the flood reach its rate

  const pid = agent.pid as number;
  const cpuStart = cpuSeconds(pid);
  const rss: Array<[number, number]> = [];
  const started = Date.now();
  let presses = 0;
  let nextPeriodic = 0;
  const lastPress = new Map<FakeUni, number>();
  while (Date.now() - started < seconds * 1000) {
    const elapsed = Date.now() - started;
    if (rss.length === 0 || elapsed - (rss.at(-1) as [number, number])[0] >= 5_000)
      rss.push([elapsed, rssMb(pid)]);
    // Periodic reports every 15 s per device, spread evenly.
    const dueReports = Math.floor((elapsed / 15_000) * devices);
    for (; nextPeriodic < dueReports; nextPeriodic++)
      await (unis[nextPeriodic % devices] as FakeUni).report(false);
    // About 10 presses a second in all; one device at most every 3 s.
    const uni = unis[Math.floor(Math.random() * devices)] as FakeUni;
    if (!uni.level && Date.now() - (lastPress.get(uni) ?? 0) > 3_000 && !sentAt.has(uni.id)) {
      lastPress.set(uni, Date.now());
      sentAt.set(uni.id, nowMs());
      await uni.pressDown();
      presses++;
      setTimeout(() => void uni.release(), 120);
    }
    await sleep(100);
  }
  await sleep(2_000);
  rss.push([Date.now() - started, rssMb(pid)]);
  const cpu = cpuSeconds(pid) - cpuStart;
  flood.postMessage('stop');
  const sentGarbage = await floodDone;
  agent.kill('SIGTERM');
  await new Promise((r) => agent.once('exit', r));
  const stopped = agentLog
    .split('\n')
    .filter((l) => l.includes('"msg":"stopped"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .at(-1);

  const sorted = [...latencies].sort((a, b) => a - b);
  const steady = rss.filter(([t]) => t >= 10_000).map(([, mb]) => mb);
  console.log(
    `garbage flood: ${seconds} s, ${devices} real devices, ${presses} presses` +
      (process.env.FLOOD_HEALTH === 'off' ? ' (health monitoring off)' : ''),
  );
  console.log(
    `  garbage sent:    ${sentGarbage.sent} datagrams (${Math.round(sentGarbage.sent / sentGarbage.seconds)}/s, 40% random bytes, 30% unknown devices, 30% forged real ids, 256 sources)`,
  );
  console.log(
    `  rings:           ${latencies.length}/${presses} received, ${presses - latencies.length} lost` +
      ` — latency p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p99 ${percentile(sorted, 0.99).toFixed(1)} ms, max ${(sorted.at(-1) ?? Number.NaN).toFixed(1)} ms`,
  );
  console.log(
    `  agent RSS (MB):  ${rss.map(([t, mb]) => `${Math.round(t / 1000)}s:${mb.toFixed(1)}`).join(' ')}`,
  );
  if (steady.length > 1)
    console.log(
      `  RSS after warm-up: min ${Math.min(...steady).toFixed(1)} MB, max ${Math.max(...steady).toFixed(1)} MB, first→last ${(steady.at(-1) as number) - (steady[0] as number) >= 0 ? '+' : ''}${((steady.at(-1) as number) - (steady[0] as number)).toFixed(1)} MB`,
    );
  console.log(`  agent CPU:       ${((cpu / seconds) * 100).toFixed(0)}% of one core`);
  if (stopped)
    console.log(
      `  agent counters:  datagrams ${stopped.datagrams}, rate-limited ${stopped.rateLimited}, spoofed ${stopped.spoofed}, unknown devices ${stopped.unknownDevices}, bad input ${stopped.bad_input}`,
    );
  for (const uni of unis) uni.close();
  await subscriber.endAsync();
  await broker.stop();
  const p99 = percentile(sorted, 0.99);
  if (latencies.length < presses || !(p99 <= 50)) process.exitCode = 1;
}

await main();

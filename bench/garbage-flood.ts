/**
 * Sustained garbage beside real devices, end to end on loopback: the agent runs as a child process (as users run
 * it) publishing to a real mosquitto; 100 emulated Unis, each on its own loopback address, send byte-exact SHUNI-1
 * reports (every 15 s) and presses (about 10 a second in all); worker threads flood the CoIoT port from 1,024 other
 * addresses with random bytes, well-formed reports of unknown devices, and reports forging the real devices' ids.
 *
 * Prints: presses vs rings (latency from the rising-edge datagram leaving the Uni to the ring reaching an MQTT
 * subscriber, p50/p99/max), the agent's RSS at the start, every 30 s and at the end, its CPU, datagrams sent vs
 * received and the kernel's drop counter for the agent's socket (/proc/net/udp) and for the host (/proc/net/snmp).
 * Then a ramp (FLOOD_RAMP=off to skip it): a few seconds at each of several rates, to show where the kernel starts
 * dropping and what the agent's CPU is at each. Exits non-zero if a press did not ring or p99 > 50 ms.
 *
 * Usage: npx tsx bench/garbage-flood.ts [seconds=120] [garbage-per-second=100000] [devices=100]
 * (FLOOD_HEALTH=off runs the agent with `health.enabled: false`, to tell the cost of health monitoring apart;
 * FLOOD_THREADS=n sends from n worker threads, 1 by default: on a 2-core host a second one takes CPU from the agent;
 * FLOOD_LONGPUSH_S=s gives the agent the Unis' long-push time, `detector.longpush_s`; FLOOD_DEVICE_SOCKETS=off
 * runs it with `coiot.device_sockets: false`, every datagram through the one shared socket.)
 */
import { writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { FakeUni, macFor } from '../test/faults/support.ts';
import { startMosquitto } from '../test/helpers/mosquitto.ts';
import { freeUdpPort } from '../test/helpers/udp.ts';
import { Flood, garbagePackets, socketDrops, socketDropsApart, udpCounters } from './flood-sender.ts';
import { cpuSeconds, percentile, rssMb, spawnAgent } from './process-stats.ts';

const seconds = Number(process.argv[2] ?? 120);
const garbageRate = Number(process.argv[3] ?? 100_000);
const devices = Number(process.argv[4] ?? 100);
const RAMP = [25_000, 50_000, 100_000, 150_000, 200_000, 300_000];
const RAMP_STEP_S = 5;
const SOURCES = Array.from({ length: 1_024 }, (_, i) => `127.0.${9 + (i >> 8)}.${i & 255}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const fmt = (n: number) => Math.round(n).toLocaleString('en');

async function main() {
  const loadBefore = loadavg()[0] as number;
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
      coiot: {
        listen: '127.0.0.1',
        port: coiotPort,
        multicast: false,
        device_sockets: process.env.FLOOD_DEVICE_SOCKETS !== 'off',
      },
      security: { verify_http: false },
      ...(process.env.FLOOD_HEALTH === 'off' ? { health: { enabled: false } } : {}),
      // The Unis' long-push time, if the run should know it (README Limits: "A fall first heard in a late re-send").
      ...(process.env.FLOOD_LONGPUSH_S
        ? { detector: { longpush_s: Number(process.env.FLOOD_LONGPUSH_S) } }
        : {}),
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
  /** Per device, when each press not rung yet left the Uni, oldest first. */
  const pending = new Map<string, number[]>();
  const latencies: number[] = [];
  let unexpectedRings = 0;
  subscriber.on('message', (topic) => {
    const start = pending.get(topic.split('/')[1] as string)?.shift();
    if (start === undefined) unexpectedRings++;
    else latencies.push(nowMs() - start);
  });
  await subscriber.subscribeAsync('flood/+/ring', { qos: 1 });
  while (!agentLog.includes('"msg":"MQTT connected"')) await sleep(50);
  let realSent = 0;
  for (const uni of unis) {
    await uni.open();
    await uni.report(); // first contact: baseline and address pin
    realSent++;
  }
  await sleep(1_000);

  const pid = agent.pid as number;
  const flood = new Flood(
    coiotPort,
    garbageRate,
    garbagePackets(unis.map((u) => u.mac)),
    SOURCES,
    Number(process.env.FLOOD_THREADS ?? 1),
  );
  await flood.ready();
  await sleep(2_000); // let the flood reach its rate

  const before = {
    sent: await flood.sent(),
    drops: socketDrops(coiotPort),
    host: udpCounters(),
    real: realSent,
  };
  const cpuStart = cpuSeconds(pid);
  const rss: Array<[number, number]> = [[0, rssMb(pid)]];
  const started = Date.now();
  const startedMono = nowMs();
  let presses = 0;
  let nextPeriodic = 0;
  const lastPress = new Map<FakeUni, number>();
  while (Date.now() - started < seconds * 1000) {
    const elapsed = Date.now() - started;
    if (elapsed - (rss.at(-1) as [number, number])[0] >= 30_000) rss.push([elapsed, rssMb(pid)]);
    // Periodic reports every 15 s per device, spread evenly.
    const dueReports = Math.floor((elapsed / 15_000) * devices);
    for (; nextPeriodic < dueReports; nextPeriodic++, realSent++)
      await (unis[nextPeriodic % devices] as FakeUni).report(false);
    // About 10 presses a second in all; one device at most every 3 s.
    const uni = unis[Math.floor(Math.random() * devices)] as FakeUni;
    if (!uni.level && Date.now() - (lastPress.get(uni) ?? 0) > 3_000) {
      lastPress.set(uni, Date.now());
      const queue = pending.get(uni.id) ?? [];
      pending.set(uni.id, queue);
      queue.push(nowMs());
      await uni.pressDown();
      presses++;
      realSent += 2;
      setTimeout(() => void uni.release(), 120);
    }
    await sleep(100);
  }
  await sleep(2_000); // the last rings
  // A press whose reports the kernel all dropped rings from one of the Uni's next reports, every 15 s: send up to
  // three rounds of them (the flood goes on, and may drop those too), so that a press of the last seconds is not
  // counted as missing for want of a report.
  const rungInRun = latencies.length;
  const waiting = () => [...pending.values()].some((queue) => queue.length > 0);
  for (let round = 0; round < 3 && waiting(); round++) {
    for (const uni of unis) {
      await uni.report(false);
      realSent++;
    }
    await sleep(2_000);
  }
  const mainS = (Date.now() - started) / 1000;
  rss.push([Date.now() - started, rssMb(pid)]);
  const cpu = (cpuSeconds(pid) - cpuStart) / mainS;
  const after = {
    sent: await flood.sent(),
    drops: socketDrops(coiotPort),
    host: udpCounters(),
    real: realSent,
  };

  const ramp: Array<{ offered: number; achieved: number; dropped: number; cpu: number }> = [];
  if (process.env.FLOOD_RAMP !== 'off') {
    for (const rate of RAMP) {
      flood.setRate(rate);
      await sleep(1_000);
      const sent0 = await flood.sent();
      const drops0 = socketDrops(coiotPort);
      const cpu0 = cpuSeconds(pid);
      const t0 = Date.now();
      await sleep(RAMP_STEP_S * 1000);
      const s = (Date.now() - t0) / 1000;
      const sent = (await flood.sent()) - sent0;
      ramp.push({
        offered: rate,
        achieved: sent / s,
        dropped: socketDrops(coiotPort) - drops0,
        cpu: (cpuSeconds(pid) - cpu0) / s,
      });
    }
  }
  const garbageTotal = await flood.stop();
  const missing = [...pending].filter(([, queue]) => queue.length > 0);
  if (missing.length > 0) {
    // What the agent logged of each device with a press not rung, for a look at why.
    const file = join(tmpdir(), `garbage-flood-missing-${process.pid}.log`);
    const lines = agentLog.split('\n').filter((l) => missing.some(([id]) => l.includes(id)));
    const pressed = missing.map(
      ([id, queue]) =>
        `${id}: pressed at ${queue.map((t) => ((t - startedMono) / 1000).toFixed(1)).join(', ')} s`,
    );
    writeFileSync(file, [...pressed, ...lines].join('\n'));
    console.log(`  not rung: ${pressed.join('; ')} (the agent's log of those devices: ${file})`);
  }
  const { total: dropsTotal, devices: dropsOnDeviceSockets } = socketDropsApart(coiotPort);
  agent.kill('SIGTERM');
  await new Promise((r) => agent.once('exit', r));
  const stopped = agentLog
    .split('\n')
    .filter((l) => l.includes('"msg":"stopped"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .at(-1);

  const sorted = [...latencies].sort((a, b) => a - b);
  const p99 = percentile(sorted, 0.99);
  const garbage = after.sent - before.sent;
  const real = after.real - before.real;
  const dropped = after.drops - before.drops;
  console.log(
    `garbage flood: ${Math.round(mainS)} s at ${fmt(garbageRate)} garbage datagrams/s, ${devices} real Unis, ${presses} presses` +
      (process.env.FLOOD_HEALTH === 'off' ? ' (health monitoring off)' : '') +
      (process.env.FLOOD_LONGPUSH_S ? ` (detector.longpush_s ${process.env.FLOOD_LONGPUSH_S})` : '') +
      (process.env.FLOOD_DEVICE_SOCKETS === 'off' ? ' (coiot.device_sockets off)' : '') +
      ` — host load average ${loadBefore.toFixed(1)} before, ${(loadavg()[0] as number).toFixed(1)} after`,
  );
  console.log(
    `  garbage:         ${fmt(garbage)} datagrams sent (${fmt(garbage / mainS)}/s from ${SOURCES.length} addresses: 40 % random bytes, 30 % unknown devices, 30 % forged real ids)`,
  );
  console.log(
    `  rings:           ${latencies.length} rung of ${presses} presses (${latencies.length - rungInRun} of them from the Unis' reports after the run, ${presses - latencies.length} missing, ${unexpectedRings} unexpected) — latency p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${(sorted.at(-1) ?? Number.NaN).toFixed(1)} ms`,
  );
  console.log(
    `  datagrams:       ${fmt(garbage + real)} sent (${fmt(real)} by the Unis), ${fmt(garbage + real - dropped)} received, ${fmt(dropped)} dropped by the kernel (${((dropped / (garbage + real)) * 100).toFixed(2)} %, the agent's sockets' drop counters; ${fmt(dropsOnDeviceSockets)} in all on the Unis' own sockets); host UDP RcvbufErrors +${fmt(after.host.rcvbufErrors - before.host.rcvbufErrors)}, InErrors +${fmt(after.host.inErrors - before.host.inErrors)}`,
  );
  console.log(
    `  agent RSS (MB):  ${rss.map(([t, mb]) => `${Math.round(t / 1000)} s: ${mb.toFixed(1)}`).join(', ')}`,
  );
  console.log(`  agent CPU:       ${(cpu * 100).toFixed(0)} % of one core`);
  if (ramp.length > 0) {
    console.log('  ramp (garbage offered → sent, dropped by the kernel, agent CPU):');
    for (const step of ramp)
      console.log(
        `    ${fmt(step.offered).padStart(8)}/s → ${fmt(step.achieved).padStart(8)}/s, dropped ${((step.dropped / (step.achieved * RAMP_STEP_S)) * 100).toFixed(2).padStart(6)} %, CPU ${(step.cpu * 100).toFixed(0)} %`,
      );
    const first = ramp.find((step) => step.dropped > 0.001 * step.achieved * RAMP_STEP_S);
    console.log(
      `  kernel drops start: ${first ? `at ≈${fmt(first.achieved)}/s` : `not up to ${fmt(Math.max(...ramp.map((s) => s.achieved)))}/s`} (more than 0.1 % of a step dropped)`,
    );
  }
  if (stopped)
    console.log(
      `  agent counters:  datagrams ${fmt(Number(stopped.datagrams))} (sent in all ${fmt(garbageTotal + realSent)}, kernel drops in all ${fmt(dropsTotal)}), rate-limited ${fmt(Number(stopped.rateLimited))}, spoofed ${fmt(Number(stopped.spoofed))}, unknown devices ${fmt(Number(stopped.unknownDevices))}, bad input ${fmt(Number(stopped.bad_input))}, sockets of the Unis ${stopped.device_sockets ?? 0}`,
    );
  for (const uni of unis) uni.close();
  await subscriber.endAsync();
  await broker.stop();
  if (latencies.length < presses || !(p99 <= 50)) process.exitCode = 1;
}

await main();

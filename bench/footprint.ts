/**
 * The agent's footprint, each figure beside bare Node and beside its target (issue 15), in one run:
 * - bare `node -e` RSS (the floor no agent can go below);
 * - `run` idle RSS with one doorbell (an emulated Uni reporting every 15 s) and an external mosquitto;
 * - RSS with 1,000 emulated Unis (the real emulator, one socket and one address each) reporting every 15 s, with
 *   a few presses;
 * - the time from exec to `running` (CoIoT listening, MQTT connected: the agent's own log line), several starts;
 * - the time `doorbell-agent --help` takes to exit, several runs.
 * The agent runs as users run it (`node bin/doorbell-agent.js …`, the bundle in .build/ already built). No
 * assertions: figures are noisy on a busy machine, so run it a few times.
 * Usage: npx tsx bench/footprint.ts [idle-seconds=20] [fleet-seconds=60] [devices=1000] [starts=5]
 * `BENCH_HEAPSNAPSHOT=<dir>` writes a heap snapshot of the agent there at the end of the idle and the fleet runs;
 * `BENCH_AGENT_FLAGS="--trace-gc …"` adds Node/V8 flags to the agent's command line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { type EmulatedUni, startEmulatedUni } from '../simulator/emulator/uni.ts';
import { freeUdpPort } from '../simulator/network/free-port.ts';
import { type Broker, startMosquitto } from '../test/helpers/mosquitto.ts';
import { percentile, rssMb } from './process-stats.ts';

const idleSeconds = Number(process.argv[2] ?? 20);
const fleetSeconds = Number(process.argv[3] ?? 60);
const devices = Number(process.argv[4] ?? 1000);
const starts = Number(process.argv[5] ?? 5);
const PERIOD_S = 15;
const BIN = 'bin/doorbell-agent.js';
const addressOf = (i: number) => `127.2.${Math.floor(i / 250)}.${(i % 250) + 1}`;
const macOf = (i: number) => `98CDAE${i.toString(16).toUpperCase().padStart(6, '0')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** RSS of `pid` sampled every 100 ms for `seconds`: the last sample and the largest. */
async function sampleRss(pid: number, seconds: number): Promise<{ last: number; max: number }> {
  let max = 0;
  let last = 0;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    last = rssMb(pid);
    max = Math.max(max, last);
    await sleep(100);
  }
  return { last, max };
}

async function bareNode(): Promise<{ last: number; max: number }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await sleep(500);
  const rss = await sampleRss(child.pid as number, 2);
  child.kill('SIGKILL');
  return rss;
}

/** Starts `run` with `devices` doorbells; resolves once it logged `running`, with the ms since exec. */
async function startAgent(
  broker: Broker,
  coiotPort: number,
  count: number,
): Promise<{ child: ChildProcess; startMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-footprint-'));
  const configFile = join(dir, 'agent.yaml');
  const config = {
    store: { path: join(dir, 'state.sqlite') },
    mqtt: { url: broker.url, base_topic: 'footprint' },
    coiot: { listen: '127.0.0.1', port: coiotPort, multicast: false },
    log: { level: 'info' },
    devices: Array.from({ length: count }, (_, i) => ({
      id: `shellyuni-${macOf(i)}`,
      chime: { mode: 'mechanical' },
    })),
  };
  writeFileSync(configFile, stringify(config));
  const started = nowMs();
  const snapshots = process.env.BENCH_HEAPSNAPSHOT
    ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${process.env.BENCH_HEAPSNAPSHOT}`]
    : [];
  const flags = (process.env.BENCH_AGENT_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...flags, ...snapshots, BIN, 'run', '--config', configFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const startMs = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      stderr += chunk;
      if (stderr.includes('"msg":"running"')) {
        child.stderr?.off('data', onData);
        child.stderr?.resume(); // keep draining: warnings about devices the bench does not serve
        resolve(nowMs() - started);
      }
    };
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`agent exited ${code} before running:\n${stderr}`)));
  });
  return { child, startMs };
}

async function stopAgent(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const dir = process.env.BENCH_HEAPSNAPSHOT;
  if (dir) {
    const before = new Set(readdirSync(dir));
    child.kill('SIGUSR2');
    let file: string | undefined;
    while (!file) {
      await sleep(200);
      file = readdirSync(dir).find((f) => !before.has(f));
    }
    // The file appears when writing starts: wait until it stops growing.
    for (let size = -1; size !== statSync(join(dir, file)).size; await sleep(1_000))
      size = statSync(join(dir, file)).size;
    console.log(`heap snapshot: ${join(dir, file)}`);
  }
  await new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

async function startUnis(count: number, coiotPort: number, spreadS: number): Promise<EmulatedUni[]> {
  const unis: EmulatedUni[] = [];
  const began = Date.now();
  for (let i = 0; i < count; i++) {
    unis.push(
      await startEmulatedUni({
        gen: 'gen1',
        mac: macOf(i),
        coiotPeriodS: PERIOD_S,
        coiot: { peer: { host: '127.0.0.1', port: coiotPort }, bindAddress: addressOf(i) },
        ip: addressOf(i),
      }),
    );
    // Spread over one update period, so the periodic re-sends are spread as in a real house.
    const due = began + ((i + 1) / count) * spreadS * 1000;
    if (due > Date.now()) await sleep(due - Date.now());
  }
  return unis;
}

async function timeHelp(): Promise<number> {
  const started = nowMs();
  const child = spawn(process.execPath, [BIN, '--help'], { stdio: 'ignore' });
  await new Promise((r) => child.once('exit', r));
  return nowMs() - started;
}

const spread = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `median ${percentile(sorted, 0.5).toFixed(0)} (${sorted[0]?.toFixed(0)}–${sorted.at(-1)?.toFixed(0)})`;
};
const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
const verdict = (value: number, target: number) => (value <= target ? 'met' : 'missed');

async function main() {
  await timeHelp(); // builds the bundle if a source changed, so no figure below includes the build
  const bare = await bareNode();
  const broker = await startMosquitto();
  try {
    // Startup: several starts of a one-doorbell agent; the last one stays up for the idle figure.
    const startTimes: number[] = [];
    let idle = { last: 0, max: 0 };
    for (let run = 0; run < starts; run++) {
      const coiotPort = await freeUdpPort();
      const { child, startMs } = await startAgent(broker, coiotPort, 1);
      startTimes.push(startMs);
      if (run === starts - 1) {
        const unis = await startUnis(1, coiotPort, 0);
        idle = await sampleRss(child.pid as number, idleSeconds);
        for (const uni of unis) await uni.stop();
      }
      await stopAgent(child);
    }
    const helpTimes: number[] = [];
    for (let run = 0; run < starts; run++) helpTimes.push(await timeHelp());

    const coiotPort = await freeUdpPort();
    const { child } = await startAgent(broker, coiotPort, devices);
    const unis = await startUnis(devices, coiotPort, PERIOD_S);
    // A press a second on a random Uni, so rings go out too.
    let presses = 0;
    const pressing = setInterval(() => {
      const uni = unis[(presses++ * 7919) % unis.length];
      uni?.input([
        { t: 0, level: 1 },
        { t: 0.3, level: 0 },
      ]);
    }, 1000);
    const fleet = await sampleRss(child.pid as number, fleetSeconds);
    clearInterval(pressing);
    await stopAgent(child);
    for (const uni of unis) await uni.stop();

    // MiB. "now" is the last sample (the steady figure the targets are read against), "peak" the largest.
    const mb = (v: number) => `${v.toFixed(1)} MB`;
    console.log(`node ${process.version}, ${new Date().toISOString()}`);
    console.log(`bare node -e RSS:                         ${mb(bare.last)}`);
    console.log(
      `run idle, 1 doorbell, external broker:    ${mb(idle.last)} after ${idleSeconds} s (+${mb(idle.last - bare.last)} over bare node; peak ${mb(idle.max)} at start) — target <= 60 MB: ${verdict(idle.last, 60)}`,
    );
    console.log(
      `run, ${devices} Unis every ${PERIOD_S} s, ${fleetSeconds} s:     ${mb(fleet.last)} at the end (+${mb(fleet.last - bare.last)} over bare node; peak ${mb(fleet.max)}) — target <= 80 MB: ${verdict(fleet.last, 80)}`,
    );
    console.log(
      `exec -> running (listening, connected):   ${spread(startTimes)} ms over ${starts} starts — target <= 500 ms: ${verdict(median(startTimes), 500)}`,
    );
    console.log(
      `--help:                                   ${spread(helpTimes)} ms over ${starts} runs — target <= 300 ms: ${verdict(median(helpTimes), 300)}`,
    );
  } finally {
    await broker.stop();
  }
}

await main();

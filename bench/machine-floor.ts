/**
 * What this machine costs before any agent code runs: the baseline for `ring-latency.ts` (end to end) and
 * `added-latency.ts` (the agent's own step).
 *
 * 1. Three hops of nothing. A ring crosses three process boundaries: emulator → agent (UDP), agent → mosquitto
 *    (TCP), mosquitto → subscriber (TCP). Here two bare Node processes stand in for the agent and the broker and
 *    only pass each byte on, with the same pacing as `ring-latency.ts` (presses at 5/s, background reports the
 *    relay drops). No decoding, no MQTT, no disk: what is left is waking three processes on this machine.
 * 2. Cold work. The same fixed work (JSON.parse of a CoIoT-sized status, 20 times) timed right after the previous
 *    run, and after an idle gap like the gaps between presses. The ratio says how much slower any code runs after
 *    the CPU sat idle (caches, branch predictors, a virtual CPU the host parked): it multiplies the agent's step.
 *
 * Usage: npx tsx bench/machine-floor.ts [seconds=30]
 */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { loadavg } from 'node:os';
import { percentile } from './process-stats.ts';

const role = process.argv[2];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Hop 1 (the agent's place): a datagram starting with `P` goes on over TCP; any other is dropped. */
function relayUdpToTcp(udpPort: number, tcpPort: number): void {
  const out = net.connect(tcpPort, '127.0.0.1');
  out.setNoDelay(true);
  const socket = dgram.createSocket('udp4');
  socket.on('message', (bytes) => {
    if (bytes[0] === 0x50) out.write(bytes.subarray(0, 9));
  });
  out.once('connect', () => socket.bind(udpPort, '127.0.0.1', () => process.send?.('ready')));
}

/** Hop 2 (the broker's place): what comes in from hop 1 goes out to whoever connected second (the subscriber). */
function relayTcpToTcp(tcpPort: number): void {
  const peers: net.Socket[] = [];
  const server = net.createServer((peer) => {
    peer.setNoDelay(true);
    peers.push(peer);
    peer.on('data', (bytes) => {
      if (peer === peers[0]) peers[1]?.write(bytes);
    });
  });
  server.listen(tcpPort, '127.0.0.1', () => process.send?.('ready'));
}

function child(...args: string[]) {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'bench/machine-floor.ts', ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return {
    proc,
    ready: new Promise<void>((resolve) => proc.once('message', () => resolve())),
  };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function threeHops(seconds: number): Promise<number[]> {
  const [udpPort, tcpPort] = [await freePort(), await freePort()];
  const broker = child('broker', String(tcpPort));
  await broker.ready;
  const agent = child('agent', String(udpPort), String(tcpPort));
  await agent.ready;
  const subscriber = net.connect(tcpPort, '127.0.0.1');
  subscriber.setNoDelay(true);
  await new Promise((r) => subscriber.once('connect', r));
  await sleep(200);
  const sentAt = new Map<number, bigint>();
  const latencies: number[] = [];
  let pending = Buffer.alloc(0);
  subscriber.on('data', (bytes) => {
    const now = process.hrtime.bigint();
    pending = Buffer.concat([pending, bytes]);
    for (; pending.length >= 9; pending = pending.subarray(9)) {
      const id = pending.readUInt32BE(1);
      const start = sentAt.get(id);
      if (start !== undefined) latencies.push(Number(now - start) / 1e6);
      sentAt.delete(id);
    }
  });
  const sender = dgram.createSocket('udp4');
  const send = (bytes: Buffer) =>
    new Promise<void>((resolve) => sender.send(bytes, udpPort, '127.0.0.1', () => resolve()));
  const report = Buffer.alloc(300, 0x52); // a periodic report's size, dropped by hop 1
  const started = Date.now();
  let nextReport = 0;
  let nextPress = 0;
  let id = 0;
  while (Date.now() - started < seconds * 1000) {
    const elapsed = Date.now() - started;
    for (; nextReport < Math.floor((elapsed / 15_000) * 1000); nextReport++) await send(report);
    if (elapsed >= nextPress) {
      nextPress += 200;
      const press = Buffer.alloc(300, 0x50);
      press.writeUInt32BE(++id, 1);
      sentAt.set(id, process.hrtime.bigint());
      await send(press);
    }
    await sleep(5);
  }
  await sleep(500);
  sender.close();
  subscriber.destroy();
  agent.proc.kill();
  broker.proc.kill();
  return latencies.sort((a, b) => a - b);
}

async function coldWork(gapMs: number, runs: number): Promise<number[]> {
  const status = JSON.stringify({
    G: Array.from({ length: 40 }, (_, i) => [0, 100 + i, i % 3 === 0 ? 'S' : i * 3.5]),
  });
  const work = () => {
    let n = 0;
    for (let k = 0; k < 20; k++) n += (JSON.parse(status) as { G: unknown[] }).G.length;
    return n;
  };
  for (let i = 0; i < 20_000; i++) work();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    await sleep(gapMs);
    const start = process.hrtime.bigint();
    work();
    times.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return times.sort((a, b) => a - b);
}

async function main() {
  const seconds = Number(process.argv[2] ?? 30);
  const hops = await threeHops(seconds);
  const back = await coldWork(1, 200);
  const idle = await coldWork(200, 200);
  const f = (xs: number[], q: number, digits: number) => percentile(xs, q).toFixed(digits);
  console.log(`${seconds} s, load now ${loadavg()[0]?.toFixed(2)}`);
  console.log(
    `three hops of nothing (UDP, TCP, TCP through two bare Node relays), ${hops.length} presses: ` +
      `p50 ${f(hops, 0.5, 2)} ms, p99 ${f(hops, 0.99, 2)} ms, max ${hops.at(-1)?.toFixed(2)} ms ` +
      `(ring-latency's target: p99 <= 3 ms, ratio ${(percentile(hops, 0.99) / 3).toFixed(2)})`,
  );
  console.log(
    `cold work: the same work after 1 ms: p50 ${f(back, 0.5, 0)} us, p99 ${f(back, 0.99, 0)} us; ` +
      `after 200 ms idle: p50 ${f(idle, 0.5, 0)} us, p99 ${f(idle, 0.99, 0)} us; ` +
      `ratio p50 ${(percentile(idle, 0.5) / percentile(back, 0.5)).toFixed(1)}x`,
  );
}

if (role === 'agent') relayUdpToTcp(Number(process.argv[3]), Number(process.argv[4]));
else if (role === 'broker') relayTcpToTcp(Number(process.argv[3]));
else await main();

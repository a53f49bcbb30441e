/**
 * Datagrams per second through the live CoIoT pipeline, built as `run` builds it (`buildDecisionGraph`: address
 * pins and rate limits on, health monitors on its hooks), beside the `shellies` npm package (node-shellies)
 * decoding the very same datagrams, in the same run, on one core. The datagrams are a day in the life of 1,000
 * SHUNI-1s on a virtual clock: periodic re-sends every 15 s (same serial, same payload) and presses (rise, release
 * with `S`, the event string cleared 5 s later: each a new serial). Each round builds fresh graphs (outside the
 * timing) and times every side on the same chunk of 10,000 datagrams in turn, so that a busy machine slows all sides
 * alike; the ratio is taken per round.
 *
 * Usage: npx tsx bench/decode-throughput.ts [datagrams=300000] [rounds=5] [sides=all] [presses per doorbell a day=24]
 * (DECODE_HEALTH=off builds the graph with `health.enabled: false`, to tell the cost of the health monitors apart.)
 * Lines: `live pipeline` = what `run`'s decision loop calls per datagram (`pipeline.admitCoiotFrom`, the rate
 * limits, with the sender's address as Node hands it; then `pipeline.decideCoiot` with the `host:port` string it
 * builds) + `graph.tick` when due;
 * `+ delivery step` = the same inside `Delivery.step` on a SQLite store (the transaction `run` wraps each datagram
 * in); `decode only` = packet + status payload of every datagram, no de-duplication (like for like with shellies).
 */

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parse } from 'coap-packet';
import { configSchema } from '../agent/config/schema.ts';
import { silentLogger } from '../agent/core/logger.ts';
import { type DetectorOutput, MemoryChannelStore } from '../agent/detect/detector.ts';
import { MemoryHealthStore } from '../agent/health/record.ts';
import { decodeCoiot } from '../agent/protocol/coiot-packet.ts';
import { SHUNI1_SENSORS } from '../agent/protocol/coiot-sensors.ts';
import { decodeStatus } from '../agent/protocol/coiot-status.ts';
import { buildDecisionGraph } from '../agent/runtime/decision-graph.ts';
import { Delivery } from '../agent/runtime/delivery.ts';
import { HealthRuntime } from '../agent/runtime/health-runtime.ts';
import { pinsFrom } from '../agent/runtime/security-setup.ts';
import { SqliteStore } from '../agent/store/channel-store.ts';
import { SqliteHealthStore } from '../agent/store/health-store.ts';
import { encodeStatus, shuniValues } from '../simulator/emulator/coiot-encode.ts';

const require = createRequire(import.meta.url);
const coap = require('coap') as { IncomingMessage: new (packet: unknown, rinfo: unknown) => unknown };
(require('shellies/lib/coap/options.js') as { register(): void }).register();
const ShelliesMessage = require('shellies/lib/coap/message.js') as new (msg: unknown) => { payload: unknown };

const total = Number(process.argv[2] ?? 300_000);
const rounds = Number(process.argv[3] ?? 5);
/** Which sides to run (comma-separated; default all): handy under `node --cpu-prof`. */
const only = process.argv[4]?.split(',');
const DEVICES = 1_000;
const PERIOD_MS = 15_000;
/** Presses per doorbell per day: 24 by default, a busy front door (1,000 doorbells: ~0.3 presses/s in all). */
const pressesPerDay = Number(process.argv[5] ?? 24);
const PRESS_EVERY_MS = 86_400_000 / pressesPerDay;
const macOf = (i: number) => `98CDAC${i.toString(16).toUpperCase().padStart(6, '0')}`;
const addressOf = (i: number) => `10.0.${i >> 8}.${i & 255}`;

interface Datagram {
  t: number;
  bytes: Buffer;
  address: string;
  port: number;
}

/** The sender's address as a new string, as Node's `rinfo.address` is for every datagram (its hash not computed). */
const freshCopy = (s: string) => ` ${s}`.slice(1);

/** The wire traffic of 1,000 Unis, in arrival order, and how many presses it holds. */
function makeTraffic(): { datagrams: Datagram[]; presses: number } {
  let seed = 42;
  const rand = () => {
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  // ~70 datagrams/s in all: run the clock until `total` of them were sent.
  const endMs = Math.ceil(
    (total / (DEVICES / (PERIOD_MS / 1000) + (3 * DEVICES) / (PRESS_EVERY_MS / 1000))) * 1000,
  );
  const datagrams: Datagram[] = [];
  let presses = 0;
  for (let i = 0; i < DEVICES; i++) {
    // What changes the status (a new serial): rise, release with S and a counter step, the event string expiring.
    const changes: Array<{ t: number; level: boolean; event: string; step: number }> = [];
    for (let t = rand() * PRESS_EVERY_MS * 2; t < endMs - 10_000; t += 1_000 + rand() * PRESS_EVERY_MS * 2) {
      const hold = 150 + rand() * 500;
      changes.push({ t, level: true, event: '', step: 0 });
      changes.push({ t: t + hold, level: false, event: 'S', step: 1 });
      changes.push({ t: t + hold + 5_000, level: false, event: '', step: 0 });
      presses++;
      t += hold + 5_000;
    }
    const state = {
      serial: 1 + Math.floor(rand() * 60_000),
      mid: Math.floor(rand() * 65_536),
      level: false,
      event: '',
      count: Math.floor(rand() * 65_536),
    };
    // One string per Uni: what stands for the sender here is read for every datagram, and a socket makes it anew
    // from an address that was just in the kernel's hands (hot), not from 300,000 strings strewn over the heap.
    const address = addressOf(i);
    const send = (t: number) =>
      datagrams.push({
        t: Math.round(t),
        address,
        port: 5683,
        bytes: encodeStatus({
          deviceType: 'SHUNI-1',
          mac: macOf(i),
          messageId: state.mid++,
          serial: state.serial,
          values: shuniValues({
            inputs: [
              { level: state.level, event: state.event, count: state.count },
              { level: false, event: '', count: 0 },
            ],
          }),
        }),
      });
    let next = 0;
    const applyChangesUntil = (until: number) => {
      for (; next < changes.length && (changes[next] as (typeof changes)[number]).t <= until; next++) {
        const change = changes[next] as (typeof changes)[number];
        state.serial = (state.serial % 65_535) + 1;
        state.level = change.level;
        state.event = change.event;
        state.count = (state.count + change.step) % 65_536;
        send(change.t);
      }
    };
    for (let t = rand() * PERIOD_MS; t < endMs; t += PERIOD_MS) {
      applyChangesUntil(t);
      send(t);
    }
    applyChangesUntil(Number.POSITIVE_INFINITY);
  }
  datagrams.sort((a, b) => a.t - b.t);
  return { datagrams, presses };
}

const config = configSchema.parse({
  ...(process.env.DECODE_HEALTH === 'off' ? { health: { enabled: false } } : {}),
  devices: Array.from({ length: DEVICES }, (_, i) => ({
    id: `shellyuni-${macOf(i)}`,
    address: addressOf(i),
    chime: { mode: 'mechanical' },
  })),
});

/** The graph as `run` builds it (`startAgent`), minus sockets: the same function, pins and rate limits on. */
function liveGraph(withDelivery: boolean) {
  let dir: string | undefined;
  let store: SqliteStore | undefined;
  let health: HealthRuntime;
  let delivery: Delivery | undefined;
  if (withDelivery) {
    // On tmpfs when there is one: the health records `run` writes once a minute per doorbell cost fsyncs by time,
    // not by datagram, and this run squeezes 72 virtual minutes into seconds.
    dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'bench-decode-'));
    store = new SqliteStore(join(dir, 'state.sqlite'));
    const database = store.database;
    health = new HealthRuntime(config, new SqliteHealthStore(database), () => {});
    delivery = new Delivery(store, silentLogger, {
      maxEntries: config.outbox.max_entries,
      send: async () => {},
      afterStep: () => health.flush(),
    });
    delivery.open();
  } else health = new HealthRuntime(config, new MemoryHealthStore(), () => {});
  const graph = buildDecisionGraph({
    config,
    log: silentLogger,
    channels: store ?? new MemoryChannelStore(),
    health,
    pins: pinsFrom(config),
    hooks: {
      onProblem: () => {},
      onAddressToVerify: () => {},
      onNewCoiotDevice: () => {},
      onCoiotAccepted: () => {},
    },
    startMs: 0,
  });
  let rings = 0;
  const count = (output: DetectorOutput | null) => {
    if (output) rings += output.rings.length;
    health.flush();
  };
  const step = delivery
    ? (decide: () => DetectorOutput) => count((delivery as Delivery).step(decide))
    : (decide: () => DetectorOutput) => count(decide());
  return {
    graph,
    feed(d: Datagram) {
      for (let due = graph.nextWakeMs(); due !== null && due <= d.t; due = graph.nextWakeMs()) {
        const at = due;
        step(() => graph.tick(at));
      }
      const { address } = d;
      const sender = graph.pipeline.admitCoiotFrom(address, d.t);
      if (sender === null) return;
      const src = `${address}:${d.port}`;
      step(() => graph.pipeline.decideCoiot(d.bytes, src, sender, d.t));
    },
    finish() {
      for (let due = graph.nextWakeMs(); due !== null; due = graph.nextWakeMs()) {
        const at = due;
        step(() => graph.tick(at));
      }
      return rings;
    },
    close() {
      delivery?.close();
      store?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function shellies(d: Datagram) {
  const message = new ShelliesMessage(
    new coap.IncomingMessage(parse(d.bytes), { address: d.address, port: d.port }),
  );
  if (!message.payload) throw new Error('shellies did not decode');
}

function decodeOnly(d: Datagram) {
  decodeStatus(decodeCoiot(d.bytes), SHUNI1_SENSORS);
}

const { datagrams, presses } = makeTraffic();
console.log(
  `${datagrams.length.toLocaleString('en')} SHUNI-1 datagrams from ${DEVICES} Unis over ${Math.round((datagrams.at(-1)?.t ?? 0) / 60_000)} virtual minutes: ${presses} presses (${pressesPerDay} a doorbell a day), ${(((3 * presses) / datagrams.length) * 100).toFixed(1)} % of the datagrams a new status\n`,
);

type Side = 'live' | 'delivery' | 'decode' | 'shellies';
const SIDES: Side[] = ['shellies', 'live', 'decode', 'delivery'].filter(
  (side) => !only || only.includes(side),
) as Side[];
/** Chunks of datagrams, each timed on every side in turn: a busy machine slows both sides alike. */
const CHUNK = 10_000;
/**
 * Datagrams handed over at a time, outside the timing, as a socket hands them: each in a buffer of its own that the
 * kernel's copy has just written, so hot in the cache (256 of ~250 bytes fit in any L2), with its sender's address
 * as a new string (Node makes one per datagram: its hash not computed yet). Fed from the traffic array itself, every
 * side would first fetch each datagram from memory it last touched 300,000 datagrams ago: a cost no live decoder
 * pays, and the same for all sides, so it hid the ratio. What Node does before a handler runs (the buffer, the
 * string) is outside the timing; what a side does with them (hashing the address, reading the bytes) is inside.
 */
const RECEIVED = 256;
const receive = (from: Datagram[], start: number, end: number): Datagram[] =>
  from.slice(start, end).map((d) => ({ ...d, bytes: Buffer.from(d.bytes), address: freshCopy(d.address) }));
/**
 * A minor collection before each timed chunk, outside the timing: otherwise the garbage one side left behind is
 * collected while the next side runs, and charged to it.
 */
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as (options: { type: 'minor' | 'major' }) => void;
const rates: Record<Side, number[]> = { live: [], delivery: [], decode: [], shellies: [] };
const ratios: number[] = [];
let last: { rings: number; stats: unknown } | undefined;
for (let round = 0; round <= rounds; round++) {
  const graph = liveGraph(false);
  const withDelivery = liveGraph(true);
  const run: Record<Side, (d: Datagram) => void> = {
    shellies,
    live: (d) => graph.feed(d),
    decode: decodeOnly,
    delivery: (d) => withDelivery.feed(d),
  };
  const ns: Record<Side, number> = { live: 0, delivery: 0, decode: 0, shellies: 0 };
  for (let from = 0, k = 0; from < datagrams.length; from += CHUNK, k++) {
    const to = Math.min(from + CHUNK, datagrams.length);
    for (let j = 0; j < SIDES.length; j++) {
      const side = SIDES[(j + k) % SIDES.length] as Side;
      const fn = run[side];
      collect({ type: 'minor' });
      for (let batch = from; batch < to; batch += RECEIVED) {
        const received = receive(datagrams, batch, Math.min(batch + RECEIVED, to));
        const start = process.cpuUsage();
        for (const d of received) fn(d);
        const used = process.cpuUsage(start);
        ns[side] += (used.user + used.system) * 1000;
      }
    }
  }
  const rings = graph.finish();
  const deliveredRings = withDelivery.finish();
  for (const [side, rung] of [
    ['live', rings],
    ['delivery', deliveredRings],
  ] as const)
    if (SIDES.includes(side) && rung !== presses)
      throw new Error(`${side}: ${rung} rings for ${presses} presses`);
  last = { rings, stats: graph.graph.pipeline.stats };
  graph.close();
  withDelivery.close();
  if (round === 0) continue; // warm-up
  for (const side of SIDES) rates[side].push(datagrams.length / (ns[side] / 1e9));
  ratios.push(ns.shellies / ns.live);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fmt = (x: number) => Math.round(x).toLocaleString('en').padStart(10);
const line = (label: string, xs: number[]) =>
  console.log(
    `${label.padEnd(52)} ${fmt(median(xs))} datagrams/s  (rounds ${fmt(Math.min(...xs)).trim()}–${fmt(Math.max(...xs)).trim()})`,
  );
line('shellies (node-shellies) decode', rates.shellies);
line('doorbell-agent live pipeline (pins, rate limits)', rates.live);
line('doorbell-agent live pipeline + delivery step (SQLite)', rates.delivery);
line('doorbell-agent decode only (every datagram)', rates.decode);
const sorted = [...ratios].sort((a, b) => a - b);
console.log(
  `\nratio live pipeline / shellies: ${median(ratios).toFixed(2)}x median of ${ratios.length} rounds (${(sorted[0] as number).toFixed(2)}–${(sorted.at(-1) as number).toFixed(2)}); target ≥ 3x, floor 1.5x`,
);
console.log(
  `ratio + delivery step / shellies: ${(median(rates.delivery) / median(rates.shellies)).toFixed(2)}x; decode only / shellies: ${(median(rates.decode) / median(rates.shellies)).toFixed(2)}x`,
);
console.log(`rings: ${last?.rings} of ${presses} presses; pipeline: ${JSON.stringify(last?.stats)}`);
console.log(`host load average (1 min) at the end: ${(loadavg()[0] as number).toFixed(1)}`);

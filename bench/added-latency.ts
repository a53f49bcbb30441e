/**
 * The agent's own share of a ring's latency, in process: from the moment the datagram with the rising edge is
 * handed to the agent (its `onInput` hook, called by the UDP listener before the decision step) to the moment the
 * ring's PUBLISH is written into the TCP socket (the socket's write into libuv, after MQTT.js's `packetsend` and
 * mqtt-packet's cork; the step's commit may come after it). 1,000 emulated Unis report every 15 s over real
 * UDP, presses at 5/s, a real mosquitto; the store is a real SQLite file in a temp dir (the disk of this machine).
 * The process runs with the V8 flags the bin gives `run` (bin/v8-flags.js).
 * Usage: npx tsx bench/added-latency.ts [seconds=60] [devices=1000] [presses-per-second=5] [warm-up seconds=10]
 * Prints every ring, and the rings after the warm-up apart: the first rings run code V8 has not compiled yet.
 */
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { configSchema } from '../agent/config/schema.ts';
import { silentLogger } from '../agent/core/logger.ts';
import { startAgent } from '../agent/runtime/agent.ts';
import { startMosquitto } from '../test/helpers/mosquitto.ts';
import { freeUdpPort } from '../test/helpers/udp.ts';
import { coiotLoad, macOf } from './coiot-load.ts';
import { percentile } from './process-stats.ts';

// `run` as the bin runs it: with its V8 flags (bin/v8-flags.js: how soon code is optimized, the heap's growth).
const v8Flags = new URL('../bin/v8-flags.js', import.meta.url).href;
((await import(v8Flags)) as { setV8FlagsFor(command: string): void }).setV8FlagsFor('run');

const seconds = Number(process.argv[2] ?? 60);
const devices = Number(process.argv[3] ?? 1000);
const pressesPerSecond = Number(process.argv[4] ?? 5);
const warmUpS = Number(process.argv[5] ?? 10);

async function main() {
  const broker = await startMosquitto();
  const coiotPort = await freeUdpPort();
  const config = configSchema.parse({
    mqtt: { url: broker.url, base_topic: 'bench' },
    coiot: { listen: '127.0.0.1', port: coiotPort, multicast: false },
    store: { path: join(mkdtempSync(join(tmpdir(), 'bench-latency-')), 'state.sqlite') },
    metrics: { enabled: false },
    devices: Array.from({ length: devices }, (_, i) => ({
      id: `shellyuni-${macOf(i)}`,
      chime: { mode: 'mechanical' },
    })),
  });
  // The decision step and the publish it triggers run in the same macrotask (microtasks only), so the latest
  // input before a ring's PUBLISH is the datagram that decided it.
  let arrivedAt = 0;
  const latencies: number[] = [];
  const agent = await startAgent({
    config,
    log: silentLogger,
    version: 'bench',
    fetchDescriptions: false,
    onInput: () => {
      arrivedAt = performance.now();
    },
  });
  // The ring's PUBLISH (its first packet, on `<base>/<device>/ring`) was handed to MQTT.js; the latency ends when
  // the socket next writes into libuv (net.Socket#_writeGeneric, which both _write and _writev call).
  let ringFrom: number | null = null;
  const warm: number[] = [];
  const startedAt = performance.now();
  const handedToMqtt: number[] = [];
  agent.publisher.client.on('packetsend', (packet) => {
    if (packet.cmd !== 'publish' || !packet.topic.endsWith('/ring')) return;
    ringFrom = arrivedAt;
    handedToMqtt.push(performance.now() - arrivedAt);
  });
  const socket = agent.publisher.client.stream as unknown as {
    _writeGeneric: (...args: unknown[]) => unknown;
  };
  const writeGeneric = socket._writeGeneric;
  socket._writeGeneric = function (this: unknown, ...args: unknown[]) {
    if (ringFrom !== null) {
      latencies.push(performance.now() - ringFrom);
      if (ringFrom - startedAt >= warmUpS * 1000) warm.push(performance.now() - ringFrom);
    }
    ringFrom = null;
    return writeGeneric.apply(this, args);
  };

  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const { presses } = await coiotLoad({ devices, port: coiotPort, seconds, pressesPerSecond });
  loopDelay.disable();
  const syncs = agent.store.walSync.syncs;
  await agent.stop();
  await broker.stop();

  const sorted = [...latencies].sort((a, b) => a - b);
  const p99 = percentile(sorted, 0.99);
  console.log(`devices ${devices}, ${seconds} s, presses ${presses}, rings published ${latencies.length}`);
  console.log(
    `added latency (datagram handed to the agent -> ring PUBLISH written into the socket): p50 ${percentile(sorted, 0.5).toFixed(3)} ms, p99 ${p99.toFixed(3)} ms, max ${sorted.at(-1)?.toFixed(3)} ms`,
  );
  const warmSorted = [...warm].sort((a, b) => a - b);
  console.log(
    `  after the first ${warmUpS} s (${warm.length} rings): p50 ${percentile(warmSorted, 0.5).toFixed(3)} ms, p99 ${percentile(warmSorted, 0.99).toFixed(3)} ms, max ${warmSorted.at(-1)?.toFixed(3)} ms`,
  );
  const handed = [...handedToMqtt].sort((a, b) => a - b);
  console.log(
    `  of which up to MQTT.js's packetsend: p50 ${percentile(handed, 0.5).toFixed(3)} ms, p99 ${percentile(handed, 0.99).toFixed(3)} ms`,
  );
  console.log(
    `  host load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    `event loop delay p99 ${(loopDelay.percentile(99) / 1e6).toFixed(2)} ms, max ${(loopDelay.max / 1e6).toFixed(2)} ms; WAL syncs ${syncs}`,
  );
  console.log(`target: p99 <= 1 ms (ratio ${(p99 / 1).toFixed(2)})`);
}

await main();

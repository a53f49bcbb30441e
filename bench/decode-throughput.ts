/**
 * Datagrams per second through decode (+ dedupe + detect) on one core, beside the `shellies` npm package
 * (node-shellies) decoding the same datagrams. Usage: npx tsx bench/decode-throughput.ts [datagrams]
 */
import { createRequire } from 'node:module';
import { parse } from 'coap-packet';
import { silentLogger } from '../agent/core/logger.ts';
import { Detector, MemoryChannelStore } from '../agent/detect/detector.ts';
import { decodeCoiot } from '../agent/protocol/coiot-packet.ts';
import { SHUNI1_SENSORS } from '../agent/protocol/coiot-sensors.ts';
import { decodeStatus } from '../agent/protocol/coiot-status.ts';
import { Pipeline } from '../agent/runtime/pipeline.ts';
import { encodeStatus, shuniValues } from '../simulator/emulator/coiot-encode.ts';

const require = createRequire(import.meta.url);
const coap = require('coap') as { IncomingMessage: new (packet: unknown, rinfo: unknown) => unknown };
(require('shellies/lib/coap/options.js') as { register(): void }).register();
const ShelliesMessage = require('shellies/lib/coap/message.js') as new (msg: unknown) => { payload: unknown };

const total = Number(process.argv[2] ?? 300_000);
const DEVICES = 1_000;
const macOf = (i: number) => `98CDAC${i.toString(16).toUpperCase().padStart(6, '0')}`;

/** A day in the life of 1,000 Unis: mostly periodic re-reports, with presses (rise, then release with S). */
function makeDatagrams(): Array<{ bytes: Buffer; src: string }> {
  const out: Array<{ bytes: Buffer; src: string }> = [];
  const state = Array.from({ length: DEVICES }, () => ({ serial: 1, mid: 0, count: 0, level: false }));
  const idle = { level: false, event: '', count: 0 };
  for (let n = 0; out.length < total; n++) {
    const i = n % DEVICES;
    const s = state[i] as (typeof state)[number];
    const pressing = n % 97 === 0;
    if (pressing) {
      s.level = !s.level;
      s.serial = (s.serial % 65_535) + 1;
      if (!s.level) s.count = (s.count + 1) % 65_536;
    }
    const bytes = encodeStatus({
      deviceType: 'SHUNI-1',
      mac: macOf(i),
      messageId: s.mid++,
      serial: s.serial,
      values: shuniValues({
        inputs: [{ level: s.level, event: pressing && !s.level ? 'S' : '', count: s.count }, idle],
      }),
    });
    out.push({ bytes, src: `10.0.${i >> 8}.${i & 255}:5683` });
  }
  return out;
}

function measure(
  label: string,
  datagrams: Array<{ bytes: Buffer; src: string }>,
  fn: (d: { bytes: Buffer; src: string }, i: number) => void,
) {
  for (let i = 0; i < Math.min(20_000, datagrams.length); i++) fn(datagrams[i] as never, i); // warm-up
  const start = process.hrtime.bigint();
  datagrams.forEach(fn);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rate = datagrams.length / seconds;
  console.log(`${label.padEnd(44)} ${Math.round(rate).toLocaleString('en').padStart(10)} datagrams/s`);
  return rate;
}

const datagrams = makeDatagrams();
console.log(
  `${datagrams.length.toLocaleString('en')} SHUNI-1 datagrams from ${DEVICES} devices (~1 % presses)\n`,
);

const oursDecode = measure('doorbell-agent decode (packet + G payload)', datagrams, (d) => {
  decodeStatus(decodeCoiot(d.bytes), SHUNI1_SENSORS);
});
const shellies = measure('shellies (node-shellies) decode', datagrams, (d) => {
  const message = new ShelliesMessage(
    new coap.IncomingMessage(parse(d.bytes), { address: '10.0.0.1', port: 5683 }),
  );
  if (!message.payload) throw new Error('shellies did not decode');
});
const channels = Array.from({ length: DEVICES }, (_, i) => ({
  device: `shellyuni-${macOf(i)}`,
  input: 0,
  chime: { mode: 'mechanical' as const, durationS: null, settleS: 1 },
}));
let clock = 0;
const pipeline = new Pipeline(new Detector(channels, new MemoryChannelStore()), silentLogger);
const full = measure('doorbell-agent decode + dedupe + detect', datagrams, (d) => {
  clock += 1;
  pipeline.coiotDatagram(d.bytes, d.src, clock);
});

console.log(`\nratio decode ours/shellies: ${(oursDecode / shellies).toFixed(2)}`);
console.log(`full pipeline vs target 50,000/s: ${(full / 50_000).toFixed(2)}x`);
console.log(`pipeline: ${JSON.stringify(pipeline.stats)}`);

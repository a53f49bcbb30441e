import { createRequire } from 'node:module';
import { parse } from 'coap-packet';
import { describe, expect, it } from 'vitest';
import { decodeCoiot } from '../../../agent/protocol/coiot-packet.ts';
import { readG } from '../../../agent/protocol/coiot-status.ts';
import { contractTraces, hexPackets } from './fixtures.ts';

/**
 * node-shellies (the `shellies` npm package) parses a CoIoT message in `lib/coap/message.js` from a node-coap
 * IncomingMessage; building one from a parsed packet needs no socket (importing `coap` only creates its unbound
 * global agent).
 */
const require = createRequire(import.meta.url);
const coap = require('coap') as { IncomingMessage: new (packet: unknown, rsinfo: unknown) => unknown };
(require('shellies/lib/coap/options.js') as { register(): void }).register();
const ShelliesCoapMessage = require('shellies/lib/coap/message.js') as new (
  msg: unknown,
) => {
  deviceType?: string;
  deviceId?: string;
  protocolRevision?: string;
  validFor?: number;
  serial?: number;
  payload: unknown;
};

function shellies(bytes: Buffer) {
  return new ShelliesCoapMessage(
    new coap.IncomingMessage(parse(bytes), { address: '192.0.2.1', port: 5683 }),
  );
}

const datagrams: [string, Buffer][] = [
  ...[...hexPackets()].filter(
    ([label]) => label.startsWith('shuni1_') || label.startsWith('shix3_v1_status_a'),
  ),
  ...[...contractTraces()].flatMap(([file, lines]) =>
    lines.flatMap((l, i) =>
      l.kind === 'coiot' ? [[`${file}:${i + 1}`, Buffer.from(l.hex, 'hex')] as [string, Buffer]] : [],
    ),
  ),
];

describe('interop with node-shellies’ CoIoT message parser', () => {
  it.each(datagrams)('%s: same device, same G values', (_label, bytes) => {
    const ours = decodeCoiot(bytes);
    const theirs = shellies(bytes);
    expect([theirs.deviceType, theirs.deviceId, Number(theirs.protocolRevision)]).toEqual([
      ours.deviceType,
      ours.mac,
      ours.protocolVersion,
    ]);
    const theirG = (theirs.payload as { G: [number, number, number | string][] }).G;
    const theirValues = new Map(theirG.filter(([ch]) => ch === 0).map(([, id, v]) => [id, v]));
    expect(readG(ours.payload)).toEqual(theirValues);
  });

  it('differs, as documented, on the byte order of 3412/3420: node-shellies reads them big-endian', () => {
    const bytes = datagrams[0]![1];
    const ours = decodeCoiot(bytes);
    const theirs = shellies(bytes);
    expect(ours.validityS).toBe(15);
    expect(theirs.validFor).toBe(3840);
    expect(theirs.serial).toBe(ours.serialBytes!.readUInt16BE(0));
  });
});

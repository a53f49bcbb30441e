import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCoiot } from '../../../agent/protocol/coiot-packet.ts';
import { encodeStatus, shuniValues } from '../../../simulator/emulator/coiot-encode.ts';
import { SHELLY_FIXTURES_DIR } from '../../helpers/paths.ts';

const idle = { level: false, event: '', count: 0 };

describe('CoIoT status encoder', () => {
  it('writes the synthesized SHUNI-1 fixture byte for byte', () => {
    const fixture = readFileSync(join(SHELLY_FIXTURES_DIR, 'shuni-1.cit-s.synthesized.hex'), 'utf8');
    const idleHex = fixture
      .split('\n')
      .find((l) => l.startsWith('shuni1_v2_idle '))
      ?.split(' ')[1];
    const ours = encodeStatus({
      deviceType: 'SHUNI-1',
      mac: 'AABBCC112233',
      messageId: 0x0100,
      serial: 1,
      values: shuniValues({ inputs: [idle, idle] }),
    });
    expect(ours.toString('hex')).toBe(idleHex);
  });

  it('round-trips through the agent decoder, little-endian options included', () => {
    const bytes = encodeStatus({
      deviceType: 'SHUNI-1',
      mac: '98CDAC25ABCD',
      messageId: 65_535,
      serial: 300,
      values: shuniValues({ inputs: [{ level: true, event: 'S', count: 7 }, idle] }),
    });
    const message = decodeCoiot(bytes);
    expect(message).toMatchObject({
      deviceId: 'shellyuni-98CDAC25ABCD',
      serial: 300,
      validityS: 15,
      code: '0.30',
    });
    expect(JSON.parse(message.payload.toString()).G).toContainEqual([0, 2103, 7]);
  });
});

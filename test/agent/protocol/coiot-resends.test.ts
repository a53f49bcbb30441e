import { describe, expect, it } from 'vitest';
import { decodeCoiot } from '../../../agent/protocol/coiot-packet.ts';
import { matchResent, rememberResent } from '../../../agent/protocol/coiot-resends.ts';
import { shuniDatagram } from './fixtures.ts';

const PAYLOAD = '{"G":[[0,2101,0],[0,2102,""],[0,2103,7]]}';
const status = (messageId: number, serial = 40, payload = PAYLOAD) =>
  shuniDatagram({ messageId, serial, payload });

describe('re-sends (matchResent, rememberResent)', () => {
  it('knows a re-send with another message id, and gives what decoding it gives', () => {
    const remembered = rememberResent(status(1)) ?? undefined;
    const again = status(2);
    const resent = matchResent(remembered, again);
    expect(resent).toBe(remembered);
    const message = resent?.message;
    const { messageId: _a, ...decoded } = decodeCoiot(again);
    const { messageId: _b, ...fromCache } = message as NonNullable<typeof message>;
    expect({ ...fromCache, payload: fromCache.payload.toString() }).toEqual({
      ...decoded,
      payload: decoded.payload.toString(),
    });
    expect(resent?.heard).toEqual({
      device: decoded.deviceId,
      via: 'coiot',
      serial: decoded.serial,
      validityS: decoded.validityS,
    });
  });

  it('takes nothing else for a re-send: any other byte, or the length', () => {
    const first = status(1);
    const kept = rememberResent(first) ?? undefined;
    for (let at = 0; at < first.length; at++) {
      if (at === 2 || at === 3) continue;
      const changed = Buffer.from(first);
      changed[at] = (changed[at] as number) ^ 0x01;
      expect(matchResent(kept, changed), `byte ${at}`).toBeUndefined();
    }
    expect(matchResent(kept, status(1, 41))).toBeUndefined();
    expect(matchResent(kept, Buffer.concat([first, Buffer.from(' ')]))).toBeUndefined();
    expect(matchResent(kept, first.subarray(0, first.length - 1))).toBeUndefined();
    expect(matchResent(undefined, first)).toBeUndefined();
    expect(matchResent(kept, first)).toBe(kept);
  });

  it('keeps its own copy: the caller may reuse its buffer', () => {
    const bytes = status(1);
    const kept = rememberResent(bytes) ?? undefined;
    bytes.fill(0);
    expect(kept?.message.payload.toString()).toBe(PAYLOAD);
    expect(matchResent(kept, status(9))).toBe(kept);
  });

  it('does not keep a long datagram', () => {
    expect(rememberResent(status(1, 40, `{"G":[[0,2101,0]],"x":"${'y'.repeat(1_600)}"}`))).toBeNull();
  });
});

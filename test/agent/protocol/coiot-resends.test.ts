import { describe, expect, it } from 'vitest';
import { decodeCoiot } from '../../../agent/protocol/coiot-packet.ts';
import { CoiotResends } from '../../../agent/protocol/coiot-resends.ts';
import { shuniDatagram } from './fixtures.ts';

const PAYLOAD = '{"G":[[0,2101,0],[0,2102,""],[0,2103,7]]}';
const status = (messageId: number, serial = 40, payload = PAYLOAD) =>
  shuniDatagram({ messageId, serial, payload });

describe('CoiotResends', () => {
  it('knows a re-send with another message id, and gives what decoding it gives', () => {
    const resends = new CoiotResends();
    const first = status(1);
    const remembered = resends.remember('10.0.0.5', first);
    const again = status(2);
    const resent = resends.match('10.0.0.5', again);
    expect(resent).toBe(remembered);
    const message = resent?.message;
    const { messageId: _a, ...decoded } = decodeCoiot(again);
    const { messageId: _b, ...fromCache } = message as NonNullable<typeof message>;
    expect({ ...fromCache, payload: fromCache.payload.toString() }).toEqual({
      ...decoded,
      payload: decoded.payload.toString(),
    });
  });

  it('takes nothing else for a re-send: any other byte, the length or the address', () => {
    const resends = new CoiotResends();
    const first = status(1);
    resends.remember('10.0.0.5', first);
    for (let at = 0; at < first.length; at++) {
      if (at === 2 || at === 3) continue;
      const changed = Buffer.from(first);
      changed[at] = (changed[at] as number) ^ 0x01;
      expect(resends.match('10.0.0.5', changed), `byte ${at}`).toBeUndefined();
    }
    expect(resends.match('10.0.0.5', status(1, 41))).toBeUndefined();
    expect(resends.match('10.0.0.5', Buffer.concat([first, Buffer.from(' ')]))).toBeUndefined();
    expect(resends.match('10.0.0.5', first.subarray(0, first.length - 1))).toBeUndefined();
    expect(resends.match('10.0.0.6', first)).toBeUndefined();
    expect(resends.match('10.0.0.5', first)).toBeDefined();
  });

  it('keeps its own copy: the caller may reuse its buffer', () => {
    const resends = new CoiotResends();
    const bytes = status(1);
    const kept = resends.remember('10.0.0.5', bytes);
    bytes.fill(0);
    expect(kept?.message.payload.toString()).toBe(PAYLOAD);
    expect(resends.match('10.0.0.5', status(9))).toBe(kept);
  });

  it('stays bounded: the least recently used address is forgotten first, long datagrams are not kept', () => {
    const resends = new CoiotResends(3);
    for (const host of [1, 2, 3]) resends.remember(`10.0.0.${host}`, status(host));
    expect(resends.match('10.0.0.1', status(7))).toBeDefined(); // now the most recently used
    resends.remember('10.0.0.4', status(4));
    expect(resends.size).toBe(3);
    expect(resends.match('10.0.0.2', status(8))).toBeUndefined();
    expect(resends.match('10.0.0.1', status(9))).toBeDefined();

    const long = status(1, 40, `{"G":[[0,2101,0]],"x":"${'y'.repeat(1_600)}"}`);
    expect(resends.remember('10.0.0.1', long)).toBeNull();
    expect(resends.match('10.0.0.1', long)).toBeUndefined();
    expect(resends.match('10.0.0.1', status(10))).toBeUndefined(); // what it held before is gone too
  });
});

import { describe, expect, it } from 'vitest';
import { Senders } from '../../../agent/runtime/coiot-senders.ts';

describe('Senders', () => {
  it('gives one record per address, new ones with an empty bucket', () => {
    const senders = new Senders(8);
    const a = senders.at('10.0.0.1', 5);
    expect(a).toMatchObject({ address: '10.0.0.1', tokens: 0, share: 0, atMs: 5, resent: undefined });
    expect(senders.at(' 10.0.0.1'.slice(1), 9)).toBe(a);
    expect(senders.at('10.0.0.2', 9)).not.toBe(a);
    expect(senders.size).toBe(2);
  });

  it('stays bounded: the oldest address not heard again is forgotten first (second chance)', () => {
    const senders = new Senders(3);
    const [one, two] = [1, 2, 3].map((host) => senders.at(`10.0.0.${host}`, 0));
    expect(senders.at('10.0.0.1', 1)).toBe(one); // heard again: passed over once
    senders.at('10.0.0.4', 2);
    expect(senders.size).toBe(3);
    expect(senders.at('10.0.0.1', 3)).toBe(one);
    expect(senders.at('10.0.0.2', 4)).not.toBe(two); // forgotten, and heard anew
    for (let i = 0; i < 10_000; i++) senders.at(`10.1.${i >> 8}.${i & 255}`, i);
    expect(senders.size).toBe(3);
  });
});

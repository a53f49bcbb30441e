import { describe, expect, it } from 'vitest';
import { digestAuthorization, parseDigestChallenge } from '../../../agent/io/http-digest.ts';
import { DigestAuth } from '../../../simulator/emulator/auth.ts';

describe('HTTP digest with SHA-256 (RFC 7616)', () => {
  it("computes RFC 7616 §3.9.1's SHA-256 example response", () => {
    const challenge = parseDigestChallenge(
      'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, ' +
        'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
    );
    expect(challenge).not.toBeNull();
    const header = digestAuthorization({
      challenge: challenge!,
      username: 'Mufasa',
      password: 'Circle of Life',
      method: 'GET',
      uri: '/dir/index.html',
      nc: 1,
      cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    });
    expect(header).toContain('response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"');
    expect(header).toContain('nc=00000001');
    expect(header).toContain('opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"');
  });

  it('refuses challenges that are not SHA-256 digest', () => {
    expect(parseDigestChallenge('Basic realm="x"')).toBeNull();
    expect(parseDigestChallenge('Digest realm="x", nonce="1", algorithm=MD5')).toBeNull();
    expect(parseDigestChallenge(undefined)).toBeNull();
  });

  it("the emulator's device side accepts the client's header for its realm and nonce, and nothing else", () => {
    const device = new DigestAuth('shellyplusuni-aabbcc000001', () => 'pw');
    const challenge = parseDigestChallenge(device.header())!;
    const sign = (password: string, nc: number, uri = '/rpc') =>
      digestAuthorization({ challenge, username: 'admin', password, method: 'POST', uri, nc });
    expect(device.verifyHeader(sign('pw', 1), 'POST', '/rpc')).toBe(true);
    expect(device.verifyHeader(sign('pw', 2), 'POST', '/rpc')).toBe(true);
    expect(device.verifyHeader(sign('nope', 3), 'POST', '/rpc')).toBe(false);
    expect(device.verifyHeader(sign('pw', 4, '/rpc/Other'), 'POST', '/rpc')).toBe(false);
    const stranger = parseDigestChallenge(new DigestAuth('other', () => 'pw').header())!;
    const forged = digestAuthorization({
      challenge: stranger,
      username: 'admin',
      password: 'pw',
      method: 'POST',
      uri: '/rpc',
      nc: 1,
    });
    expect(device.verifyHeader(forged, 'POST', '/rpc')).toBe(false);
  });
});

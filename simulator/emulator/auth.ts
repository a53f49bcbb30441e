import { createHash, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * The device side of Shelly authentication. Gen1: HTTP basic on everything but `/shelly` [DOC-G1 /settings/login].
 * Gen2: digest with SHA-256 as RFC 7616 defines it, user always `admin`, realm the device id, HA1 =
 * SHA256(admin:realm:password) [G2 Authentication]; either an `Authorization: Digest …` header (HA2 from the
 * request's method and URI) or an `auth` object in a POST /rpc body (HA2 from `dummy_method:dummy_uri`, nc 1).
 * Everything is protected except `/shelly` and `Shelly.GetDeviceInfo`.
 */

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** How long a nonce is good for (firmware 2.0: one hour). */
const NONCE_TTL_MS = 3_600_000;

export function basicAuthorized(header: string | undefined, username: string, password: string): boolean {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!m) return false;
  const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
  return same(decoded, `${username}:${password}`);
}

/** What a Gen2 401 says, in its header (HTTP) or in its JSON error (`auth` in the body). */
export interface DigestChallenge {
  auth_type: 'digest';
  nonce: number;
  nc: number;
  realm: string;
  algorithm: 'SHA-256';
}

/** The `auth` object of a JSON-RPC request body. */
export interface DigestAuthObject {
  realm?: unknown;
  username?: unknown;
  nonce?: unknown;
  cnonce?: unknown;
  response?: unknown;
  algorithm?: unknown;
}

export class DigestAuth {
  private readonly nonces = new Map<string, number>();

  constructor(
    private readonly realm: string,
    private readonly password: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  challenge(): DigestChallenge {
    const nowMs = this.now();
    for (const [nonce, issued] of this.nonces) if (nowMs - issued > NONCE_TTL_MS) this.nonces.delete(nonce);
    // Shelly's nonces are numbers (seconds since the epoch); a random one cannot be guessed ahead.
    const nonce = Math.floor(nowMs / 1000) * 1000 + randomInt(1000);
    this.nonces.set(String(nonce), nowMs);
    return { auth_type: 'digest', nonce, nc: 1, realm: this.realm, algorithm: 'SHA-256' };
  }

  /** The `WWW-Authenticate` header of a 401. */
  header(challenge: DigestChallenge = this.challenge()): string {
    return `Digest qop="auth", realm="${challenge.realm}", nonce="${challenge.nonce}", algorithm=SHA-256`;
  }

  /** Checks an `Authorization: Digest …` header for a request with this method and URI. */
  verifyHeader(header: string | undefined, method: string, uri: string): boolean {
    if (!header || !/^Digest\s/i.test(header)) return false;
    const p = parseDigestParams(header.replace(/^Digest\s+/i, ''));
    if (p.username !== 'admin' || p.realm !== this.realm || (p.algorithm ?? 'SHA-256') !== 'SHA-256')
      return false;
    if (p.qop !== 'auth' || !p.nonce || !p.cnonce || !p.nc || p.uri !== uri || !p.response) return false;
    if (!this.knows(p.nonce)) return false;
    const ha2 = sha256(`${method}:${p.uri}`);
    return same(p.response, sha256(`${this.ha1()}:${p.nonce}:${p.nc}:${p.cnonce}:auth:${ha2}`));
  }

  /** Checks the `auth` object of a JSON-RPC body. */
  verifyObject(auth: DigestAuthObject | undefined): boolean {
    if (auth?.username !== 'admin' || auth.realm !== this.realm) return false;
    if ((auth.algorithm ?? 'SHA-256') !== 'SHA-256' || typeof auth.response !== 'string') return false;
    const nonce = String(auth.nonce);
    if (!this.knows(nonce) || auth.cnonce === undefined) return false;
    const ha2 = sha256('dummy_method:dummy_uri');
    return same(auth.response, sha256(`${this.ha1()}:${nonce}:1:${String(auth.cnonce)}:auth:${ha2}`));
  }

  private ha1(): string {
    return sha256(`admin:${this.realm}:${this.password()}`);
  }

  private knows(nonce: string): boolean {
    const issued = this.nonces.get(nonce);
    return issued !== undefined && this.now() - issued <= NONCE_TTL_MS;
  }
}

/** `a="b", c=d` → `{a: 'b', c: 'd'}` (quoted values may contain commas). */
export function parseDigestParams(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    out[(m[1] as string).toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
  }
  return out;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

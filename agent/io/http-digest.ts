import { createHash, randomBytes } from 'node:crypto';

/** A `WWW-Authenticate: Digest …` challenge (RFC 7616), as Gen2 Shellys send it. */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  qop: string;
  algorithm: string;
  opaque?: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Reads a Digest challenge; null if the header is not one or uses an algorithm other than SHA-256. */
export function parseDigestChallenge(header: string | null | undefined): DigestChallenge | null {
  if (!header || !/^Digest\s/i.test(header)) return null;
  const params: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  const text = header.replace(/^Digest\s+/i, '');
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    params[(m[1] as string).toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
  }
  const algorithm = params.algorithm ?? 'MD5';
  if (!params.realm || !params.nonce || algorithm.toUpperCase() !== 'SHA-256') return null;
  return {
    realm: params.realm,
    nonce: params.nonce,
    qop: params.qop ?? 'auth',
    algorithm,
    ...(params.opaque === undefined ? {} : { opaque: params.opaque }),
  };
}

/**
 * The `Authorization` header answering `challenge` for one request (RFC 7616, qop `auth`, SHA-256): HA1 =
 * SHA256(user:realm:password), HA2 = SHA256(method:uri), response = SHA256(HA1:nonce:nc:cnonce:auth:HA2).
 */
export function digestAuthorization(options: {
  challenge: DigestChallenge;
  username: string;
  password: string;
  method: string;
  uri: string;
  nc: number;
  cnonce?: string;
}): string {
  const { challenge, username, method, uri } = options;
  const cnonce = options.cnonce ?? randomBytes(8).toString('hex');
  const nc = options.nc.toString(16).padStart(8, '0');
  const ha1 = sha256(`${username}:${challenge.realm}:${options.password}`);
  const ha2 = sha256(`${method}:${uri}`);
  const response = sha256(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:auth:${ha2}`);
  const fields = [
    `username="${username}"`,
    `realm="${challenge.realm}"`,
    `nonce="${challenge.nonce}"`,
    `uri="${uri}"`,
    'algorithm=SHA-256',
    `response="${response}"`,
    'qop=auth',
    `nc=${nc}`,
    `cnonce="${cnonce}"`,
    ...(challenge.opaque === undefined ? [] : [`opaque="${challenge.opaque}"`]),
  ];
  return `Digest ${fields.join(', ')}`;
}

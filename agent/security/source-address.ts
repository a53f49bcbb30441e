/**
 * The address of a `host:port` source (`[v6]:port` too): without its port and brackets, as the address pins and
 * rate limits know it. A string walk, not a regex, and the same string for the same source (remembered for up to
 * `HOSTS` sources): the maps it is looked up in then find it without hashing it again.
 */
export function hostOf(source: string): string {
  let host = hosts.get(source);
  if (host === undefined) {
    host = stripPort(source);
    if (hosts.size >= HOSTS) hosts.clear();
    hosts.set(source, host);
  }
  return host;
}

const HOSTS = 4_096;
const hosts = new Map<string, string>();

function stripPort(source: string): string {
  let end = source.length;
  let i = end - 1;
  while (i >= 0 && isDigit(source.charCodeAt(i))) i--;
  if (i >= 0 && i < end - 1 && source.charCodeAt(i) === COLON) end = i;
  if (end >= 2 && source.charCodeAt(0) === OPEN && source.charCodeAt(end - 1) === CLOSE) {
    const inner = source.slice(1, end - 1);
    if (!LINE_BREAK.test(inner)) return inner;
  }
  return end === source.length ? source : source.slice(0, end);
}

const COLON = 0x3a;
const OPEN = 0x5b;
const CLOSE = 0x5d;
/** What `.` in a regex does not match: a source with one of these inside its brackets keeps them. */
const LINE_BREAK = /[\n\r\u2028\u2029]/;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

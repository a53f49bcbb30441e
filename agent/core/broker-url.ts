/**
 * A broker URL as MQTT.js connection options, read with the WHATWG URL parser: `mqtt.connect(url)` reads it with
 * `url.parse()`, which Node 24 reports as deprecated (DEP0169) on stderr.
 */
export function brokerOptions(url: string): {
  protocol: 'mqtt' | 'mqtts' | 'ws' | 'wss';
  host: string;
  port?: number;
  username?: string;
  password?: string;
  path?: string;
  clientId?: string;
} {
  const parsed = new URL(url);
  const protocol = parsed.protocol.replace(/:$/, '') as 'mqtt' | 'mqtts' | 'ws' | 'wss';
  return {
    protocol,
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    ...(parsed.port !== '' && { port: Number(parsed.port) }),
    ...(parsed.username !== '' && { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password !== '' && { password: decodeURIComponent(parsed.password) }),
    ...(parsed.pathname !== '' && parsed.pathname !== '/' && { path: parsed.pathname }),
    // As MQTT.js reads `?clientId=` from a URL it parses.
    ...(parsed.searchParams.get('clientId') && { clientId: parsed.searchParams.get('clientId') as string }),
  };
}

/**
 * The floor for `ring-latency.ts`: the least any UDP-to-MQTT relay must do, in a child process of its own as the
 * agent is. It takes the device id out of the CoIoT datagram (option 3332, by pattern), drops a datagram whose
 * bytes past the CoAP header equal that device's last one (a periodic re-send), and publishes every other one at QoS 1 to
 * `floor/<device>/ring`. No validation, no detector, no store, no health: what is left of the end-to-end latency
 * is loopback, mosquitto and the subscriber on this machine.
 * Usage (by ring-latency.ts): node --import tsx bench/relay-floor.ts <udp port> <broker url>
 */
import dgram from 'node:dgram';
import { connectAsync } from 'mqtt';

const port = Number(process.argv[2]);
const url = process.argv[3] as string;
const client = await connectAsync(url, { clientId: 'bench-relay-floor' });
const last = new Map<string, Buffer>();
const socket = dgram.createSocket('udp4');
socket.on('message', (bytes) => {
  const mac = /SHUNI-1#([0-9A-F]{12})#/.exec(bytes.toString('latin1'))?.[1];
  // Past the header (its message id changes on every re-send): from there a re-send is byte for byte the same.
  const payload = bytes.subarray(4 + ((bytes[0] ?? 0) & 0x0f));
  if (mac === undefined) return;
  if (last.get(mac)?.equals(payload)) return;
  last.set(mac, Buffer.from(payload));
  client.publish(`floor/shellyuni-${mac}/ring`, '{"event_type":"ring"}', { qos: 1 });
});
socket.bind(port, '127.0.0.1', () => {
  client.publish('floor/agent/status', 'online', { qos: 1 });
});
process.on('SIGTERM', () => {
  socket.close();
  void client.endAsync().then(() => process.exit(0));
});

// A stand-in for the two Supervisor REST API resources the add-on's start script reads through bashio, for
// ../smoke.sh: GET /services/mqtt (what the Mosquitto broker add-on provides) and GET /addons/self/info (the add-on's
// address and ingress port). Answers as the Supervisor does ({"result": "ok", "data": ...}), only to the add-on's
// token (Authorization: Bearer $SUPERVISOR_TOKEN), 401 otherwise; prints one line per request.
//   node supervisor.mjs PORT_FILE    listens on 127.0.0.1 on a free port, written to PORT_FILE
// Environment: SUPERVISOR_TOKEN, MQTT_HOST, MQTT_PORT, MQTT_USERNAME, MQTT_PASSWORD, ADDON_IP, INGRESS_PORT.
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';

const env = process.env;
const resources = {
  '/services/mqtt': {
    addon: 'core_mosquitto',
    host: env.MQTT_HOST,
    // The Supervisor gives the port as a string.
    port: String(env.MQTT_PORT),
    ssl: false,
    protocol: '3.1.1',
    username: env.MQTT_USERNAME,
    password: env.MQTT_PASSWORD,
  },
  '/addons/self/info': {
    name: 'Doorbell agent',
    slug: 'local_doorbell_agent',
    state: 'started',
    host_network: true,
    ip_address: env.ADDON_IP,
    ingress: true,
    ingress_port: Number(env.INGRESS_PORT),
    ingress_entry: '/api/hassio_ingress/smoke',
  },
};

const server = createServer((req, res) => {
  const send = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
    console.log(`supervisor: ${req.method} ${req.url} -> ${status}`);
  };
  if (req.headers.authorization !== `Bearer ${env.SUPERVISOR_TOKEN}`)
    return send(401, { result: 'error', message: 'Unauthorized' });
  const data = req.method === 'GET' ? resources[req.url] : undefined;
  if (!data) return send(404, { result: 'error', message: `no ${req.method} ${req.url} here` });
  send(200, { result: 'ok', data });
});
server.listen(0, '127.0.0.1', () => writeFileSync(process.argv[2], String(server.address().port)));

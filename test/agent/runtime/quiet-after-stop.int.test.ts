import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, expect, it } from 'vitest';
import { configSchema } from '../../../agent/config/schema.ts';
import { createLogger } from '../../../agent/core/logger.ts';
import { startAgent } from '../../../agent/runtime/agent.ts';
import { FakeUni, sleep, tempDir, waitUntil } from '../../faults/support.ts';
import { sharedBroker } from '../../helpers/mosquitto.ts';
import { freeUdpPort } from '../../helpers/udp.ts';

const MAC = '98CDAC25AB78';

// A device HTTP API that accepts connections and never answers: the agent's `/cit/d` fetch outlives its stop.
const held: Socket[] = [];
const silent = createServer((socket) => held.push(socket));
afterAll(() => {
  for (const socket of held) socket.destroy();
  silent.close();
});

it('logs nothing after `stopped`, even when a /cit/d fetch of a new device answers later', async () => {
  const broker = await sharedBroker();
  await new Promise<void>((resolve) => silent.listen(0, '127.0.1.41', resolve));
  const httpPort = (silent.address() as { port: number }).port;
  const coiotPort = await freeUdpPort();
  const logs: Array<{ msg: string }> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
      done();
    },
  });
  const agent = await startAgent({
    config: configSchema.parse({
      mqtt: { url: broker.url, base_topic: `quiet${process.pid}` },
      homeassistant: { enabled: false },
      shelly_mqtt: { enabled: false },
      metrics: { enabled: false },
      coiot: { listen: '127.0.0.1', port: coiotPort, multicast: false },
      store: { path: join(tempDir('quiet-'), 'state.sqlite') },
      devices: [{ id: `shellyuni-${MAC}`, address: `127.0.1.41:${httpPort}` }],
    }),
    log: createLogger({ level: 'info', format: 'json', stream }),
    version: '0.0.0-test',
  });
  const uni = new FakeUni(MAC, '127.0.1.41', coiotPort);
  await uni.open();
  await uni.report();
  await waitUntil('the fetch of /cit/d under way', () => held.length > 0);
  await agent.stop();
  uni.close();
  // The fetch gives HTTP 2 s, then CoAP 2 s.
  await sleep(4_500);
  await broker.stop();
  expect(logs.at(-1)?.msg).toBe('stopped');
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../../agent/config/schema.ts';
import type { Logger } from '../../../agent/core/logger.ts';
import { MAX_RECEIVED_PUBLISH_BYTES } from '../../../agent/outputs/mqtt-publish-trimmer.ts';
import { type RunningAgent, startAgent } from '../../../agent/runtime/agent.ts';
import { sharedBroker } from '../../helpers/mosquitto.ts';
import { freeUdpPort } from '../../helpers/udp.ts';

const UNI = 'shellyuni-98CDAC25AB77';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the agent reading a 20 MB message on a Shelly topic (a real mosquitto)', () => {
  const warnings: Array<{ msg: string; fields?: Record<string, unknown> }> = [];
  const log: Logger = {
    debug: () => {},
    info: () => {},
    warn: (msg, fields) => warnings.push({ msg, ...(fields && { fields }) }),
    error: (msg, fields) => warnings.push({ msg, ...(fields && { fields }) }),
  };
  let broker: { url: string; stop(): Promise<void> };
  let agent: RunningAgent;

  beforeAll(async () => {
    broker = await sharedBroker();
    const config = configSchema.parse({
      mqtt: { url: broker.url, base_topic: `trim-${process.pid}`, client_id: `trim-${process.pid}` },
      coiot: { listen: '127.0.0.1', port: await freeUdpPort(), multicast: false },
      store: { path: join(mkdtempSync(join(tmpdir(), 'trim-')), 'state.sqlite') },
      devices: [{ id: UNI }],
    });
    agent = await startAgent({ config, log, version: '0.0.0-test', fetchDescriptions: false });
  });
  afterAll(async () => {
    await agent?.stop();
    await broker?.stop();
  });

  it('drops its payload unread, acknowledges it, and goes on reading the messages after it', async () => {
    const shelly = await connectAsync(broker.url, { clientId: `trim-shelly-${process.pid}` });
    const topic = `shellies/${UNI}/input_event/0`;
    const bad = () => agent.pipeline.badInput.total;
    const before = bad();
    // QoS 1: mosquitto waits for the agent's PUBACK, and delivers the next QoS 1 message only in its window.
    await shelly.publishAsync(topic, Buffer.alloc(20 * 1024 * 1024, 0x7b), { qos: 1 });
    for (let i = 0; i < 30; i++) await shelly.publishAsync(topic, '{oops', { qos: 1 });
    const deadline = Date.now() + 15_000;
    while (bad() < before + 31 && Date.now() < deadline) await sleep(20);
    await shelly.endAsync();
    // Each of the 31 reached the decoders and was refused: the big one as an empty payload.
    expect(bad() - before).toBe(31);
    const said = warnings.filter((w) => /larger than the agent reads/.test(w.msg));
    expect(said).toHaveLength(1);
    expect(said[0]?.fields).toMatchObject({
      topic,
      bytes: 2 + topic.length + 2 + 20 * 1024 * 1024,
      max_bytes: MAX_RECEIVED_PUBLISH_BYTES,
    });
  });
});

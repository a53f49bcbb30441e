import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../../agent/config/schema.ts';
import { silentLogger } from '../../../agent/core/logger.ts';
import { startAgent } from '../../../agent/runtime/agent.ts';
import { sharedBroker } from '../../helpers/mosquitto.ts';
import { freeUdpPort } from '../../helpers/udp.ts';
import { MessageLog } from '../outputs/support/message-log.ts';

const FRONT = 'shellyuni-98CDAC25AB0F';
const BACK = 'shellyuni-98CDAC25AB0E';

/**
 * A doorbell removed from the config must disappear from Home Assistant: the agent remembers (in its store) the
 * retained discovery configs it published and clears the ones it no longer wants at the next start.
 */
describe('Home Assistant discovery of removed doorbells', () => {
  let broker: { url: string; stop(): Promise<void> };
  const run = `forget${process.pid}${Date.now().toString(36)}`;
  const prefix = `ha-${run}`;
  const store = join(mkdtempSync(join(tmpdir(), 'ha-forget-')), 'state.sqlite');
  const configFor = async (devices: string[], extra: Record<string, unknown> = {}) =>
    configSchema.parse({
      mqtt: { url: broker.url, base_topic: run, client_id: `agent-${run}` },
      homeassistant: { discovery_prefix: prefix },
      coiot: { listen: '127.0.0.1', port: await freeUdpPort(), multicast: false },
      shelly_mqtt: { enabled: false },
      store: { path: store },
      devices: devices.map((id) => ({ id })),
      ...extra,
    });
  /** What a subscriber arriving now finds retained under the prefix (the agent's own marker comes last). */
  const retained = async () => {
    const log = await MessageLog.connect(broker.url, [`${prefix}/device/+/config`, `${run}/marker`]);
    await log.client.publishAsync(`${run}/marker`, 'x', { qos: 1 });
    await log.waitFor((m) => m.topic === `${run}/marker`);
    await log.close();
    return log.messages.filter((m) => m.retain).map((m) => m.topic.split('/')[2]);
  };

  beforeAll(async () => {
    broker = await sharedBroker();
  });
  afterAll(async () => broker?.stop());

  it('clears the retained config of a doorbell removed from the config at the next start', async () => {
    const first = await startAgent({
      config: await configFor([FRONT, BACK]),
      log: silentLogger,
      version: '0',
    });
    await first.stop();
    expect((await retained()).sort()).toEqual(
      [`doorbell_${BACK}_0`, `doorbell_${FRONT}_0`, `doorbell_agent_${run}`].sort(),
    );

    const second = await startAgent({ config: await configFor([FRONT]), log: silentLogger, version: '0' });
    await second.stop();
    expect((await retained()).sort()).toEqual([`doorbell_${FRONT}_0`, `doorbell_agent_${run}`].sort());
  });

  it('clears everything it announced when Home Assistant discovery is turned off', async () => {
    const config = await configFor([FRONT], { homeassistant: { enabled: false, discovery_prefix: prefix } });
    const agent = await startAgent({ config, log: silentLogger, version: '0' });
    await agent.stop();
    expect(await retained()).toEqual([]);
  });
});

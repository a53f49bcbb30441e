import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { type Config, type ConfigInput, configSchema } from '../../../agent/config/schema.ts';
import { silentLogger } from '../../../agent/core/logger.ts';
import { type RunningAgent, startAgent } from '../../../agent/runtime/agent.ts';
import {
  type EmulatedUni,
  type EmulatedUniOptions,
  startEmulatedUni,
} from '../../../simulator/emulator/uni.ts';
import { freeUdpPort } from '../../helpers/udp.ts';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `predicate` holds (or the deadline passes) and returns its last value: no timed assertions. */
export async function until<T>(read: () => T, predicate: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = read();
  while (!predicate(value) && Date.now() < deadline) {
    await sleep(25);
    value = read();
  }
  return value;
}

export interface Message {
  topic: string;
  payload: string;
  retain: boolean;
}

export async function collector(
  url: string,
  filter: string,
): Promise<{ client: MqttClient; messages: Message[] }> {
  const client = await connectAsync(url, { clientId: `health-watch-${process.pid}-${Math.random()}` });
  const messages: Message[] = [];
  client.on('message', (topic, payload, packet) =>
    messages.push({ topic, payload: payload.toString(), retain: packet.retain }),
  );
  await client.subscribeAsync(filter, { qos: 1 });
  return { client, messages };
}

/** A running agent on loopback (CoIoT by unicast to it) with the given extra config. */
export async function agentOn(
  brokerUrl: string,
  run: string,
  extra: Partial<ConfigInput>,
): Promise<{ agent: RunningAgent; config: Config; coiotPort: number }> {
  const coiotPort = await freeUdpPort();
  const config = configSchema.parse({
    mqtt: { url: brokerUrl, base_topic: `doorbell-${run}`, client_id: `agent-${run}` },
    homeassistant: { discovery_prefix: `ha-${run}` },
    coiot: { listen: '127.0.0.1', port: coiotPort, multicast: false },
    shelly_mqtt: { enabled: false },
    store: { path: join(mkdtempSync(join(tmpdir(), 'health-')), 'state.sqlite') },
    security: { verify_http: false },
    ...extra,
  });
  const agent = await startAgent({
    config,
    log: silentLogger,
    version: '0.0.0-test',
    fetchDescriptions: false,
  });
  return { agent, config, coiotPort };
}

/** An emulated Gen1 Uni sending CoIoT by unicast to the agent. */
export function emulatedUni(
  mac: string,
  coiotPort: number,
  options: {
    coiotPeriodS?: number;
    adcVolts?: number;
    drop?: () => boolean;
    btnTypes?: EmulatedUniOptions['btnTypes'];
  } = {},
): Promise<EmulatedUni> {
  const drop = options.drop;
  return startEmulatedUni({
    gen: 'gen1',
    mac,
    coiotPeriodS: options.coiotPeriodS ?? 1,
    ...(options.adcVolts !== undefined && { adcVolts: options.adcVolts }),
    ...(options.btnTypes !== undefined && { btnTypes: options.btnTypes }),
    coiot: {
      peer: { host: '127.0.0.1', port: coiotPort },
      bindAddress: '127.0.0.1',
      ...(drop && {
        through: (send) => (item) => {
          if (item.kind !== 'reply' && drop()) return;
          send(item);
        },
      }),
    },
    mqtt: null,
    http: null,
  });
}

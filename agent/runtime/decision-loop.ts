import type { Config } from '../config/schema.ts';
import type { Logger } from '../core/logger.ts';
import type { DetectorOutput } from '../detect/detector.ts';
import type { BrokerLink } from './broker-link.ts';
import { CoiotSource } from './coiot-source.ts';
import type { DecisionGraph } from './decision-graph.ts';
import type { Delivery } from './delivery.ts';
import { ShellyMqttSource } from './shelly-mqtt-source.ts';
import { Waker } from './waker.ts';

/** One input as the agent received it (`docs/trace-format.md` `coiot`/`mqtt` lines); `t` in ms. */
export type AgentInput =
  | { kind: 'coiot'; t: number; src: string; bytes: Buffer }
  | { kind: 'mqtt'; t: number; topic: string; payload: Buffer; retain: boolean };

/**
 * Where inputs become decisions: each CoIoT datagram and Shelly MQTT message is one step of the decision graph
 * inside the delivery guarantee, and so is the timer that fires when a decision falls due with nothing heard.
 */
export function decisionLoop(options: {
  config: Config;
  log: Logger;
  link: BrokerLink;
  graph: DecisionGraph;
  delivery: Delivery;
  now: () => number;
  onInput: ((input: AgentInput) => void) | undefined;
}) {
  const { config, log, link, graph, delivery, now, onInput } = options;
  const step = (decide: () => DetectorOutput) => {
    const output = delivery.step(decide);
    if (!output) return;
    for (const note of output.notes) log.info(note.kind.replace('_', ' '), { ...note });
    for (const ring of output.rings) log.info('ring', { ...ring });
    waker.schedule();
  };
  const waker = new Waker(graph.nextWakeMs, now, () => step(() => graph.tick(now())));
  const coiot = new CoiotSource(config.coiot, log, (bytes, address, port) => {
    const t = now();
    if (onInput) onInput({ kind: 'coiot', t, src: `${address}:${port}`, bytes });
    // Rate limits first, outside the step: a datagram they drop changes nothing that is stored or woken, and
    // costs no `host:port` string either.
    const sender = graph.pipeline.admitCoiotFrom(address, t);
    if (sender === null) return;
    const src = `${address}:${port}`;
    step(() => graph.pipeline.decideCoiot(bytes, src, sender, t));
  });
  const shellyMqtt = new ShellyMqttSource(config, link, (topic, payload, retain) => {
    onInput?.({ kind: 'mqtt', t: now(), topic, payload, retain });
    step(() => graph.pipeline.mqttMessage(topic, payload, retain, now()));
  });
  return { waker, coiot, shellyMqtt };
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAgent } from '../../../agent/runtime/agent.ts';
import type { EmulatedUni } from '../../../simulator/emulator/uni.ts';
import { sharedBroker } from '../../helpers/mosquitto.ts';
import { agentOn, collector, emulatedUni, until } from './live-support.ts';

const MAC = '98CDAC25AB03';
const ID = `shellyuni-${MAC}`;

/** chatter and wiring from the emulated Uni left at the factory `btn_type` (toggle: no input events). */
describe('input behaviour from the emulated Uni', () => {
  const run = `i${process.pid}${Date.now().toString(36)}`;
  const base = `doorbell-${run}`;
  let broker: { url: string; stop(): Promise<void> };
  let agent: RunningAgent;
  let uni: EmulatedUni;
  let watch: Awaited<ReturnType<typeof collector>>;
  const problems = (kind: string) =>
    watch.messages
      .filter((m) => m.topic === `${base}/${ID}/problem`)
      .map((m) => JSON.parse(m.payload))
      .filter((p) => p.problem === kind);

  beforeAll(async () => {
    broker = await sharedBroker();
    watch = await collector(broker.url, `${base}/#`);
    let coiotPort: number;
    ({ agent, coiotPort } = await agentOn(broker.url, run, {
      health: { chatter_window_s: 4, chatter_min_edges: 8, wiring_min_presses: 3 },
      devices: [{ id: ID, chime: { mode: 'mechanical', settle_s: 0.1 } }],
    }));
    uni = await emulatedUni(MAC, coiotPort, { btnTypes: ['toggle', 'toggle'] });
  });

  afterAll(async () => {
    await uni?.stop();
    await agent?.stop();
    await watch?.client.endAsync();
    await broker?.stop();
  });

  it('chatter: a contact closing many times a second (no input events here); cleared when it calms down', async () => {
    const edges = Array.from({ length: 10 }, (_, k) => [
      { t: 0.3 * k, level: 1 as const },
      { t: 0.3 * k + 0.15, level: 0 as const },
    ]).flat();
    uni.input(edges);
    const raised = await until(
      () => problems('chatter'),
      (p) => p.length >= 1,
    );
    expect(raised[0]).toMatchObject({
      on: true,
      detail: expect.stringMatching(/rising edges in 4 s/),
    });
    const cleared = await until(
      () => problems('chatter'),
      (p) => p.length >= 2,
    );
    expect(cleared[1]).toMatchObject({ on: false });
  });

  it('wiring: presses without event counts (btn_type toggle); cleared once the Uni counts them', async () => {
    const raised = await until(
      () => problems('wiring'),
      (p) => p.length >= 1,
    );
    expect(raised[0]).toMatchObject({ on: true, detail: expect.stringMatching(/btn_type to detached/) });
    uni.device.setBtnType(0, 'detached');
    uni.input([
      { t: 0, level: 1 },
      { t: 0.3, level: 0 },
    ]);
    const cleared = await until(
      () => problems('wiring'),
      (p) => p.length >= 2,
    );
    expect(cleared[1]).toMatchObject({ on: false });
    expect(agent.health.records()[0]?.problems).toEqual([]);
  });
});

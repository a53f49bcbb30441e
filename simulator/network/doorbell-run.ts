import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { brokerOptions } from '../../agent/core/broker-url.ts';
import type { ProblemEvent } from '../../agent/core/events.ts';
import { silentLogger } from '../../agent/core/logger.ts';
import type { RingPayload } from '../../agent/outputs/ha-discovery.ts';
import { type RunningAgent, startAgent } from '../../agent/runtime/agent.ts';
import type { PipelineStats } from '../../agent/runtime/pipeline.ts';
import { realScheduler } from '../emulator/scheduler.ts';
import { doorbellClosures, idealClosure, inputFor } from '../emulator/visitor.ts';
import type { LevelChange } from '../uni/input-model.ts';
import { buildHistory, burstEdges, type DeviceHistory } from './device-history.ts';
import { freeUdpPort } from './free-port.ts';
import { judgeRings, LIVE_SLACK_MS, type ProblemSeen } from './oracle-judge.ts';
import { type DeviceExpectations, expectRings } from './press-oracle.ts';
import { productSettings } from './product-settings.ts';
import { startEmulators } from './run-emulators.ts';
import {
  type ClosureOutcome,
  type DoorbellRunOptions,
  type DoorbellRunResult,
  runConfig,
  type SeenRing,
} from './run-setup.ts';
import { runScript } from './script.ts';
import { TraceRecorder } from './trace-recorder.ts';
import { mqttKey, WireLog } from './wire-log.ts';

export type {
  ClosureOutcome,
  DoorbellRunOptions,
  DoorbellRunResult,
  Paths,
  SeenRing,
} from './run-setup.ts';
export { macOf } from './run-setup.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One whole chain on this machine: K emulated Unis on loopback, network faults between them and the agent, the
 * live agent (`startAgent`), a broker, and an MQTT subscriber reading the rings and problems back. What the Unis
 * emitted and what the agent received is logged (`WireLog`); the oracle (`press-oracle.ts`) decides from that and
 * from the presses what must ring, and `oracle-judge.ts` checks the rings against it.
 */
export async function runDoorbell(options: DoorbellRunOptions): Promise<DoorbellRunResult> {
  const started = Date.now();
  const scheduler = realScheduler;
  const log = options.log ?? silentLogger;
  const dir = mkdtempSync(join(tmpdir(), 'doorbell-run-'));
  const warmupMs = (options.warmupS ?? 1) * 1000;
  const lifetimeS = options.eventLifetimeS ?? 5;
  const trace = new TraceRecorder();
  const wire = new WireLog();
  const coiotPort = await freeUdpPort();
  const { ids, config, configYaml, paths, base } = runConfig(options, coiotPort, dir);
  let agent: RunningAgent | undefined;
  let subscriber: MqttClient | undefined;
  let emulators: Awaited<ReturnType<typeof startEmulators>> | undefined;
  const rings: SeenRing[] = [];
  const problems: ProblemSeen[][] = ids.map(() => []);
  const statsTotal: Record<string, number> = {};
  const addStats = (s: PipelineStats) => {
    for (const [key, value] of Object.entries(s))
      if (typeof value === 'number') statsTotal[key] = (statsTotal[key] ?? 0) + value;
  };
  const launchAgent = async () => {
    agent = await startAgent({
      config,
      log,
      version: 'demo',
      fetchDescriptions: false,
      onInput: (input) => {
        trace.record(input);
        if (input.kind === 'coiot') wire.arrived('coiot', input.bytes.toString('hex'), input.t);
        else
          wire.arrived('mqtt', mqttKey(input.topic, input.payload.toString('utf8')), input.t, input.retain);
      },
    });
  };

  try {
    await launchAgent();
    const brokerUrl = (agent as RunningAgent).brokerUrl;
    // A persistent session: rings published while this reader reconnects after a broker outage still reach it.
    subscriber = await connectAsync({
      ...brokerOptions(brokerUrl),
      clientId: `${base}-reader`,
      clean: false,
      reconnectPeriod: 200,
    });
    subscriber.on('message', (topic, payload) => {
      const body = JSON.parse(payload.toString()) as RingPayload | ProblemEvent;
      const device = ids.indexOf(body.device);
      if (topic.endsWith('/problem')) {
        const p = body as ProblemEvent;
        problems[device]?.push({ tMs: p.t * 1000, problem: p.problem, on: p.on });
        return;
      }
      const seen: SeenRing = {
        payload: body as RingPayload,
        receivedMs: Date.now(),
        device,
        closure: -1,
        latencyMs: null,
      };
      rings.push(seen);
      options.onRing?.(seen);
    });
    await subscriber.subscribeAsync([`${base}/+/ring`, `${base}/+/problem`], { qos: 1 });

    emulators = await startEmulators(options, paths, coiotPort, brokerUrl, wire, scheduler);
    const unis = emulators.unis;
    await sleep(warmupMs);
    emulators.arm();

    // The visitor: closures per device through the chime, then the wiring/circuit (computed before the clock
    // starts, so a slow circuit model does not bunch the presses), fed to each Uni with the chatter bursts.
    const model = options.closureModel ?? idealClosure;
    const plans: Array<{ of: number[]; closures: LevelChange[][]; bursts: LevelChange[][] }> = [];
    for (let i = 0; i < unis.length; i++) {
      const { closures, of } = doorbellClosures(options.presses[i] ?? [], options.chime);
      const edges: LevelChange[][] = [];
      for (const closure of closures) edges.push(await inputFor([closure], model));
      const bursts = (options.bursts?.[i] ?? []).map((b) =>
        burstEdges(b).map((c) => ({ t: b.atS + c.t, level: c.level })),
      );
      plans.push({ of, closures: edges, bursts });
    }
    const t0 = scheduler.now() + 100;
    const lead = (scheduler.now() - t0) / 1000;
    let endS = 0;
    plans.forEach((plan, i) => {
      const changes = [...plan.closures.flat(), ...plan.bursts.flat()].sort((a, b) => a.t - b.t);
      endS = Math.max(endS, ...changes.map((c) => c.t));
      unis[i]?.input(changes.map((c) => ({ t: c.t - lead, level: c.level })));
    });
    const script = options.script
      ? runScript(
          options.script,
          {
            rebootDevice: (index) => unis[index]?.reboot(),
            restartAgent: async () => {
              const running = agent as RunningAgent;
              wire.agentRestart(scheduler.now());
              addStats(running.pipeline.stats);
              await running.stop();
              trace.agentRestart();
              await launchAgent();
            },
            stopBroker: async () => {
              if (!options.broker)
                throw new Error('a broker outage needs `broker` (a broker this run can stop)');
              await options.broker.stop();
            },
            startBroker: async () => {
              await options.broker?.start();
            },
          },
          scheduler,
        )
      : undefined;
    const tailS = options.tailS ?? lifetimeS + 2;
    await sleep(Math.max(0, t0 + (endS + tailS) * 1000 - scheduler.now()));
    await script?.done;
    // Rings decided at the very end may still be on their way to the subscriber.
    await sleep(300);
    const decidedByMs = scheduler.now() - LIVE_SLACK_MS;

    const absolute = (changes: readonly LevelChange[]) =>
      changes.map((c) => ({ t: t0 + c.t * 1000, level: c.level }));
    const histories: DeviceHistory[] = plans.map((plan, i) =>
      buildHistory({
        chime: options.chime,
        gen: options.gen,
        presses: options.presses[i] ?? [],
        of: plan.of,
        closureEdges: plan.closures.map(absolute),
        burstEdges: plan.bursts.map(absolute),
        steps: unis[i]?.device.steps ?? [],
      }),
    );
    const expected: DeviceExpectations[] = histories.map((h, i) =>
      expectRings(
        h,
        wire.arrivalsOf(i),
        wire.emissions,
        productSettings(config, i),
        wire.restartTimes,
        decidedByMs,
      ),
    );
    const { violations, closures } = judgeRun(
      ids,
      histories,
      expected,
      rings,
      problems,
      config.detector.reorder_window_s,
    );
    addStats((agent as RunningAgent).pipeline.stats);
    return {
      rings,
      closures,
      swallowed: histories.reduce((n, h) => n + h.swallowed.length, 0),
      expected,
      stats: statsTotal,
      trace,
      configYaml,
      violations,
      wallMs: Date.now() - started,
    };
  } finally {
    await emulators?.stop();
    await subscriber?.endAsync().catch(() => {});
    await agent?.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every device's rings and problems against its expectations; places each ring on the closure it matched. */
function judgeRun(
  ids: readonly string[],
  histories: readonly DeviceHistory[],
  expected: readonly DeviceExpectations[],
  rings: SeenRing[],
  problems: readonly ProblemSeen[][],
  reorderS: number,
): { violations: string[]; closures: ClosureOutcome[] } {
  const violations: string[] = [];
  const closures: ClosureOutcome[] = [];
  for (const ring of rings.filter((r) => r.device < 0))
    violations.push(`ring for a device that does not exist: ${JSON.stringify(ring.payload)}`);
  ids.forEach((id, i) => {
    const mine = rings.filter((r) => r.device === i).sort((a, b) => a.payload.t - b.payload.t);
    const exp = expected[i] as DeviceExpectations;
    const history = histories[i] as DeviceHistory;
    const judged = judgeRings(
      id,
      exp,
      mine.map((r) => ({
        tMs: r.payload.t * 1000,
        pressId: r.payload.press_id,
        recovered: r.payload.recovered,
        via: r.payload.via,
      })),
      problems[i] ?? [],
      reorderS,
    );
    violations.push(...judged.violations);
    mine.forEach((ring, k) => {
      const segment = exp.segments[judged.segmentOf[k] as number];
      const unit = segment === undefined ? undefined : history.units[segment.units[0] as number];
      ring.closure = unit?.index ?? -1;
      ring.latencyMs = unit === undefined ? null : ring.receivedMs - unit.firstRiseMs;
    });
    for (const segment of exp.segments)
      for (const u of segment.units) {
        const unit = history.units[u];
        if (!unit) continue;
        closures.push({
          device: i,
          index: u,
          riseMs: unit.firstRiseMs,
          reached: segment.min > 0 && u === segment.units[0],
          rings: mine.filter((r) => r.closure === u).length,
        });
      }
  });
  return { violations, closures };
}

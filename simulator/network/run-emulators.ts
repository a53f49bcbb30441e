import type { CoiotSend } from '../emulator/coiot-node.ts';
import type { Through } from '../emulator/link.ts';
import type { MqttSend } from '../emulator/mqtt-send.ts';
import type { Scheduler } from '../emulator/scheduler.ts';
import { type EmulatedUni, startEmulatedUni } from '../emulator/uni.ts';
import { type FaultPlan, faultyLink, NO_FAULTS } from './faults.ts';
import { deriveSeed } from './random.ts';
import { type DoorbellRunOptions, macOf, type Paths } from './run-setup.ts';
import type { WireLog, WirePath } from './wire-log.ts';

export interface Emulators {
  unis: EmulatedUni[];
  /** From now on, sends meet the fault plans (before: the warm-up, faultless, for baselines). */
  arm(): void;
  stop(): Promise<void>;
}

/**
 * K emulated Unis on loopback with their firmware knobs, each send recorded in `log` as it leaves the device
 * (what it says, its device time and boot), then put through the run's network faults, each copy that goes on
 * towards the agent recorded again.
 */
export async function startEmulators(
  options: DoorbellRunOptions,
  paths: Paths,
  coiotPort: number,
  brokerUrl: string,
  log: WireLog,
  scheduler: Scheduler,
): Promise<Emulators> {
  let armed = false;
  const unis: EmulatedUni[] = [];
  const through = <T extends CoiotSend | MqttSend>(
    device: number,
    path: WirePath,
    plan: FaultPlan | undefined,
  ): Through<T> => {
    const emissionOf = new WeakMap<object, ReturnType<WireLog['emitted']>>();
    // MQTT is one TCP connection to the broker: its faults never reorder it (`faults.ts`).
    const faulty = faultyLink<T>(plan ?? NO_FAULTS, deriveSeed(options.seed, path, device), scheduler, {
      ordered: path === 'mqtt',
    });
    return (send) => {
      const onward = (item: T) => {
        const emission = emissionOf.get(item);
        if (emission) log.sent(emission, scheduler.now());
        send(item);
      };
      const withFaults = faulty(onward);
      return (item) => {
        const uni = unis[device];
        const boot = uni?.device.boot ?? 0;
        emissionOf.set(item, log.emitted(device, path, item, uni?.device.nowMs() ?? scheduler.now(), boot));
        if (armed) withFaults(item);
        else onward(item);
      };
    };
  };
  try {
    for (let i = 0; i < options.devices; i++) {
      const uni = await startEmulatedUni({
        gen: options.gen,
        mac: macOf(options.seed, i),
        scheduler,
        ...(options.knobs && { knobs: options.knobs }),
        ...(options.coiotPeriodS !== undefined && { coiotPeriodS: options.coiotPeriodS }),
        eventLifetimeS: options.eventLifetimeS ?? 5,
        mqttPeriodS: options.mqttPeriodS ?? 30,
        bootS: options.bootS ?? 3,
        seed: deriveSeed(options.seed, 'device', i),
        coiot:
          paths === 'mqtt'
            ? null
            : {
                peer: { host: '127.0.0.1', port: coiotPort },
                bindAddress: '127.0.0.1',
                through: through<CoiotSend>(i, 'coiot', options.faults?.coiot),
                firstMessageId: deriveSeed(options.seed, 'mid', i) & 0xffff,
              },
        mqtt:
          paths === 'coiot'
            ? null
            : { url: brokerUrl, through: through<MqttSend>(i, 'mqtt', options.faults?.mqtt) },
        onSend: (send) => options.onSend?.(i, send),
      });
      unis.push(uni);
    }
  } catch (error) {
    for (const uni of unis) await uni.stop().catch(() => {});
    throw error;
  }
  return {
    unis,
    arm: () => {
      armed = true;
    },
    stop: async () => {
      for (const uni of unis) await uni.stop().catch(() => {});
    },
  };
}

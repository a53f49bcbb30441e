import type { LevelChange } from '../uni/input-model.ts';
import { type CoiotNode, type CoiotPeer, type CoiotSend, startCoiotNode } from './coiot-node.ts';
import { startGen1Mqtt } from './gen1-mqtt.ts';
import { Gen1Uni, type Gen1UniOptions } from './gen1-uni.ts';
import { type Gen2InputMode, startGen2Mqtt } from './gen2-mqtt.ts';
import { type HttpNode, startHttpNode } from './http-node.ts';
import type { Through } from './link.ts';
import type { MqttSend } from './mqtt-send.ts';

export type UniGen = 'gen1' | 'plus';

export type WireSend = ({ via: 'coiot' } & CoiotSend) | ({ via: 'mqtt' } & MqttSend);

export interface EmulatedUniOptions extends Omit<Gen1UniOptions, 'id'> {
  gen: UniGen;
  /** Gen1 only. null = CoIoT off. */
  coiot?: {
    peer: CoiotPeer;
    bindAddress?: string;
    bindPort?: number;
    multicastInterface?: string;
    through?: Through<CoiotSend>;
    firstMessageId?: number;
  } | null;
  mqtt?: {
    url: string;
    through?: Through<MqttSend>;
    /** Plus: overrides the `gen2Mode` knob. */
    inputMode?: Gen2InputMode;
    /** How long start waits for the first connection (default 5 s); the device keeps retrying after. */
    readyTimeoutMs?: number;
  } | null;
  http?: { port?: number; host?: string } | null;
  /** Seed of the device's own random draws (Plus QoS 1 re-deliveries). */
  seed?: number;
  /** Everything the device put on the wire (after fault injection). */
  onSend?: (send: WireSend) => void;
}

export interface EmulatedUni {
  readonly id: string;
  readonly gen: UniGen;
  readonly device: Gen1Uni;
  readonly coiot: CoiotNode | undefined;
  readonly http: HttpNode | undefined;
  /** Logical edges of an input, times in seconds from now. */
  input(changes: readonly LevelChange[], input?: number): void;
  reboot(): void;
  stop(): Promise<void>;
}

/** Default id of an emulated Uni with this MAC: `shellyuni-<MAC>` (Gen1) or `shellyplusuni-<mac>` (Plus). */
export function uniId(gen: UniGen, mac: string): string {
  return gen === 'gen1' ? `shellyuni-${mac.toUpperCase()}` : `shellyplusuni-${mac.toLowerCase()}`;
}

/** One emulated Shelly Uni on real sockets: the input firmware plus whichever transports are asked for. */
export async function startEmulatedUni(options: EmulatedUniOptions): Promise<EmulatedUni> {
  const mac = options.mac.toUpperCase();
  const device = new Gen1Uni({ ...options, mac, id: uniId(options.gen, mac) });
  const stops: Array<() => Promise<void>> = [];
  let coiot: CoiotNode | undefined;
  let http: HttpNode | undefined;
  try {
    if (options.gen === 'gen1' && options.coiot) {
      const c = options.coiot;
      coiot = await startCoiotNode({
        device,
        peer: c.peer,
        ...(c.bindAddress !== undefined && { bindAddress: c.bindAddress }),
        ...(c.bindPort !== undefined && { bindPort: c.bindPort }),
        ...(c.multicastInterface !== undefined && { multicastInterface: c.multicastInterface }),
        ...(c.through !== undefined && { through: c.through }),
        ...(c.firstMessageId !== undefined && { firstMessageId: c.firstMessageId }),
        onSend: (send) => options.onSend?.({ via: 'coiot', ...send }),
      });
      stops.push(() => (coiot as CoiotNode).close());
    }
    if (options.mqtt) {
      const m = options.mqtt;
      const common = {
        device,
        url: m.url,
        ...(m.through !== undefined && { through: m.through }),
        onSend: (send: MqttSend) => options.onSend?.({ via: 'mqtt', ...send }),
      };
      const node =
        options.gen === 'gen1'
          ? startGen1Mqtt(common)
          : startGen2Mqtt({
              ...common,
              ...(m.inputMode !== undefined && { inputMode: m.inputMode }),
              ...(options.seed !== undefined && { seed: options.seed }),
            });
      stops.push(() => node.close());
      // Like a real Shelly, keep trying in the background if the broker is not there yet.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        node.ready,
        new Promise((resolve) => {
          timer = setTimeout(resolve, m.readyTimeoutMs ?? 5000);
        }),
      ]);
      clearTimeout(timer);
    }
    if (options.http) {
      http = await startHttpNode({ device, gen: options.gen, ...options.http });
      stops.push(() => (http as HttpNode).close());
    }
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    device.stop();
    throw error;
  }
  return {
    id: device.id,
    gen: options.gen,
    device,
    coiot,
    http,
    input: (changes, input = 0) => {
      const nowS = device.scheduler.now() / 1000;
      device.feed(
        input,
        changes.map((c) => ({ t: nowS + c.t, level: c.level })),
      );
    },
    reboot: () => device.reboot(),
    stop: async () => {
      device.stop();
      for (const stop of stops.reverse()) await stop().catch(() => {});
    },
  };
}

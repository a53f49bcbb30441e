import type { LevelChange } from '../uni/input-model.ts';
import type { FirmwareKnobs } from '../uni/knobs.ts';
import { COIOT_GROUP, COIOT_PORT, type CoiotNode, type CoiotPeer, startCoiotNode } from './coiot-node.ts';
import { startDeviceHttp } from './device-http.ts';
import { deviceIdentity } from './device-identity.ts';
import { startGen1Mqtt } from './gen1-mqtt.ts';
import type { DeviceApiContext } from './gen1-settings-api.ts';
import { Gen1Uni } from './gen1-uni.ts';
import { type Gen2InputMode, startGen2Mqtt } from './gen2-mqtt.ts';
import type { MqttSend } from './mqtt-send.ts';
import { factorySettings, SettingsStore, type UniSettings } from './persisted-settings.ts';
import { type UniGen, uniId, type WireSend } from './uni.ts';

export interface ManagedUniOptions {
  gen: UniGen;
  mac: string;
  /** What the firmware does where it is unconfirmed (see `simulator/uni/knobs.ts`). */
  knobs?: Partial<FirmwareKnobs>;
  /** The settings in its flash at start (default: factory settings). */
  settings?: UniSettings;
  /** Keep the flash in this JSON file, so settings outlive the emulator too. */
  stateFile?: string;
  /** Another model or firmware version than a current Uni's. */
  identity?: { model?: string; version?: string };
  /** Settings its firmware refuses (fault injection): `btn_type`, `coiot_peer`, `mqtt`, `name`, `input`. */
  refuse?: readonly string[];
  /** Settings its firmware answers OK to but does not keep (fault injection: they read back as they were). */
  forget?: readonly string[];
  http: { port?: number; host?: string };
  /** UDP port of multicast publishes: 5683 on a real network; another one beside a running agent. */
  coiotMulticastPort?: number;
  multicastInterface?: string;
  /** How long a reboot keeps it silent (default 3 s). */
  bootS?: number;
  onSend?: (send: WireSend) => void;
}

export interface ManagedUni {
  readonly id: string;
  readonly gen: UniGen;
  readonly device: Gen1Uni;
  readonly settings: SettingsStore;
  readonly httpPort: number;
  /** Logical edges of an input, times in seconds from now. */
  input(changes: readonly LevelChange[], input?: number): void;
  reboot(): void;
  stop(): Promise<void>;
}

/**
 * An emulated Uni that is configured through its own API, as a real one is: it starts from its flash (factory
 * settings unless told otherwise), serves the Gen1 HTTP API or Gen2 RPC with authentication, and at every boot
 * starts CoIoT (multicast or its `coiot_peer`) and MQTT (its server, its credentials) as its settings say.
 */
export async function startManagedUni(options: ManagedUniOptions): Promise<ManagedUni> {
  const mac = options.mac.toUpperCase();
  const id = uniId(options.gen, mac);
  const settings = new SettingsStore(options.settings ?? factorySettings(), options.stateFile);
  const device = new Gen1Uni({
    mac,
    id,
    // A Plus Uni's inputs always report their pushes; Gen1's only in momentary or detached modes.
    btnTypes: options.gen === 'gen1' ? [...settings.running.btnTypes] : ['detached', 'detached'],
    coiotPeriodS: settings.running.coiot.updatePeriodS,
    ...(options.bootS !== undefined && { bootS: options.bootS }),
    ...(options.knobs !== undefined && { knobs: options.knobs }),
  });
  const wire = (send: WireSend) => options.onSend?.(send);
  let coiot: CoiotNode | undefined;
  let mqtt: { close(): Promise<void>; connected(): boolean; mode?: Gen2InputMode } | undefined;
  let stopped = false;

  const startMqtt = () => {
    const m = settings.running.mqtt;
    if (!m.enabled || m.server === '') return;
    const auth = m.user === '' ? '' : `${encodeURIComponent(m.user)}:${encodeURIComponent(m.pass)}@`;
    const common = {
      device,
      url: `mqtt://${auth}${m.server}`,
      onSend: (send: MqttSend) => wire({ via: 'mqtt', ...send }),
    };
    if (options.gen === 'gen1') {
      const node = startGen1Mqtt(common);
      mqtt = { close: () => node.close(), connected: () => node.client.connected };
    } else {
      const mode = gen2Mode(settings.saved.inputTypes);
      const node = startGen2Mqtt({ ...common, inputMode: mode });
      mqtt = { close: () => node.close(), connected: () => node.client.connected, mode };
    }
  };
  const startTransports = async () => {
    if (stopped) return;
    const c = settings.running.coiot;
    if (options.gen === 'gen1' && c.enabled) {
      coiot = await startCoiotNode({
        device,
        peer: peerOf(c.peer, options.coiotMulticastPort ?? COIOT_PORT),
        ...(options.multicastInterface !== undefined && { multicastInterface: options.multicastInterface }),
        onSend: (send) => wire({ via: 'coiot', ...send }),
      });
    }
    startMqtt();
  };
  const stopTransports = async () => {
    const [c, m] = [coiot, mqtt];
    coiot = undefined;
    mqtt = undefined;
    await Promise.all([c?.close(), m?.close()]);
  };
  device.on((change) => {
    if (change.kind === 'down') void stopTransports();
    // Listeners added while this one runs would see this boot too: start once it has been told to everyone.
    else if (change.kind === 'boot') {
      settings.boot();
      setImmediate(() => void startTransports());
    }
  });
  // A Plus Uni applies a new input type at once: its notifications change shape.
  settings.onSave(() => {
    if (options.gen !== 'plus' || !mqtt || mqtt.mode === gen2Mode(settings.saved.inputTypes)) return;
    const old = mqtt;
    mqtt = undefined;
    void old.close().then(() => {
      if (!stopped && device.up) startMqtt();
    });
  });

  const context: DeviceApiContext = {
    identity: deviceIdentity(options.gen, id, mac, options.identity),
    device,
    settings,
    refuse: new Set(options.refuse ?? []),
    forget: new Set(options.forget ?? []),
    mqttConnected: () => mqtt?.connected() ?? false,
    reboot: () => device.reboot(),
  };
  const http = await startDeviceHttp({ context, ...options.http });
  try {
    await startTransports();
  } catch (error) {
    await http.close();
    device.stop();
    throw error;
  }
  return {
    id,
    gen: options.gen,
    device,
    settings,
    httpPort: http.port,
    input: (changes, input = 0) => {
      const nowS = device.scheduler.now() / 1000;
      device.feed(
        input,
        changes.map((c) => ({ t: nowS + c.t, level: c.level })),
      );
    },
    reboot: () => device.reboot(),
    stop: async () => {
      stopped = true;
      device.stop();
      await stopTransports();
      await http.close();
    },
  };
}

/** `""` is multicast (to the group on `multicastPort`), else the unicast `host:port`. */
function peerOf(peer: string, multicastPort: number): CoiotPeer {
  if (peer === '') return multicastPort === COIOT_PORT ? 'mcast' : { host: COIOT_GROUP, port: multicastPort };
  const [host, port] = peer.split(':');
  return { host: host as string, port: Number(port ?? COIOT_PORT) };
}

/** The emulated Plus Uni notifies all inputs one way: as buttons once any input is a button. */
function gen2Mode(types: readonly Gen2InputMode[]): Gen2InputMode {
  return types.includes('button') ? 'button' : 'switch';
}

import type { Gen1Http } from '../io/shelly-gen1-http.ts';
import { mqttChange, nameChange, type PlannedChange, pending } from './setup-changes.ts';
import type { Identified } from './setup-identify.ts';
import { type Change, type DeviceSession, describeCoiot, type Wanted } from './setup-plan.ts';

interface Gen1Settings {
  name?: string | null;
  wifi_sta?: { ip?: string | null };
  relays?: Array<{ btn_type?: string }>;
  coiot?: { enabled?: boolean; peer?: string };
  mqtt?: { enable?: boolean; server?: string; user?: string };
}

/** Modes that report input events; `detached` also leaves the relay alone. */
const DOORBELL_MODE = 'detached';

/**
 * A Gen1 Uni through its HTTP API [DOC-G1]: `/settings/relay/<i>?btn_type=`, `/settings?coiot_enable=&coiot_peer=`,
 * `/settings?mqtt_enable=&mqtt_server=&mqtt_user=&mqtt_pass=`, `/settings?name=`, `/status`, `/reboot`.
 */
export class Gen1Session implements DeviceSession {
  constructor(
    readonly device: Identified,
    private readonly http: Gen1Http,
  ) {}

  async snapshot(): Promise<unknown> {
    return this.http.get('/settings');
  }

  changes(wanted: Wanted, snapshot: unknown): Change[] {
    const all: PlannedChange[] = [];
    const i = wanted.input;
    all.push({
      what: `input ${i} mode (btn_type)`,
      to: DOORBELL_MODE,
      why: 'the factory toggle reports no press at all; detached reports every press and leaves the relay alone',
      reboot: false,
      apply: async () => {
        await this.http.get(`/settings/relay/${i}`, { btn_type: DOORBELL_MODE });
        return false;
      },
      read: (x) => (x as Gen1Settings).relays?.[i]?.btn_type ?? '(none)',
    });
    if (wanted.coiot) {
      const choice = wanted.coiot;
      all.push({
        what: 'CoIoT',
        to: describeCoiot(choice),
        why:
          choice.kind === 'multicast'
            ? 'every listener on this network segment hears it, the agent and Home Assistant alike'
            : 'unicast to this address only (the coiot_peer): it crosses VLANs, and nothing else hears it',
        reboot: true,
        apply: async () => {
          await this.http.get('/settings', {
            coiot_enable: 'true',
            coiot_peer: choice.kind === 'multicast' ? 'mcast' : `${choice.host}:${choice.port}`,
          });
          return true; // Gen1 does not say so; its documentation does.
        },
        read: (x) => coiotOf(x as Gen1Settings),
      });
    }
    if (wanted.mqtt) {
      const m = wanted.mqtt;
      all.push(
        mqttChange(
          m,
          'a second path to the agent: a press lost on CoIoT is heard on MQTT (Gen1 MQTT turns the Shelly cloud off)',
          async () => {
            await this.http.get('/settings', {
              mqtt_enable: 'true',
              mqtt_server: m.server,
              mqtt_user: m.user,
              mqtt_pass: m.pass,
            });
            return true;
          },
          (x) => (x as Gen1Settings).mqtt,
        ),
      );
    }
    if (wanted.name !== undefined) {
      const name = wanted.name;
      all.push(
        nameChange(
          name,
          async () => {
            await this.http.get('/settings', { name });
            return false;
          },
          (x) => (x as Gen1Settings).name,
        ),
      );
    }
    return pending(all, snapshot);
  }

  async uptime(): Promise<number> {
    const status = (await this.http.get('/status')) as { uptime?: unknown };
    return typeof status.uptime === 'number' ? status.uptime : 0;
  }

  async reboot(): Promise<void> {
    await this.http.get('/reboot');
  }

  ip(snapshot: unknown): string | null {
    return (snapshot as Gen1Settings).wifi_sta?.ip ?? null;
  }
}

function coiotOf(s: Gen1Settings): string {
  if (s.coiot?.enabled === false) return 'off';
  const peer = s.coiot?.peer ?? '';
  return peer === '' || peer === 'mcast' ? 'multicast' : /:\d+$/.test(peer) ? peer : `${peer}:5683`;
}

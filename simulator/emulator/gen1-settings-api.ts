import { basicAuthorized } from './auth.ts';
import { type DeviceIdentity, gen1Fw } from './device-identity.ts';
import type { Gen1Uni } from './gen1-uni.ts';
import type { SettingsStore, UniSettings } from './persisted-settings.ts';
import { BTN_TYPES, type BtnType, SHUNI_CIT_D, settingsBody, statusBody } from './uni-http-bodies.ts';

/** What both device APIs (Gen1 HTTP, Gen2 RPC) work on. */
export interface DeviceApiContext {
  identity: DeviceIdentity;
  device: Gen1Uni;
  settings: SettingsStore;
  /** Settings this firmware refuses (fault injection): `btn_type`, `coiot_peer`, `mqtt`, `name`, `input`. */
  refuse: ReadonlySet<string>;
  /** Settings it answers OK to but does not keep, the same names: a change that reads back as it was. */
  forget: ReadonlySet<string>;
  mqttConnected(): boolean;
  reboot(): void;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const text = (status: number, body: string): ApiResponse => ({ status, body });

/**
 * The Gen1 HTTP API of an emulated SHUNI-1 with its settings [DOC-G1]: `/shelly` (open), and behind HTTP basic
 * auth when `login` is enabled: `/settings` (`name`, `coiot_enable`, `coiot_peer`, `coiot_update_period`,
 * `mqtt_enable`, `mqtt_server`, `mqtt_user`, `mqtt_pass`), `/settings/relay/<i>` (`btn_type`),
 * `/settings/login`, `/status`, `/cit/d`, `/reboot`. A bad value is a 400 and changes nothing.
 */
export function gen1Api(
  ctx: DeviceApiContext,
  path: string,
  query: URLSearchParams,
  auth?: string,
): ApiResponse {
  const saved = ctx.settings.saved;
  if (path === '/shelly') return { status: 200, body: shelly(ctx) };
  if (saved.login.enabled && !basicAuthorized(auth, saved.login.username, saved.login.password)) {
    return {
      status: 401,
      body: '401 Unauthorized',
      headers: { 'www-authenticate': `Basic realm="${ctx.identity.id}"` },
    };
  }
  const relay = /^\/settings\/relay\/([01])$/.exec(path);
  if (relay) return relaySettings(ctx, Number(relay[1]), query);
  switch (path) {
    case '/settings':
      return changeSettings(ctx, query);
    case '/settings/login':
      return login(ctx, query);
    case '/status':
      return {
        status: 200,
        body: { ...statusBody(ctx.device.snapshot()), mqtt: { connected: ctx.mqttConnected() } },
      };
    case '/cit/d':
      return { status: 200, body: SHUNI_CIT_D };
    case '/reboot':
      setImmediate(() => ctx.reboot());
      return { status: 200, body: { ok: true } };
    default:
      return text(404, 'Not Found');
  }
}

function shelly(ctx: DeviceApiContext) {
  return {
    type: ctx.identity.model,
    mac: ctx.identity.mac,
    auth: ctx.settings.saved.login.enabled,
    fw: gen1Fw(ctx.identity),
    discoverable: true,
    longid: 1,
    num_outputs: 2,
  };
}

export function gen1Settings(ctx: DeviceApiContext) {
  const s = ctx.settings.saved;
  const body = settingsBody(ctx.device.snapshot());
  return {
    ...body,
    device: { ...body.device, type: ctx.identity.model },
    name: s.name,
    fw: gen1Fw(ctx.identity),
    login: { enabled: s.login.enabled, unprotected: false, username: s.login.username },
    mqtt: { ...body.mqtt, enable: s.mqtt.enabled, server: s.mqtt.server, user: s.mqtt.user },
    coiot: { enabled: s.coiot.enabled, update_period: s.coiot.updatePeriodS, peer: s.coiot.peer },
  };
}

function relaySettings(ctx: DeviceApiContext, input: number, query: URLSearchParams): ApiResponse {
  const wanted = query.get('btn_type');
  if (wanted !== null) {
    if (ctx.refuse.has('btn_type') || !BTN_TYPES.includes(wanted as BtnType))
      return text(400, `Bad btn_type ${wanted}`);
    if (!ctx.forget.has('btn_type')) {
      ctx.settings.save((s) => {
        s.btnTypes[input] = wanted as BtnType;
      });
      ctx.device.setBtnType(input, wanted as BtnType);
    }
  }
  return { status: 200, body: gen1Settings(ctx).relays[input] };
}

type Change = (s: UniSettings) => void;

function changeSettings(ctx: DeviceApiContext, query: URLSearchParams): ApiResponse {
  const changes: Change[] = [];
  for (const [key, value] of query) {
    const change = parseSetting(ctx, key, value);
    if (typeof change === 'string') return text(400, change);
    if (change && !ctx.forget.has(key.startsWith('mqtt_') ? 'mqtt' : key)) changes.push(change);
  }
  if (changes.length > 0)
    ctx.settings.save((s) => {
      for (const change of changes) change(s);
    });
  return { status: 200, body: gen1Settings(ctx) };
}

/** One `/settings` parameter: a change, null for a parameter not emulated, or the device's complaint. */
function parseSetting(ctx: DeviceApiContext, key: string, value: string): Change | string | null {
  const refused = (name: string) => ctx.refuse.has(name);
  switch (key) {
    case 'name':
      if (refused('name')) return `Bad name`;
      return (s) => {
        s.name = value === '' ? null : value;
      };
    case 'coiot_enable':
      if (!isBool(value)) return `Bad coiot_enable ${value}`;
      return (s) => {
        s.coiot.enabled = bool(value);
      };
    case 'coiot_peer': {
      const peer = coiotPeer(value);
      if (peer === null || refused('coiot_peer')) return `Bad coiot_peer ${value}`;
      return (s) => {
        s.coiot.peer = peer;
      };
    }
    case 'coiot_update_period': {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 15 || n > 65535) return `Bad coiot_update_period ${value}`;
      return (s) => {
        s.coiot.updatePeriodS = n;
      };
    }
    case 'mqtt_enable':
      if (!isBool(value) || refused('mqtt')) return `Bad mqtt_enable ${value}`;
      return (s) => {
        s.mqtt.enabled = bool(value);
      };
    case 'mqtt_server': {
      const server = hostPort(value, 1883);
      if (server === null || refused('mqtt')) return `Bad mqtt_server ${value}`;
      return (s) => {
        s.mqtt.server = server;
      };
    }
    case 'mqtt_user':
      return (s) => {
        s.mqtt.user = value;
      };
    case 'mqtt_pass':
      return (s) => {
        s.mqtt.pass = value;
      };
    default:
      return null;
  }
}

function login(ctx: DeviceApiContext, query: URLSearchParams): ApiResponse {
  const enabled = query.get('enabled');
  const username = query.get('username');
  const password = query.get('password');
  if (enabled !== null && !isBool(enabled)) return text(400, `Bad enabled ${enabled}`);
  ctx.settings.save((s) => {
    if (enabled !== null) s.login.enabled = bool(enabled);
    if (username) s.login.username = username;
    if (password !== null) s.login.password = password;
  });
  const s = ctx.settings.saved;
  return { status: 200, body: { enabled: s.login.enabled, unprotected: false, username: s.login.username } };
}

/** `mcast` → `""` (multicast); `ip[:port]` → `ip:port` (port 5683 by default) [DOC-G1 /settings]. */
export function coiotPeer(value: string): string | null {
  if (value === 'mcast' || value === '') return '';
  return hostPort(value, 5683);
}

function hostPort(value: string, defaultPort: number): string | null {
  const m = /^([A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(value);
  const port = Number(m?.[2] ?? defaultPort);
  if (!m || port < 1 || port > 65535) return null;
  return `${m[1]}:${port}`;
}

const isBool = (v: string) => ['true', 'false', '1', '0'].includes(v);
const bool = (v: string) => v === 'true' || v === '1';

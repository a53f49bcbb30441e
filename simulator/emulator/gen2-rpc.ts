import { gen2App, gen2FwId } from './device-identity.ts';
import type { DeviceApiContext } from './gen1-settings-api.ts';
import type { Gen2InputMode } from './gen2-mqtt.ts';

/** A JSON-RPC outcome: `result`, or Shelly's `error` (`-103` invalid argument, `404` no such method). */
export type RpcOutcome = { result: unknown } | { error: { code: number; message: string } };

/** Methods that answer without authentication [G2 Authentication]. */
export const OPEN_METHODS: ReadonlySet<string> = new Set(['Shelly.GetDeviceInfo']);

const invalid = (message: string): RpcOutcome => ({ error: { code: -103, message } });
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The RPC methods of an emulated Plus Uni that `setup` and Home Assistant use: `Shelly.GetDeviceInfo`,
 * `Shelly.GetConfig`, `Shelly.GetStatus`, `Shelly.Reboot`, `Input.GetConfig`/`SetConfig` (`type` button or
 * switch), `MQTT.GetConfig`/`SetConfig` (`restart_required: true`), `Sys.GetConfig`/`SetConfig` (`device.name`).
 */
export function gen2Rpc(ctx: DeviceApiContext, method: string, params: unknown): RpcOutcome {
  const p = isRecord(params) ? params : {};
  switch (method) {
    case 'Shelly.GetDeviceInfo':
      return { result: deviceInfo(ctx) };
    case 'Shelly.GetConfig':
      return { result: config(ctx) };
    case 'Shelly.GetStatus':
      return { result: status(ctx) };
    case 'Shelly.Reboot': {
      const delay = typeof p.delay_ms === 'number' ? p.delay_ms : 100;
      setTimeout(() => ctx.reboot(), delay);
      return { result: null };
    }
    case 'Input.GetConfig': {
      const id = inputId(p.id);
      return id === null ? invalid('id: expected 0 or 1') : { result: inputConfig(ctx, id) };
    }
    case 'Input.SetConfig':
      return setInput(ctx, p);
    case 'MQTT.GetConfig':
      return { result: mqttConfig(ctx) };
    case 'MQTT.SetConfig':
      return setMqtt(ctx, p);
    case 'Sys.GetConfig':
      return { result: sysConfig(ctx) };
    case 'Sys.SetConfig':
      return setSys(ctx, p);
    default:
      return { error: { code: 404, message: `No handler for ${method}` } };
  }
}

export function deviceInfo(ctx: DeviceApiContext) {
  const { identity } = ctx;
  const authEn = ctx.settings.saved.login.enabled;
  return {
    name: ctx.settings.saved.name,
    id: identity.id,
    mac: identity.mac,
    slot: 0,
    model: identity.model,
    gen: 2,
    fw_id: gen2FwId(identity),
    ver: identity.version,
    app: gen2App(identity.model),
    auth_en: authEn,
    auth_domain: authEn ? identity.id : null,
  };
}

function inputConfig(ctx: DeviceApiContext, id: number) {
  return { id, name: null, type: ctx.settings.saved.inputTypes[id], enable: true, invert: false };
}

function mqttConfig(ctx: DeviceApiContext) {
  const m = ctx.settings.saved.mqtt;
  return {
    enable: m.enabled,
    server: m.server === '' ? null : m.server,
    client_id: ctx.identity.id,
    user: m.user === '' ? null : m.user,
    ssl_ca: null,
    topic_prefix: ctx.identity.id,
    rpc_ntf: true,
    status_ntf: false,
    use_client_cert: false,
    enable_rpc: true,
    enable_control: true,
  };
}

function sysConfig(ctx: DeviceApiContext) {
  return {
    device: {
      name: ctx.settings.saved.name,
      mac: ctx.identity.mac,
      fw_id: gen2FwId(ctx.identity),
      discoverable: true,
    },
  };
}

function config(ctx: DeviceApiContext) {
  return {
    'input:0': inputConfig(ctx, 0),
    'input:1': inputConfig(ctx, 1),
    mqtt: mqttConfig(ctx),
    sys: sysConfig(ctx),
  };
}

function status(ctx: DeviceApiContext) {
  const snapshot = ctx.device.snapshot();
  return {
    sys: {
      mac: ctx.identity.mac,
      restart_required: ctx.settings.restartRequired(),
      uptime: Math.floor(snapshot.uptimeS),
    },
    mqtt: { connected: ctx.mqttConnected() },
    'input:0': { id: 0, state: snapshot.inputs[0]?.level === 1 },
    'input:1': { id: 1, state: snapshot.inputs[1]?.level === 1 },
  };
}

function setInput(ctx: DeviceApiContext, p: Record<string, unknown>): RpcOutcome {
  const id = inputId(p.id);
  if (id === null) return invalid('id: expected 0 or 1');
  if (!isRecord(p.config)) return invalid('config: expected an object');
  const type = p.config.type;
  if (type !== undefined && type !== 'button' && type !== 'switch')
    return invalid(`type: unsupported ${String(type)}`);
  if (ctx.refuse.has('input')) return invalid('config: refused');
  if (type !== undefined && !ctx.forget.has('input'))
    ctx.settings.save((s) => {
      s.inputTypes[id] = type as Gen2InputMode;
    });
  return { result: { restart_required: false } };
}

function setMqtt(ctx: DeviceApiContext, p: Record<string, unknown>): RpcOutcome {
  if (!isRecord(p.config)) return invalid('config: expected an object');
  const c = p.config;
  if (ctx.refuse.has('mqtt')) return invalid('config: refused');
  if (c.enable !== undefined && typeof c.enable !== 'boolean') return invalid('enable: expected a boolean');
  if (c.server !== undefined && c.server !== null && !/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(String(c.server)))
    return invalid(`server: bad ${String(c.server)}`);
  if (!ctx.forget.has('mqtt'))
    ctx.settings.save((s) => {
      if (typeof c.enable === 'boolean') s.mqtt.enabled = c.enable;
      if (c.server !== undefined) s.mqtt.server = c.server === null ? '' : withPort(String(c.server));
      if (c.user !== undefined) s.mqtt.user = c.user === null ? '' : String(c.user);
      if (c.pass !== undefined) s.mqtt.pass = c.pass === null ? '' : String(c.pass);
    });
  return { result: { restart_required: true } };
}

function setSys(ctx: DeviceApiContext, p: Record<string, unknown>): RpcOutcome {
  if (!isRecord(p.config)) return invalid('config: expected an object');
  const device = p.config.device;
  if (device !== undefined && !isRecord(device)) return invalid('device: expected an object');
  if (ctx.refuse.has('name')) return invalid('config: refused');
  if (device && 'name' in device && !ctx.forget.has('name'))
    ctx.settings.save((s) => {
      s.name = device.name === null ? null : String(device.name);
    });
  return { result: { restart_required: false } };
}

function inputId(id: unknown): number | null {
  return id === 0 || id === 1 ? id : null;
}

function withPort(server: string): string {
  return /:\d+$/.test(server) ? server : `${server}:1883`;
}

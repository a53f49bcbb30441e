/**
 * What a SHUNI-1 answers over HTTP and CoAP about itself (reference §3.1, §5). The `/cit/d` description is the real
 * one (`fixtures/shelly/shuni-1.cit-d.json`, identical across FW 2020 → 1.14.1); `/shelly`, `/settings` and
 * `/status` follow the real FW 1.14.1 Uni of matterbridge-shelly's mock, trimmed to the keys consumers read.
 */
export const SHUNI_CIT_D: string =
  '{"blk":[{"I":1,"D":"relay_0"},{"I":2,"D":"relay_1"},{"I":3,"D":"adc_0"},{"I":4,"D":"sensor_0"},{"I":5,"D":"sensor_1"},{"I":6,"D":"sensor_2"},{"I":7,"D":"sensor_3"},{"I":8,"D":"sensor_4"},{"I":9,"D":"device"}],"sen":[{"I":9103,"T":"EVC","D":"cfgChanged","R":"U16","L":9},{"I":1101,"T":"S","D":"output","R":"0/1","L":1},{"I":1201,"T":"S","D":"output","R":"0/1","L":2},{"I":2101,"T":"S","D":"input","R":"0/1","L":1},{"I":2102,"T":"EV","D":"inputEvent","R":["S/L",""],"L":1},{"I":2103,"T":"EVC","D":"inputEventCnt","R":"U16","L":1},{"I":2201,"T":"S","D":"input","R":"0/1","L":2},{"I":2202,"T":"EV","D":"inputEvent","R":["S/L",""],"L":2},{"I":2203,"T":"EVC","D":"inputEventCnt","R":"U16","L":2},{"I":3118,"T":"V","D":"adc","U":"V","R":["0/30","-1"],"L":3},{"I":3101,"T":"T","D":"extTemp","U":"C","R":["-55/125","999"],"L":4},{"I":3201,"T":"T","D":"extTemp","U":"C","R":["-55/125","999"],"L":5},{"I":3301,"T":"T","D":"extTemp","U":"C","R":["-55/125","999"],"L":6},{"I":3401,"T":"T","D":"extTemp","U":"C","R":["-55/125","999"],"L":7},{"I":3501,"T":"T","D":"extTemp","U":"C","R":["-55/125","999"],"L":8},{"I":3103,"T":"H","D":"humidity","R":["0/100","999"],"L":4}]}';

export const SHUNI_FW = '20241106-112220/v1.14.1-rc1-6-gfb43488e8';

/** Relay `btn_type`: only the three momentary/detached modes produce input events; `toggle` is the factory default. */
export type BtnType = 'momentary' | 'toggle' | 'edge' | 'detached' | 'action' | 'momentary_on_release';
export const BTN_TYPES: readonly BtnType[] = [
  'momentary',
  'toggle',
  'edge',
  'detached',
  'action',
  'momentary_on_release',
];

export function eventsEnabled(btnType: BtnType): boolean {
  return btnType === 'momentary' || btnType === 'momentary_on_release' || btnType === 'detached';
}

export interface UniSnapshot {
  id: string;
  mac: string;
  ip: string;
  inputs: ReadonlyArray<{ level: 0 | 1; event: string; count: number }>;
  btnTypes: readonly BtnType[];
  longpushMs: number;
  adcVolts: number;
  coiotPeer: string;
  coiotPeriodS: number;
  mqtt: { enabled: boolean; server: string; periodS: number };
  uptimeS: number;
  cfgChanged: number;
}

export function shellyBody(s: UniSnapshot) {
  return {
    type: 'SHUNI-1',
    mac: s.mac,
    auth: false,
    fw: SHUNI_FW,
    discoverable: true,
    longid: 1,
    num_outputs: 2,
  };
}

export function settingsBody(s: UniSnapshot) {
  return {
    device: { type: 'SHUNI-1', mac: s.mac, hostname: s.id, num_outputs: 2 },
    wifi_sta: { enabled: true, ssid: 'emulated', ipv4_method: 'dhcp', ip: s.ip },
    mqtt: {
      enable: s.mqtt.enabled,
      server: s.mqtt.server,
      user: '',
      id: s.id,
      reconnect_timeout_max: 60,
      reconnect_timeout_min: 2,
      clean_session: true,
      keep_alive: 60,
      max_qos: 0,
      retain: false,
      update_period: s.mqtt.periodS,
    },
    coiot: { enabled: true, update_period: s.coiotPeriodS, peer: s.coiotPeer },
    name: null,
    fw: SHUNI_FW,
    discoverable: true,
    mode: 'relay',
    longpush_time: s.longpushMs,
    factory_reset_from_switch: true,
    relays: s.btnTypes.map((btnType) => ({
      name: null,
      appliance_type: 'General',
      ison: false,
      has_timer: false,
      default_state: 'off',
      btn_type: btnType,
      btn_reverse: 0,
      auto_on: 0,
      auto_off: 0,
      schedule: false,
      schedule_rules: [],
    })),
    adcs: [{ range: 30, relay_actions: [] }],
    ext_sensors: {},
    ext_temperature: {},
    ext_humidity: {},
  };
}

export function statusBody(s: UniSnapshot) {
  return {
    wifi_sta: { connected: true, ssid: 'emulated', ip: s.ip, rssi: -55 },
    cloud: { enabled: false, connected: false },
    mqtt: { connected: s.mqtt.enabled },
    serial: 1,
    has_update: false,
    mac: s.mac,
    cfg_changed_cnt: s.cfgChanged,
    relays: s.btnTypes.map(() => ({
      ison: false,
      has_timer: false,
      timer_started: 0,
      timer_duration: 0,
      source: 'input',
    })),
    inputs: s.inputs.map((i) => ({ input: i.level, event: i.event, event_cnt: i.count })),
    adcs: [{ voltage: s.adcVolts }],
    ext_sensors: {},
    ext_temperature: {},
    ext_humidity: {},
    uptime: Math.floor(s.uptimeS),
  };
}

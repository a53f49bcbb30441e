import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO } from '../helpers/paths.ts';

/**
 * The add-on folder against Home Assistant's own rules, as written in its developer documentation
 * (home-assistant/developers.home-assistant at 186ad063, 2026-08-19; add-ons are called "apps" there):
 *   CONFIG  docs/apps/configuration.md   (https://developers.home-assistant.io/docs/apps/configuration)
 *   REPO    docs/apps/repository.md      (https://developers.home-assistant.io/docs/apps/repository)
 *   COMM    docs/apps/communication.md   (https://developers.home-assistant.io/docs/apps/communication)
 *   PRESENT docs/apps/presentation.md    (https://developers.home-assistant.io/docs/apps/presentation)
 *   TUTOR   docs/apps/tutorial.md
 * Where the documentation says a rule in words ("URI friendly"), the Supervisor's validator gives its exact form
 * (home-assistant/supervisor at 090ef31e: supervisor/apps/validate.py, options.py, const.py); those are quoted as
 * SUPERVISOR.
 */
const ADDONS = join(REPO, 'contrib', 'homeassistant');
const ADDON = join(ADDONS, 'doorbell-agent');
const read = (file: string) => readFileSync(join(ADDON, file), 'utf8');
const config = parse(read('config.yaml')) as Record<string, unknown>;
const schema = config.schema as Record<string, unknown>;
const options = config.options as Record<string, unknown>;

/** CONFIG "Optional configuration options": every key of the table, with the type it gives. */
const OPTIONAL_KEYS: Record<string, 'bool' | 'string' | 'list' | 'dict' | 'integer' | 'url' | 'bool/string'> =
  {
    machine: 'list',
    url: 'url',
    startup: 'string',
    webui: 'string',
    boot: 'string',
    ports: 'dict',
    ports_description: 'dict',
    host_network: 'bool',
    host_ipc: 'bool',
    host_dbus: 'bool',
    host_pid: 'bool',
    host_uts: 'bool',
    devices: 'list',
    homeassistant: 'string',
    hassio_role: 'string',
    hassio_api: 'bool',
    homeassistant_api: 'bool',
    docker_api: 'bool',
    privileged: 'list',
    full_access: 'bool',
    apparmor: 'bool/string',
    map: 'list',
    environment: 'dict',
    audio: 'bool',
    video: 'bool',
    gpio: 'bool',
    usb: 'bool',
    uart: 'bool',
    udev: 'bool',
    devicetree: 'bool',
    kernel_modules: 'bool',
    stdin: 'bool',
    legacy: 'bool',
    options: 'dict',
    schema: 'dict',
    image: 'string',
    timeout: 'integer',
    tmpfs: 'bool',
    discovery: 'list',
    services: 'list',
    auth_api: 'bool',
    ingress: 'bool',
    ingress_port: 'integer',
    ingress_entry: 'string',
    ingress_stream: 'bool',
    panel_icon: 'string',
    panel_title: 'string',
    panel_admin: 'bool',
    backup: 'string',
    backup_pre: 'string',
    backup_post: 'string',
    backup_exclude: 'list',
    stage: 'string',
    init: 'bool',
    watchdog: 'string',
    realtime: 'bool',
    journald: 'bool',
    breaking_versions: 'list',
    ulimits: 'dict',
  };

/** CONFIG "Options / Schema", "We support:"; the exact grammar is SUPERVISOR options.py RE_SCHEMA_ELEMENT. */
const SCHEMA_ELEMENT = new RegExp(
  '^(?:' +
    '|bool|email|url|port' +
    '|device(?:\\((?<filter>subsystem=[a-z]+)\\))?' +
    '|str(?:\\((?<s_min>\\d+)?,(?<s_max>\\d+)?\\))?' +
    '|password(?:\\((?<p_min>\\d+)?,(?<p_max>\\d+)?\\))?' +
    '|int(?:\\((?<i_min>-?\\d+)?,(?<i_max>-?\\d+)?\\))?' +
    '|float(?:\\((?<f_min>-?\\d*\\.?\\d+)?,(?<f_max>-?\\d*\\.?\\d+)?\\))?' +
    '|match\\((?<match>.*)\\)' +
    '|list\\((?<list>.+)\\)' +
    ')\\??$',
);

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'dict';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'float';
  return typeof value;
}

/** Depth of nested lists and dictionaries under a top-level option (a plain element is 0). */
function depth(node: unknown): number {
  if (Array.isArray(node)) return 1 + Math.max(0, ...node.map(depth));
  if (typeof node === 'object' && node !== null) return 1 + Math.max(0, ...Object.values(node).map(depth));
  return 0;
}

/** A value against one schema element, as CONFIG describes the types (SUPERVISOR options.py _single_validate). */
function validElement(type: string, value: unknown): boolean {
  const m = SCHEMA_ELEMENT.exec(type);
  if (!m?.groups) return false;
  const g = m.groups;
  const inRange = (n: number, min?: string, max?: string) =>
    (min === undefined || n >= Number(min)) && (max === undefined || n <= Number(max));
  if (type.startsWith('str') || type.startsWith('password'))
    return typeof value === 'string' && inRange(value.length, g.s_min ?? g.p_min, g.s_max ?? g.p_max);
  if (type.startsWith('int'))
    return Number.isInteger(Number(value)) && inRange(Number(value), g.i_min, g.i_max);
  if (type.startsWith('float'))
    return Number.isFinite(Number(value)) && inRange(Number(value), g.f_min, g.f_max);
  if (type.startsWith('bool')) return typeof value === 'boolean';
  if (type.startsWith('port')) return Number.isInteger(value) && inRange(Number(value), '1', '65535');
  if (type.startsWith('url')) return /^[a-z]+:\/\/\S+$/.test(String(value));
  if (type.startsWith('email')) return /^\S+@\S+$/.test(String(value));
  // Python's re.match: anchored at the start only.
  if (type.startsWith('match')) return new RegExp(`^(?:${g.match})`).test(String(value));
  if (type.startsWith('list')) return (g.list as string).split('|').includes(String(value));
  return false;
}

/** The Supervisor's checks of options against a schema (SUPERVISOR options.py): unknown keys, missing required. */
function validate(schemaNode: unknown, value: unknown, path: string): string[] {
  if (Array.isArray(schemaNode)) {
    if (!Array.isArray(value)) return [`${path}: expected a list`];
    return value.flatMap((v, i) => validate(schemaNode[0], v, `${path}[${i}]`));
  }
  if (typeof schemaNode === 'object' && schemaNode !== null) {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return [`${path}: expected a dict`];
    const node = schemaNode as Record<string, unknown>;
    const given = value as Record<string, unknown>;
    const unknown = Object.keys(given)
      .filter((k) => !(k in node))
      .map((k) => `${path}.${k}: not in the schema`);
    const missing = Object.entries(node)
      .filter(([k, t]) => !(k in given) && !String(Array.isArray(t) ? t[0] : t).endsWith('?'))
      .map(([k]) => `${path}.${k}: missing (required)`);
    const checked = Object.entries(given)
      .filter(([k]) => k in node)
      .flatMap(([k, v]) => validate(node[k], v, `${path}.${k}`));
    return [...unknown, ...missing, ...checked];
  }
  return validElement(String(schemaNode), value)
    ? []
    : [`${path}: ${JSON.stringify(value)} is not ${schemaNode}`];
}

function leaves(node: unknown, path = ''): Array<[string, string]> {
  if (Array.isArray(node)) return leaves(node[0], `${path}[]`);
  if (typeof node === 'object' && node !== null)
    return Object.entries(node).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k));
  return [[path, String(node)]];
}

describe('Home Assistant add-on: config.yaml', () => {
  it('has the required keys with their types (CONFIG "Required configuration options")', () => {
    for (const key of ['name', 'version', 'slug', 'description'])
      expect(typeOf(config[key]), key).toBe('string');
    expect(typeOf(config.arch)).toBe('list');
  });

  it('lists only the architectures the documentation allows: aarch64, amd64 (CONFIG; SUPERVISOR const.py ARCH_ALL)', () => {
    expect((config.arch as string[]).length).toBeGreaterThan(0);
    for (const arch of config.arch as string[]) expect(['aarch64', 'amd64']).toContain(arch);
  });

  it('has a URI-friendly slug (CONFIG "slug"; SUPERVISOR apps/const.py RE_SLUG = [-_.A-Za-z0-9]+)', () => {
    expect(config.slug).toMatch(/^[-_.A-Za-z0-9]+$/);
    expect(encodeURIComponent(config.slug as string)).toBe(config.slug);
  });

  it('uses only documented keys, each with its documented type (CONFIG "Optional configuration options")', () => {
    for (const [key, value] of Object.entries(config)) {
      if (['name', 'version', 'slug', 'description', 'arch'].includes(key)) continue;
      const type = OPTIONAL_KEYS[key];
      expect(type, `${key} is not a documented key`).toBeDefined();
      if (type === 'url') expect(value).toMatch(/^https?:\/\/\S+$/);
      else if (type === 'bool/string') expect(['bool', 'string']).toContain(typeOf(value));
      else expect(typeOf(value), key).toBe(type);
    }
    expect(['initialize', 'system', 'services', 'application', 'once']).toContain(config.startup);
    expect(['auto', 'manual', 'manual_only']).toContain(config.boot);
    expect(config.panel_icon).toMatch(/^mdi:[a-z0-9-]+$/);
  });

  it('has the keys the agent needs: MQTT from the Supervisor, the host network for multicast, ingress', () => {
    expect(config.services).toEqual(['mqtt:need']);
    expect(config.host_network).toBe(true);
    expect(config.ingress).toBe(true);
  });

  it('names services as service:function, mqtt or mysql, provide|want|need (CONFIG "services"; COMM "Services API")', () => {
    for (const service of config.services as string[])
      expect(service).toMatch(/^(mqtt|mysql):(provide|want|need)$/);
  });

  it('uses ingress_port 0 only on the host network, else a TCP port (CONFIG "ingress_port")', () => {
    const port = config.ingress_port as number;
    expect(Number.isInteger(port)).toBe(true);
    if (port === 0) expect(config.host_network).toBe(true);
    else expect(port).toBeGreaterThanOrEqual(1);
    expect(port).toBeLessThanOrEqual(65535);
    // SUPERVISOR validate.py: with ingress_port 0, no mapped port may lie in the dynamic range 62000-65500.
    for (const mapped of Object.keys((config.ports as object | undefined) ?? {}))
      expect(Number.parseInt(mapped, 10) < 62000 || Number.parseInt(mapped, 10) > 65500).toBe(true);
  });

  it('sets init: false, as s6-overlay v3 base images require (CONFIG "init")', () => {
    expect(config.init).toBe(false);
  });

  it('maps only documented folder types (CONFIG "map")', () => {
    const types = ['homeassistant_config', 'addon_config', 'ssl', 'addons', 'backup', 'share', 'media'];
    for (const entry of config.map as Array<Record<string, unknown>>) {
      expect([...types, 'all_addon_configs', 'data']).toContain(entry.type);
      if ('read_only' in entry) expect(typeof entry.read_only).toBe('boolean');
      expect(Object.keys(entry).every((k) => ['type', 'read_only', 'path'].includes(k))).toBe(true);
    }
  });

  it('writes every schema element in the supported grammar, with valid regular expressions (CONFIG "We support")', () => {
    for (const [path, type] of leaves(schema)) {
      expect(type, path).toMatch(SCHEMA_ELEMENT);
      const match = SCHEMA_ELEMENT.exec(type)?.groups?.match;
      if (match !== undefined) expect(() => new RegExp(match), path).not.toThrow();
    }
  });

  it('nests lists and dictionaries at most two deep (CONFIG "maximum depth of two")', () => {
    for (const [key, node] of Object.entries(schema)) expect(depth(node), key).toBeLessThanOrEqual(2);
  });

  it('gives no default to an optional option, and one to every required option (CONFIG "Options / Schema")', () => {
    for (const [key, type] of Object.entries(schema)) {
      const optional = String(Array.isArray(type) ? type[0] : type).endsWith('?');
      // "If any default value is given, the option becomes a required value."
      if (optional) expect(options, `${key} is optional: no default`).not.toHaveProperty(key);
      // The add-on installs with its defaults; the doorbells are then filled in on the Configuration tab.
      else expect(options, `${key} is required: give a default`).toHaveProperty(key);
    }
  });

  it('has defaults that pass its own schema, and an example doorbell that does too', () => {
    expect(validate(schema, options, 'options')).toEqual([]);
    const example = {
      doorbells: [
        {
          id: 'shellyuni-98CDAC25ABCD',
          name: 'Front door',
          input: 0,
          chime: 'electronic',
          duration_s: 5,
          address: '192.168.20.31:8080',
          battery_installed: '2026-01-15',
          battery_adc: false,
          battery_chemistry: 'alkaline',
          battery_cells: 1,
          wiring_plot: 'doorbell-agent/front-door.svg',
        },
      ],
      coiot_peers: ['192.168.30.12'],
      base_topic: 'doorbell',
      log_level: 'debug',
    };
    expect(validate(schema, example, 'options')).toEqual([]);
    const wrong = { doorbells: [{ id: 'front-door', input: 7, chime: 'digital' }], log_level: 'loud' };
    expect(validate(schema, wrong, 'options')).toEqual([
      'options.doorbells[0].id: "front-door" is not match(^shelly[A-Za-z0-9_-]+$)',
      'options.doorbells[0].input: 7 is not int(0,3)?',
      'options.doorbells[0].chime: "digital" is not list(mechanical|electronic)?',
      'options.log_level: "loud" is not list(debug|info|warn|error)',
    ]);
  });

  it('is the only config.* in the repository folder (CONFIG: the Supervisor searches config.yaml recursively)', () => {
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/^config\.(ya?ml|json)$/.test(name)) found.push(relative(ADDONS, path));
      }
    };
    walk(ADDONS);
    expect(found).toEqual(['doorbell-agent/config.yaml']);
  });

  it('installs the npm package of its own version', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    expect(config.version).toBe(pkg.version);
  });
});

describe('Home Assistant add-on: the other files', () => {
  it('has the files of an add-on folder (CONFIG "file structure"; PRESENT README, DOCS, CHANGELOG)', () => {
    for (const file of [
      'config.yaml',
      'Dockerfile',
      'run.sh',
      'translations/en.yaml',
      'DOCS.md',
      'README.md',
      'CHANGELOG.md',
    ])
      expect(statSync(join(ADDON, file)).isFile(), file).toBe(true);
  });

  it('repository.yaml has a name, and url and maintainer are strings (REPO "Repository configuration")', () => {
    const repository = parse(readFileSync(join(ADDONS, 'repository.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(typeof repository.name).toBe('string');
    expect(repository.url).toMatch(/^https?:\/\/\S+$/);
    expect(typeof repository.maintainer).toBe('string');
    expect(Object.keys(repository).every((k) => ['name', 'url', 'maintainer'].includes(k))).toBe(true);
  });

  it('translates exactly the schema options, each with a name (CONFIG "Configuration translations")', () => {
    const en = parse(read('translations/en.yaml')) as {
      configuration: Record<string, { name: string; description?: string; fields?: Record<string, unknown> }>;
    };
    expect(Object.keys(en).every((k) => ['configuration', 'network'].includes(k))).toBe(true);
    expect(Object.keys(en.configuration).sort()).toEqual(Object.keys(schema).sort());
    for (const [key, entry] of Object.entries(en.configuration)) {
      expect(typeof entry.name, key).toBe('string');
      const node = schema[key];
      const nested = Array.isArray(node) ? node[0] : node;
      if (typeof nested === 'object' && nested !== null) {
        expect(Object.keys(entry.fields ?? {}).sort(), key).toEqual(Object.keys(nested).sort());
        for (const field of Object.values(entry.fields ?? {}))
          expect(typeof (field as { name: unknown }).name).toBe('string');
      } else expect(entry.fields, key).toBeUndefined();
    }
  });

  it('Dockerfile names its base, which BUILD_FROM may override; labels io.hass.* (CONFIG "App Dockerfile")', () => {
    const dockerfile = read('Dockerfile');
    // The Supervisor passes no BUILD_FROM since 2026.04: the ARG's default, a pinned base, is what it builds on.
    expect(dockerfile.match(/^FROM\s/gm)).toHaveLength(1);
    expect(dockerfile.match(/^ARG\s+BUILD_FROM\b/gm)).toHaveLength(1);
    expect(dockerfile).toMatch(
      /^ARG BUILD_FROM=ghcr\.io\/home-assistant\/base:3\.22\nFROM \$\{BUILD_FROM\}$/m,
    );
    expect(dockerfile).toMatch(/io\.hass\.version="\$\{BUILD_VERSION\}"/);
    expect(dockerfile).toMatch(/io\.hass\.type="app"/);
    expect(dockerfile).toMatch(/io\.hass\.arch="aarch64\|amd64"/);
    expect(dockerfile).toMatch(/^CMD \[ "\/run\.sh" \]$/m);
  });

  it('run.sh is a bashio script with Unix line breaks, executable (CONFIG "App script"; TUTOR "run.sh")', () => {
    const script = read('run.sh');
    expect(script.startsWith('#!/usr/bin/with-contenv bashio\n')).toBe(true);
    expect(script).not.toContain('\r');
    expect(statSync(join(ADDON, 'run.sh')).mode & 0o111).not.toBe(0);
  });
});

import { accessSync, constants, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { type Document, LineCounter, parseDocument } from 'yaml';
import type * as z from 'zod';
import { ConfigError, ConfigFileError } from '../core/errors.ts';
import { applyEnvOverrides, type EnvOverride } from './env.ts';
import { configLeaves, knownKeys } from './keys.ts';
import { type Config, configSchema, DEFAULT_STORE_FILE } from './schema.ts';
import { unknownKey, unknownKeys } from './unknown-keys.ts';
import { locate, type Position } from './yaml-position.ts';

export const DEFAULT_CONFIG_FILE = 'doorbell-agent.yaml';
/** The data directory, when `--data` does not name one. */
export const DATA_DIR_ENV = 'DOORBELL_AGENT_DATA';

export interface LoadOptions {
  /** At least one device must be configured (what `run`, `status` and `replay` need). Default false. */
  requireDevices?: boolean;
  /** `--data DIR`: where the store goes unless `store.path` says otherwise; else `$DOORBELL_AGENT_DATA`. */
  dataDir?: string;
}

/**
 * Reads `file` (YAML; undefined = `./doorbell-agent.yaml`, which must then exist), applies `DOORBELL_AGENT_*`
 * overrides from `env`, validates, resolves file paths, and reads the password files.
 * Throws `ConfigError` listing every problem as `file:line:col key.path: message`; values never appear in it.
 *
 * File paths written relative in the file are taken from the file's folder, so the agent finds the same files
 * whatever its current directory; set by an environment variable, from the current directory. `store.path`,
 * when not set at all, is in the data directory if there is one, else beside the configuration file.
 */
export function loadConfig(
  file: string | undefined = undefined,
  env: NodeJS.ProcessEnv = process.env,
  options: LoadOptions = {},
): Config {
  const named = file !== undefined;
  file ??= DEFAULT_CONFIG_FILE;
  const text = readConfigText(file, named);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const { line, col } = lines.linePos(e.pos[0]);
        return `${file}:${line}:${col} (yaml): ${e.message}`;
      }),
    );
  }
  const { value, overrides } = applyEnvOverrides(documentValue(doc, file), env);
  const parsed = configSchema.safeParse(value);
  const problems = parsed.success ? [] : [...unknownKeys(value), ...parsed.error.issues.flatMap(explain)];
  const where = (path: readonly PropertyKey[]): { text: string; at: Position | null } => {
    const byEnv = overrideFor(overrides, path);
    if (byEnv) return { text: `$${byEnv.name}`, at: null };
    const at = locate(doc, lines, path);
    return { text: `${file}:${at.line}:${at.col}`, at };
  };
  if (!parsed.success) throw new ConfigError(file, describeAll(problems, where));

  const config = parsed.data;
  if (options.requireDevices && config.devices.length === 0) {
    throw new ConfigError(file, [
      `${where(['devices']).text} devices: at least one device is required, e.g. devices: [{ id: shellyuni-<MAC> }]`,
    ]);
  }
  const dataDir = options.dataDir ?? (env[DATA_DIR_ENV] || undefined);
  resolveFiles(config, value, overrides, dirname(resolve(file)), dataDir);
  const unreadable = configLeaves()
    // The store is created if missing; password files are read just below, with their own message.
    .filter(
      (leaf) => leaf.file && leaf.path.join('.') !== 'store.path' && !leaf.path.includes('password_file'),
    )
    .flatMap((leaf) => {
      const path = valueAt(config, leaf.path);
      if (typeof path !== 'string') return [];
      try {
        accessSync(path, constants.R_OK);
        return [];
      } catch (error) {
        return [`${where(leaf.path).text} ${keyPath(leaf.path)}: cannot read ${path} (${errorCode(error)})`];
      }
    });
  if (unreadable.length > 0) throw new ConfigError(file, unreadable);
  for (const [section, holder] of [
    ['mqtt', config.mqtt],
    ['embedded_broker', config.embedded_broker],
  ] as const) {
    if (holder.password_file === null) continue;
    try {
      holder.password = readFileSync(holder.password_file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      const path = [section, 'password_file'];
      throw new ConfigError(file, [
        `${where(path).text} ${keyPath(path)}: cannot read the password file (${errorCode(error)})`,
      ]);
    }
  }
  return config;
}

function readConfigText(file: string, named: boolean): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' && !named) {
      throw new ConfigFileError(
        file,
        `no configuration file: there is no ${file} in ${process.cwd()}. Write one (README: Quick start) or name it with --config FILE`,
      );
    }
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'this is a folder, not a file'
          : code === 'EACCES'
            ? 'permission denied'
            : 'cannot read it';
    throw new ConfigFileError(file, `${file}: configuration file: ${why} (${code})`);
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? String(error);
}

/**
 * Makes every file path of `config` absolute: relative ones from the config file's folder (`base`), or from the
 * current directory when an environment variable set them; `store.path` left unset goes to `dataDir`.
 */
function resolveFiles(
  config: Config,
  raw: unknown,
  overrides: EnvOverride[],
  base: string,
  dataDir: string | undefined,
): void {
  for (const leaf of configLeaves().filter((l) => l.file)) {
    const value = valueAt(config, leaf.path);
    if (typeof value !== 'string') continue;
    const byEnv = overrideFor(overrides, leaf.path) !== undefined;
    const unset = valueAt(raw, leaf.path) === undefined;
    let path: string;
    if (leaf.path.join('.') === 'store.path' && unset && dataDir !== undefined)
      path = resolve(dataDir, DEFAULT_STORE_FILE);
    else if (isAbsolute(value)) path = value;
    else path = byEnv ? resolve(value) : join(base, value);
    setAt(config, leaf.path, path);
  }
  // Keys of list items (no environment variable sets them): from the config file's folder.
  for (const device of config.devices) {
    if (device.wiring_plot !== undefined && !isAbsolute(device.wiring_plot))
      device.wiring_plot = join(base, device.wiring_plot);
  }
}

function valueAt(tree: unknown, path: readonly string[]): unknown {
  let node = tree;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function setAt(tree: unknown, path: readonly string[], value: unknown): void {
  const parent = valueAt(tree, path.slice(0, -1)) as Record<string, unknown>;
  parent[path[path.length - 1] as string] = value;
}

interface Problem {
  path: readonly PropertyKey[];
  message: string;
}

/** One problem per offending key; zod's wording is made shorter where it reads badly in a config file. */
function explain(issue: z.core.$ZodIssue): Problem[] {
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeys(issue.path);
    return issue.keys.map((key) => unknownKey([...issue.path, key], known));
  }
  if (issue.code === 'invalid_type' && / received undefined$/.test(issue.message)) {
    return [{ path: issue.path, message: `required (${issue.expected})` }];
  }
  if (issue.code === 'invalid_union') {
    // Discriminated unions report the accepted tags in `options`, which the issue type does not declare.
    const options = (issue as { options?: unknown }).options;
    if (Array.isArray(options))
      return [{ path: issue.path, message: `must be one of ${options.join(', ')}` }];
  }
  return [{ path: issue.path, message: issue.message }];
}

/** One line per problem, duplicates dropped, in file order; problems from the environment come last. */
function describeAll(
  problems: Problem[],
  where: (path: readonly PropertyKey[]) => { text: string; at: Position | null },
): string[] {
  const located = problems.map((p) => ({
    ...where(p.path),
    line: `${where(p.path).text} ${keyPath(p.path)}: ${p.message}`,
  }));
  const rank = (p: { at: Position | null }) => (p.at ? p.at.line * 1e6 + p.at.col : Number.MAX_SAFE_INTEGER);
  const sorted = located
    .map((p, index) => ({ ...p, index }))
    .sort((a, b) => rank(a) - rank(b) || a.index - b.index);
  return [...new Set(sorted.map((p) => p.line))];
}

function keyPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(top level)' : path.map(String).join('.');
}

/** The last variable that set `path` or one of its parents. */
function overrideFor(overrides: EnvOverride[], path: readonly PropertyKey[]): EnvOverride | undefined {
  return [...overrides]
    .reverse()
    .find((o) => o.path.length <= path.length && o.path.every((key, i) => path[i] === key));
}

/** The document as plain data; the `yaml` package refuses aliases that would expand without bound (a "YAML bomb"). */
function documentValue(doc: Document, file: string): unknown {
  try {
    return doc.toJS();
  } catch (error) {
    throw new ConfigFileError(file, `${file}: (yaml) ${(error as Error).message}`);
  }
}

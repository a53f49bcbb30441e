import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { applyEnvOverrides, type EnvOverride } from './env.ts';
import { type Config, configSchema } from './schema.ts';
import { locate } from './yaml-position.ts';

export const DEFAULT_CONFIG_FILE = 'doorbell-agent.yaml';

export interface LoadOptions {
  /** A missing file yields the defaults. Default: true only for `doorbell-agent.yaml`. */
  missingOk?: boolean;
}

/**
 * Reads `file` (YAML), applies `DOORBELL_AGENT_*` overrides from `env`, validates, and reads `mqtt.password_file`.
 * Throws `ConfigError` listing every problem as `file:line:col key.path: message`; values never appear in it.
 */
export function loadConfig(
  file: string = DEFAULT_CONFIG_FILE,
  env: NodeJS.ProcessEnv = process.env,
  options: LoadOptions = {},
): Config {
  const text = readConfigText(file, options.missingOk ?? file === DEFAULT_CONFIG_FILE);
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
  const { value, overrides } = applyEnvOverrides(doc.toJS(), env);
  const parsed = configSchema.safeParse(value);
  const problems = parsed.success ? [] : parsed.error.issues.flatMap((issue) => explain(issue));
  const where = (path: readonly PropertyKey[]) => {
    const byEnv = overrideFor(overrides, path);
    if (byEnv) return `$${byEnv.name}`;
    const { line, col } = locate(doc, lines, path);
    return `${file}:${line}:${col}`;
  };
  const messages = problems.map((p) => `${where(p.path)} ${keyPath(p.path)}: ${p.message}`);
  if (!parsed.success) throw new ConfigError(file, messages);

  const config = parsed.data;
  if (config.mqtt.password_file !== null) {
    try {
      config.mqtt.password = readFileSync(config.mqtt.password_file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      const path = ['mqtt', 'password_file'];
      throw new ConfigError(file, [
        `${where(path)} ${keyPath(path)}: cannot read the password file (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      ]);
    }
  }
  return config;
}

function readConfigText(file: string, missingOk: boolean): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && missingOk) return '';
    throw new ConfigError(file, [`${file}: cannot read the configuration file (${code ?? String(error)})`]);
  }
}

interface Problem {
  path: readonly PropertyKey[];
  message: string;
}

/** One problem per offending key; zod's wording is made shorter where it reads badly in a config file. */
function explain(issue: z.core.$ZodIssue): Problem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: [...issue.path, key], message: 'unknown key' }));
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

function keyPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(top level)' : path.map(String).join('.');
}

/** The last variable that set `path` or one of its parents. */
function overrideFor(overrides: EnvOverride[], path: readonly PropertyKey[]): EnvOverride | undefined {
  return [...overrides]
    .reverse()
    .find((o) => o.path.length <= path.length && o.path.every((key, i) => path[i] === key));
}

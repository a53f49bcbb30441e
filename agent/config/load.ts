import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../core/errors.ts';
import { applyEnvOverrides, type EnvOverride } from './env.ts';
import { knownKeys } from './keys.ts';
import { type Config, configSchema } from './schema.ts';
import { unknownKey, unknownKeys } from './unknown-keys.ts';
import { locate, type Position } from './yaml-position.ts';

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
  const problems = parsed.success ? [] : [...unknownKeys(value), ...parsed.error.issues.flatMap(explain)];
  const where = (path: readonly PropertyKey[]): { text: string; at: Position | null } => {
    const byEnv = overrideFor(overrides, path);
    if (byEnv) return { text: `$${byEnv.name}`, at: null };
    const at = locate(doc, lines, path);
    return { text: `${file}:${at.line}:${at.col}`, at };
  };
  if (!parsed.success) throw new ConfigError(file, describeAll(problems, where));

  const config = parsed.data;
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
        `${where(path).text} ${keyPath(path)}: cannot read the password file (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
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

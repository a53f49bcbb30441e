import { parse as parseYaml } from 'yaml';
import { type ConfigLeaf, configLeaves, ENV_ALIASES } from './keys.ts';

/** An environment variable that set a key, so its errors can name the variable instead of a file line. */
export interface EnvOverride {
  name: string;
  path: string[];
}

type Tree = Record<string, unknown>;

const isTree = (value: unknown): value is Tree =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Sets every key named by a `DOORBELL_AGENT_<SECTION>_<KEY>` variable (and the aliases) on a copy of the raw
 * YAML value. Text is turned into the key's type; anything that does not convert is left as text for the
 * schema to reject with a proper message. Unknown `DOORBELL_AGENT_*` variables are ignored.
 */
export function applyEnvOverrides(
  raw: unknown,
  env: NodeJS.ProcessEnv,
): { value: unknown; overrides: EnvOverride[] } {
  if (raw !== undefined && raw !== null && !isTree(raw)) return { value: raw, overrides: [] };
  const root: Tree = structuredClone(raw ?? {}) as Tree;
  const leaves = configLeaves();
  const byEnv = new Map<string, ConfigLeaf>(leaves.map((leaf) => [leaf.env, leaf]));
  for (const [alias, path] of Object.entries(ENV_ALIASES)) {
    const leaf = leaves.find((l) => l.path.join('.') === path.join('.'));
    if (leaf) byEnv.set(alias, leaf);
  }
  const overrides: EnvOverride[] = [];
  // Sorted so that the long name wins over an alias for the same key, deterministically.
  for (const name of [...byEnv.keys()].sort((a, b) => a.length - b.length)) {
    const text = env[name];
    const leaf = byEnv.get(name);
    if (text === undefined || !leaf) continue;
    if (setIn(root, leaf.path, convert(text, leaf))) overrides.push({ name, path: leaf.path });
  }
  return { value: root, overrides };
}

function convert(text: string, leaf: ConfigLeaf): unknown {
  const trimmed = text.trim();
  if (leaf.nullable && (trimmed === '' || trimmed === 'null')) return null;
  switch (leaf.kind) {
    case 'string':
      return text;
    case 'number': {
      const n = Number(trimmed);
      return trimmed !== '' && Number.isFinite(n) ? n : text;
    }
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(lower)) return true;
      if (['false', '0', 'no', 'off'].includes(lower)) return false;
      return text;
    }
    case 'list':
      if (trimmed === '') return [];
      if (trimmed.startsWith('[')) {
        try {
          return parseYaml(trimmed);
        } catch {
          return text;
        }
      }
      return trimmed.split(',').map((s) => s.trim());
  }
}

/** False when the file put something other than a mapping on the way (the schema reports that). */
function setIn(root: Tree, path: string[], value: unknown): boolean {
  let node = root;
  for (const key of path.slice(0, -1)) {
    const next = node[key] ?? {};
    if (!isTree(next)) return false;
    node[key] = next;
    node = next;
  }
  node[path[path.length - 1]!] = value;
  return true;
}

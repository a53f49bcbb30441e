import type * as z from 'zod';
import { configSchema, isFileKey } from './schema.ts';

/** What an environment variable's text is turned into before validation. */
export type LeafKind = 'string' | 'number' | 'boolean' | 'list';

/** One settable key of the configuration, read from the schema (never written down twice). */
export interface ConfigLeaf {
  path: string[];
  kind: LeafKind;
  nullable: boolean;
  default: unknown;
  description: string;
  /** `DOORBELL_AGENT_<SECTION>_<KEY>`, e.g. `DOORBELL_AGENT_MQTT_BASE_TOPIC`. */
  env: string;
  /** A file path: resolved from the configuration file's folder when written relative. */
  file: boolean;
}

export const ENV_PREFIX = 'DOORBELL_AGENT_';

/** Short names kept for the common overrides. */
export const ENV_ALIASES: Readonly<Record<string, string[]>> = {
  DOORBELL_AGENT_BASE_TOPIC: ['mqtt', 'base_topic'],
};

type AnySchema = z.core.$ZodType;

function def(
  schema: AnySchema,
): { type: string; innerType?: AnySchema; element?: AnySchema } & Record<string, unknown> {
  return schema._zod.def as never;
}

function describe(schema: AnySchema): string | undefined {
  return (schema as { description?: string }).description;
}

/**
 * Walks `configSchema`. By default only keys that an environment variable can set; with `lists`, also the keys
 * of list items (`devices[].chime.mode`), for the reference documentation.
 */
export function configLeaves(options: { lists?: boolean } = {}): ConfigLeaf[] {
  const leaves: ConfigLeaf[] = [];
  const visit = (schema: AnySchema, path: string[]) => {
    let node = schema;
    let nullable = false;
    let defaultValue: unknown;
    let description = describe(schema);
    let file = isFileKey(schema);
    for (;;) {
      const d = def(node);
      if (d.type === 'default' || d.type === 'prefault') {
        const value = d.defaultValue;
        defaultValue ??= typeof value === 'function' ? value() : value;
      } else if (d.type === 'nullable') nullable = true;
      else if (d.type === 'pipe') node = d.in as AnySchema;
      else if (d.type !== 'optional') break;
      if (d.type !== 'pipe') node = d.innerType as AnySchema;
      description ??= describe(node);
      file ||= isFileKey(node);
    }
    const d = def(node);
    if (d.type === 'object') {
      const shape = (node as unknown as { shape: Record<string, AnySchema> }).shape;
      for (const [key, child] of Object.entries(shape)) visit(child, [...path, key]);
      return;
    }
    if (options.lists && d.type === 'union') {
      for (const option of d.options as AnySchema[]) visit(option, path);
      return;
    }
    if (options.lists && d.type === 'array' && d.element && def(d.element).type !== 'string') {
      visit(d.element, [...path.slice(0, -1), `${path[path.length - 1]}[]`]);
      return;
    }
    const kind = leafKind(d.type, d.element);
    const key = path.join('.');
    if (kind === undefined || leaves.some((leaf) => leaf.path.join('.') === key)) return;
    leaves.push({
      path,
      kind,
      nullable,
      default: defaultValue,
      description: description ?? '',
      env: ENV_PREFIX + path.join('_').toUpperCase(),
      file,
    });
  };
  visit(configSchema, []);
  return leaves;
}

function leafKind(type: string, element: AnySchema | undefined): LeafKind | undefined {
  if (type === 'string' || type === 'enum' || type === 'literal') return 'string';
  if (type === 'number') return 'number';
  if (type === 'boolean') return 'boolean';
  if (type === 'array' && element && def(element).type === 'string') return 'list';
  return undefined;
}

/** The keys the schema accepts in the mapping at `path` (list indices step into the list's items). */
export function knownKeys(path: readonly PropertyKey[]): string[] {
  let node: AnySchema | undefined = configSchema;
  for (const segment of [...path, undefined]) {
    for (;;) {
      if (node === undefined) return [];
      const d = def(node);
      if (d.type === 'default' || d.type === 'prefault' || d.type === 'nullable' || d.type === 'optional') {
        node = d.innerType;
      } else if (d.type === 'pipe') node = d.in as AnySchema;
      else break;
    }
    const d = def(node);
    if (d.type === 'union') {
      const keys = (d.options as AnySchema[]).flatMap((option) => shapeKeys(option));
      if (segment === undefined) return [...new Set(keys)];
      return [];
    }
    if (segment === undefined) return shapeKeys(node);
    if (d.type === 'array' && typeof segment === 'number') node = d.element;
    else if (d.type === 'object')
      node = (node as unknown as { shape: Record<string, AnySchema> }).shape[String(segment)];
    else return [];
  }
  return [];
}

function shapeKeys(schema: AnySchema): string[] {
  return def(schema).type === 'object' ? Object.keys((schema as unknown as { shape: object }).shape) : [];
}

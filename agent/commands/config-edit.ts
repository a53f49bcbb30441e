import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isMap, isSeq, parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';
import { configSchema } from '../config/schema.ts';
import { ConfigError, ConfigFileError } from '../core/errors.ts';
import { type StarterDevice, type StarterOptions, starterConfig } from './starter-config.ts';

export type EditOutcome = 'created' | 'added' | 'updated' | 'unchanged';

/**
 * Adds the device to a config file, or updates its entry (same id and input): `address`, `chime`, `name` when
 * given; `forward` listeners join `coiot.forward`. Through the YAML Document API, so the user's comments, order
 * and formatting stay. A file that does not exist is started from `starterConfig`. The result must still be a
 * valid configuration, else nothing is written.
 */
export function addDeviceToConfig(
  file: string,
  device: StarterDevice,
  options: StarterOptions,
): { outcome: EditOutcome; text: string } {
  if (!existsSync(file)) {
    const text = starterConfig([device], options);
    validate(file, text);
    return { outcome: 'created', text };
  }
  let original: string;
  try {
    original = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigFileError(file, `${file}: cannot read it (${(error as NodeJS.ErrnoException).code})`);
  }
  const doc = parseDocument(original);
  if (doc.errors.length > 0) throw new ConfigError(file, [`${file} (yaml): ${doc.errors[0]?.message}`]);
  if (doc.contents === null) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
  let devices = doc.get('devices', true);
  if (!isSeq(devices)) {
    doc.set('devices', doc.createNode([]));
    devices = doc.get('devices', true);
  }
  const seq = devices as YAMLSeq;
  const entry = seq.items.find(
    (item): item is YAMLMap =>
      isMap(item) && item.get('id') === device.id && Number(item.get('input') ?? 0) === device.input,
  );
  let outcome: EditOutcome;
  if (entry) {
    const before = JSON.stringify(entry.toJSON());
    if (device.address !== undefined) entry.set('address', device.address);
    if (device.name !== undefined) entry.set('name', device.name);
    const chimeNow = entry.get('chime', true);
    if (device.chime && !sameChime(isMap(chimeNow) ? chimeNow.toJSON() : null, device.chime)) {
      const chime = doc.createNode(device.chime);
      chime.flow = true;
      entry.set('chime', chime);
    }
    outcome = JSON.stringify(entry.toJSON()) === before ? 'unchanged' : 'updated';
  } else {
    const node = doc.createNode({
      id: device.id,
      ...(device.name === undefined ? {} : { name: device.name }),
      input: device.input,
      ...(device.address === undefined ? {} : { address: device.address }),
      ...(device.chime === undefined ? {} : { chime: device.chime }),
    }) as YAMLMap;
    const chime = node.get('chime', true);
    if (isMap(chime)) chime.flow = true;
    node.commentBefore = ` added by doorbell-agent ${options.by}`;
    seq.flow = false;
    seq.add(node);
    outcome = 'added';
  }
  if (options.forward && options.forward.length > 0) {
    const current = (doc.getIn(['coiot', 'forward']) as YAMLSeq | undefined)?.toJSON?.() as
      | string[]
      | undefined;
    const merged = [...new Set([...(current ?? []), ...options.forward])];
    if (JSON.stringify(merged) !== JSON.stringify(current ?? [])) {
      const list = doc.createNode(merged);
      list.flow = true;
      doc.setIn(['coiot', 'forward'], list);
      if (outcome === 'unchanged') outcome = 'updated';
    }
  }
  const text = doc.toString();
  validate(file, text);
  return { outcome, text };
}

function sameChime(a: { mode?: unknown; duration_s?: unknown } | null, b: StarterDevice['chime']): boolean {
  return a?.mode === b?.mode && a?.duration_s === (b?.mode === 'electronic' ? b.duration_s : undefined);
}

/** Writes next to it first, then renames: a crash never leaves half a config. */
export function writeConfig(file: string, text: string): void {
  const temp = `${file}.tmp-${process.pid}`;
  writeFileSync(temp, text);
  renameSync(temp, file);
}

function validate(file: string, text: string): void {
  const parsed = configSchema.safeParse(parseDocument(text).toJS() ?? {});
  if (parsed.success) return;
  throw new ConfigError(
    file,
    parsed.error.issues.map(
      (issue) =>
        `${issue.path.join('.') || '(top)'}: ${issue.message} (after adding the device: nothing written)`,
    ),
  );
}

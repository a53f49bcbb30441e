import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { ConfigError } from '../../agent/core/errors.ts';
import { buildInstallationSchema, type InstallationFile } from '../circuit/installation-schema.ts';
import type { Parts } from '../circuit/parts.ts';
import { type Block, toBlocks } from './blocks.ts';
import { decodeDrawing } from './elements.ts';
import { parseDrawing } from './format.ts';
import { type Group, groupParts } from './labels.ts';
import { checkStructure, type Structure } from './loops.ts';
import { Nodes } from './nodes.ts';
import { drawnValues } from './values.ts';
import { parseXmlDrawing } from './xml.ts';

/** A drawing the wiring check cannot use: one line when there is one problem, else a list. */
export class DrawingError extends ConfigError {
  override name = 'DrawingError';
  constructor(file: string, problems: string[]) {
    super(file, problems);
    const shown = problems.slice(0, MAX_SHOWN).map((p) => `  - ${p}`);
    if (problems.length > MAX_SHOWN) shown.push(`  … and ${problems.length - MAX_SHOWN} more`);
    this.message =
      problems.length === 1
        ? problems[0]!
        : `${file}: ${problems.length} problems in the drawing\n${shown.join('\n')}`;
  }
}

/** A file that is not a drawing at all fails on every line: the first ones say enough. */
const MAX_SHOWN = 12;

export async function loadDrawing(file: string, parts: Parts): Promise<InstallationFile> {
  return importDrawing(await readFile(file, 'utf8'), file, parts);
}

/**
 * A CircuitJS drawing as the installation file it describes: the nodes from the posts' coordinates, each part's
 * role from its label, the structure checked against the model's, then the same schema as a YAML file.
 */
export function importDrawing(text: string, file: string, parts: Parts): InstallationFile {
  // CircuitJS 4 saves XML, earlier versions the text format; the app reads both.
  const drawing = text.trimStart().startsWith('<') ? parseXmlDrawing(text, file) : parseDrawing(text, file);
  const decoded = decodeDrawing(drawing, file);
  fail(file, decoded.problems);
  if (decoded.parts.length === 0)
    fail(file, [
      `${file}: no parts in it: is it a CircuitJS drawing (File › Export As Text, or the saved file)?`,
    ]);
  const { groups, problems } = groupParts(decoded.parts, decoded.texts, decoded.boxes, file);
  fail(file, problems);
  const nodes = new Nodes(decoded.connectors, decoded.parts);
  const blocks = toBlocks(groups, nodes, file);
  fail(file, blocks.problems);
  const structure = checkStructure(blocks.blocks, nodes, file);
  if (Array.isArray(structure)) fail(file, structure);
  const { byRole, senseSource } = structure as Structure;
  const values = drawnValues(byRole, nodes, file);
  if (Array.isArray(values)) fail(file, values);
  const drawn = values as Exclude<typeof values, string[]>;
  const label = (role: Block['role']) => byRole.get(role)?.[0]?.group.label?.settings ?? {};
  const bell = label('doorbell');
  const cell = label('cell');
  const kit = byRole.get('power_kit')?.[0];
  const raw = {
    supply: { vac: drawn.vac, hz: label('supply').hz === 'unknown' ? 'unknown' : drawn.hz },
    doorbell: { model: bell.model, standby_w: bell.standby_w },
    chime: { mode: bell.chime, duration_s: bell.duration_s },
    power_kit: kit ? (kit.group.label?.settings.kit ?? true) : false,
    relay: label('coil'),
    loop:
      senseSource === 'ac'
        ? { source: 'ac' }
        : {
            source: 'battery',
            battery: { chemistry: cell.chemistry, cells: cell.cells, volts: drawn.cellVolts },
          },
    uni: { model: label('uni_input').model },
    wiring: { cable_ohm: drawn.cableOhm },
  };
  const result = buildInstallationSchema(parts).safeParse(withoutUndefined(raw));
  if (result.success) return result.data;
  const groupOf = (role: Block['role']) => byRole.get(role)?.[0]?.group;
  throw new DrawingError(
    file,
    result.error.issues.map((issue) => describeIssue(issue, file, groupOf)),
  );
}

function fail(file: string, problems: readonly string[]): void {
  if (problems.length > 0) throw new DrawingError(file, [...problems]);
}

/** Which role's label (or drawn value) each key of the installation file comes from, and its name there. */
const ORIGIN: Record<string, [Block['role'], (path: string[]) => string]> = {
  supply: ['supply', (p) => (p[1] === 'vac' ? "the source's voltage" : (p[1] ?? 'supply'))],
  doorbell: ['doorbell', (p) => p[1] ?? 'model or standby_w'],
  chime: ['doorbell', (p) => (p[1] === 'mode' ? 'chime' : (p[1] ?? 'chime'))],
  power_kit: ['power_kit', () => 'kit'],
  relay: ['coil', (p) => p[1] ?? 'part, coil_vac or coil_vdc'],
  loop: ['cell', (p) => (p.at(-1) === 'volts' ? "the cell's voltage" : (p.at(-1) ?? 'cell'))],
  uni: ['uni_input', (p) => p[1] ?? 'model'],
  wiring: ['cable', () => "the cable's resistance"],
};

function describeIssue(
  issue: z.core.$ZodIssue,
  file: string,
  groupOf: (role: Block['role']) => Group | undefined,
): string {
  const path = issue.path.map(String);
  const [role, key] = ORIGIN[path[0] ?? ''] ?? ['supply', () => path.join('.')];
  const group = groupOf(role);
  const line = group?.label?.line ?? group?.parts[0]?.line;
  return `${file}${line ? `:${line}` : ''}: role ${role}: ${key(path)}: ${issue.message}`;
}

function withoutUndefined(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, withoutUndefined(v)]),
  );
}

import type { Box, Part, Text } from './elements.ts';
import { boundsOf, contains, distanceToRect, distanceToSegment, type Point, type Rect } from './geometry.ts';

/**
 * Role labels: a CircuitJS text (`x`) that reads `role: <role> key=value …` names the part it sits next to, or
 * every part in the box (`b`) it sits in. Any other text is a comment. The settings are the installation file's
 * keys for that part (README, "CircuitJS drawings").
 */

const RELAY_KEYS = [
  'part',
  'coil_vac',
  'coil_vdc',
  'coil_ohm',
  'coil_impedance_ohm',
  'must_operate_frac',
  'must_release_frac',
  'operate_s',
  'release_s',
];

/** Each role and the settings its label may carry. */
export const ROLE_SETTINGS = {
  supply: ['hz'],
  cable: [],
  doorbell: ['model', 'standby_w', 'chime', 'duration_s'],
  power_kit: ['kit'],
  relay: RELAY_KEYS,
  coil: RELAY_KEYS,
  contact: [],
  cell: ['chemistry', 'cells'],
  uni_input: ['model'],
  uni_supply: [],
} as const satisfies Record<string, readonly string[]>;

export type Role = keyof typeof ROLE_SETTINGS;
export const ROLES = Object.keys(ROLE_SETTINGS) as Role[];

export interface Label {
  readonly line: number;
  readonly at: Point;
  readonly role: Role;
  readonly settings: Readonly<Record<string, string | number>>;
}

export interface Group {
  readonly role: Role;
  /** Undefined for the supply when the drawing does not label it (its AC source and transformer). */
  readonly label: Label | undefined;
  readonly parts: readonly Part[];
}

/** A label belongs to the part nearest to where its text starts, within this distance (4 grid squares). */
export const LABEL_REACH = 64;
/** … and the next nearest part must be this much farther, or the label is ambiguous. */
export const LABEL_MARGIN = 16;

const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

export function parseLabel(text: Text, file: string, problems: string[]): Label | undefined {
  // `role: doorbell`, also written `role:doorbell` or `Role: doorbell`.
  const words = text.text
    .trim()
    .replace(/^role:\s*/i, 'role: ')
    .split(/\s+/);
  if (words[0] !== 'role:') return undefined;
  const where = `${file}:${text.line}: text \`${text.text.replace(/\s+/g, ' ').slice(0, 60)}\``;
  const role = words[1] as Role | undefined;
  if (role === undefined || !Object.hasOwn(ROLE_SETTINGS, role)) {
    problems.push(`${where}: ${role ?? 'no role'} is not a role; roles: ${ROLES.join(', ')}`);
    return undefined;
  }
  const allowed: readonly string[] = ROLE_SETTINGS[role];
  const settings: Record<string, string | number> = {};
  for (const word of words.slice(2)) {
    const [key, value, extra] = word.split('=');
    if (key === undefined || value === undefined || value === '' || extra !== undefined)
      problems.push(`${where}: \`${word}\` is not key=value`);
    else if (!allowed.includes(key))
      problems.push(
        `${where}: ${role} has no setting ${key}${allowed.length > 0 ? ` (it takes ${allowed.join(', ')})` : ''}`,
      );
    else settings[key] = NUMBER.test(value) ? Number(value) : value;
  }
  return { line: text.line, at: text.at, role, settings };
}

function rectOf(box: Box): Rect {
  return boundsOf([box.from, box.to]);
}

function distanceTo(part: Part, p: Point): number {
  return part.posts.length > 2
    ? distanceToRect(p, boundsOf(part.posts))
    : distanceToSegment(p, part.from, part.to);
}

/** Groups the parts by their labels; every part needs one, but an AC source or a transformer is the supply. */
export function groupParts(
  parts: readonly Part[],
  texts: readonly Text[],
  boxes: readonly Box[],
  file: string,
): { groups: Group[]; problems: string[] } {
  const problems: string[] = [];
  const owner = new Map<Part, Label>();
  const groups: Group[] = [];
  const claim = (label: Label, part: Part) => {
    const other = owner.get(part);
    if (other)
      problems.push(
        `${file}:${label.line}: ${part.name} is labelled twice: role ${other.role} (line ${other.line}) and role ${label.role}: move one of the texts`,
      );
    owner.set(part, label);
  };
  for (const text of texts) {
    const label = parseLabel(text, file, problems);
    if (!label) continue;
    const box = boxes
      .filter((b) => contains(rectOf(b), label.at))
      .sort((a, b) => area(rectOf(a)) - area(rectOf(b)))[0];
    const members = box
      ? parts.filter((p) => p.posts.every((q) => contains(rectOf(box), q)))
      : nearest(label);
    if (box && members.length === 0)
      problems.push(
        `${file}:${label.line}: the label \`role: ${label.role}\` is in the box of line ${box.line}, which holds no whole part: draw the box around the part`,
      );
    if (members.length === 0) continue;
    for (const part of members) claim(label, part);
    groups.push({ role: label.role, label, parts: members });
  }
  const unlabelled = parts.filter((p) => !owner.has(p));
  const supply = unlabelled.filter(
    (p) => p.kind === 'transformer' || (p.kind === 'source' && p.wave === 'ac'),
  );
  if (supply.length > 0) {
    const labelled = groups.find((g) => g.role === 'supply');
    if (labelled) groups[groups.indexOf(labelled)] = { ...labelled, parts: [...labelled.parts, ...supply] };
    else groups.push({ role: 'supply', label: undefined, parts: supply });
  }
  for (const part of unlabelled.filter((p) => !supply.includes(p)))
    problems.push(
      `${file}:${part.line}: ${part.name} has no role: write a text \`role: <role> …\` next to it (${ROLES.join(', ')}), or take it out`,
    );
  return { groups, problems };

  function nearest(label: Label): Part[] {
    const ranked = parts
      .map((part) => ({ part, distance: distanceTo(part, label.at) }))
      .sort((a, b) => a.distance - b.distance);
    const [first, second] = ranked;
    const where = `${file}:${label.line}: the label \`role: ${label.role}\` at (${label.at.x},${label.at.y})`;
    if (!first || first.distance > LABEL_REACH) {
      problems.push(
        `${where} is not next to any part (${first ? `nearest: ${first.part.name}, ${Math.round(first.distance)} px away` : 'the drawing has no parts'}): move it within ${LABEL_REACH} px of the part, or draw a box around the part and the label`,
      );
      return [];
    }
    if (second && second.distance - first.distance < LABEL_MARGIN) {
      problems.push(
        `${where} is as near to ${second.part.name} as to ${first.part.name}: move it closer to the one it names, or draw a box around that part and the label`,
      );
      return [];
    }
    return [first.part];
  }
}

function area(r: Rect): number {
  return (r.right - r.left) * (r.bottom - r.top);
}

import type { Block } from './blocks.ts';
import type { Nodes } from './nodes.ts';

export type BlockRole = Block['role'];

/** The installation's blocks, checked to sit where the model puts them. */
export interface Structure {
  readonly byRole: ReadonlyMap<BlockRole, readonly Block[]>;
  /** What drives the sense loop: the cell, or the doorbell supply itself (AC into the input). */
  readonly senseSource: 'battery' | 'ac';
}

const REQUIRED: readonly BlockRole[] = ['supply', 'doorbell', 'coil', 'contact', 'uni_input'];
const SINGLE: readonly BlockRole[] = [...REQUIRED, 'power_kit', 'cell', 'uni_supply'];

/**
 * The model's topology (circuits/doorbell-loop.cir.tmpl, sense-loop.cir.tmpl): the supply, the cable, the doorbell
 * and the relay coil in one series loop (in any order), the power kit across the coil, the Uni's supply across the
 * supply; the cell (or the supply), the contact and the Uni's input in a second series loop that shares no current
 * path with the first.
 */
export function checkStructure(blocks: readonly Block[], nodes: Nodes, file: string): Structure | string[] {
  const byRole = new Map<BlockRole, Block[]>();
  for (const block of blocks) byRole.set(block.role, [...(byRole.get(block.role) ?? []), block]);
  const problems: string[] = [];
  const lineOf = (b: Block) => b.group.label?.line ?? b.group.parts[0]!.line;
  for (const role of SINGLE) {
    const found = byRole.get(role) ?? [];
    if (found.length > 1)
      problems.push(
        `${file}:${lineOf(found[1]!)}: a second part with role ${role} (the first on line ${lineOf(found[0]!)}): the model has one`,
      );
    if (found.length === 0 && role === 'supply')
      problems.push(
        `${file}: the drawing has no supply: draw the transformer as an AC source (v or R set to AC)`,
      );
    else if (found.length === 0 && REQUIRED.includes(role))
      problems.push(`${file}: no part has the role ${role}: write a text \`role: ${role} …\` next to it`);
  }
  if (problems.length > 0) return problems;
  const one = (role: BlockRole) => byRole.get(role)?.[0];
  const supply = one('supply')!;
  const coil = one('coil')!;
  const bellLoop = [supply, ...(byRole.get('cable') ?? []), one('doorbell')!, coil];
  const bellProblem = seriesLoop(bellLoop, nodes);
  if (bellProblem)
    problems.push(
      `${file}: the doorbell loop must run in series through the supply, the cable, the doorbell and the relay coil (in any order): ${bellProblem}`,
    );
  const across = (role: BlockRole, other: Block, what: string) => {
    const block = one(role);
    if (block && !sameEnds(block, other))
      problems.push(
        `${file}:${lineOf(block)}: the ${role.replace('_', ' ')} must be across ${what}, at ${other.ends.map((n) => nodes.describe(n)).join(' and ')}; it is across ${block.ends.map((n) => nodes.describe(n)).join(' and ')}`,
      );
  };
  across('power_kit', coil, "the relay coil's terminals");
  across('uni_supply', supply, "the supply's terminals (the Uni is powered at the transformer)");
  const cell = one('cell');
  const senseLoop = [cell ?? supply, one('contact')!, one('uni_input')!];
  const senseProblem = seriesLoop(senseLoop, nodes);
  if (senseProblem)
    problems.push(
      `${file}: the sense loop must run in series through ${cell ? 'the cell' : 'the supply (no cell is drawn)'}, the relay contact and the Uni input: ${senseProblem}`,
    );
  if (!bellProblem && !senseProblem) {
    const bellNodes = new Set(bellLoop.flatMap((b) => b.ends));
    const shared = [...new Set(senseLoop.flatMap((b) => b.ends))].filter((n) => bellNodes.has(n));
    const allowed = cell ? 1 : 2;
    if (shared.length > allowed)
      problems.push(
        `${file}: the sense loop touches the doorbell loop at ${shared.map((n) => nodes.describe(n)).join(', ')}: ${cell ? 'the cell loop is a separate circuit (joined at one point at most, e.g. a common ground)' : 'with AC into the input, only the contact and the Uni input may hang off the supply'}`,
      );
  }
  return problems.length > 0 ? problems : { byRole, senseSource: cell ? 'battery' : 'ac' };
}

function sameEnds(a: Block, b: Block): boolean {
  return new Set([...a.ends, ...b.ends]).size === 2 && new Set(a.ends).size === 2;
}

/** Undefined when the blocks form one simple loop; else where they do not. */
function seriesLoop(loop: readonly Block[], nodes: Nodes): string | undefined {
  const at = new Map<string, Block[]>();
  for (const block of loop) {
    if (block.ends[0] === block.ends[1])
      return `the ${block.role.replace('_', ' ')} is shorted: both its terminals are on ${nodes.describe(block.ends[0])}`;
    for (const end of block.ends) at.set(end, [...(at.get(end) ?? []), block]);
  }
  for (const [node, blocks] of at) {
    if (blocks.length !== 2) {
      const names = blocks.map((b) => b.role.replace('_', ' ')).join(', ');
      return blocks.length === 1
        ? `at ${nodes.describe(node)} only the ${names} ends: the loop is open there`
        : `at ${nodes.describe(node)} ${blocks.length} of them meet (${names}): a series loop has two at each node`;
    }
  }
  // Every node joins two: the blocks form one loop or several; walk one.
  const seen = new Set<Block>();
  let block = loop[0]!;
  let node = block.ends[1];
  while (!seen.has(block)) {
    seen.add(block);
    const next = at.get(node)!.find((b) => b !== block)!;
    node = next.ends[0] === node ? next.ends[1] : next.ends[0];
    block = next;
  }
  if (seen.size !== loop.length) return 'they form separate loops';
  return undefined;
}

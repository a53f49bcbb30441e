import type { Part } from './elements.ts';
import type { Group, Role } from './labels.ts';
import type { Nodes } from './nodes.ts';

/** One role as the model sees it: two terminals (nodes) with the group's parts between them. */
export interface Block {
  readonly role: Exclude<Role, 'relay'>;
  readonly group: Group;
  readonly ends: readonly [string, string];
}

/**
 * Reduces each group to the two nodes where it meets the rest of the drawing. A relay (`178`) gives two blocks,
 * its coil and the contact of the pole that is wired: its arm and the throw that closes while the coil pulls in.
 */
export function toBlocks(
  groups: readonly Group[],
  nodes: Nodes,
  file: string,
): { blocks: Block[]; problems: string[] } {
  const users = new Map<string, Set<Part>>();
  for (const group of groups)
    for (const part of group.parts)
      for (const node of nodes.terminals(part)) {
        if (!users.has(node)) users.set(node, new Set());
        users.get(node)!.add(part);
      }
  const touchedOutside = (node: string, inside: readonly Part[]) =>
    [...(users.get(node) ?? [])].some((p) => !inside.includes(p));
  const blocks: Block[] = [];
  const problems: string[] = [];
  for (const group of groups) {
    const where = `${file}:${group.label?.line ?? group.parts[0]!.line}: role ${group.role}`;
    const role = group.role === 'relay' ? 'coil' : group.role;
    const relay = group.parts.find((p) => p.kind === 'relay');
    if (role === 'coil' || role === 'contact') {
      const wanted = role === 'coil' ? ['relay', 'inductor'] : ['relay', 'switch'];
      const only = group.parts[0]!;
      if (group.parts.length !== 1 || !wanted.includes(only.kind)) {
        problems.push(
          `${where}: ${role === 'coil' ? 'a relay (178) or an inductor (l)' : 'a relay (178) or a switch (s)'}, one part, not ${group.parts.map((p) => p.name).join(', ')}`,
        );
        continue;
      }
    }
    if (relay && (role === 'coil' || role === 'contact')) {
      const relayBlocks = splitRelay(group, relay, nodes, (n) => touchedOutside(n, [relay]), where);
      if (typeof relayBlocks === 'string') problems.push(relayBlocks);
      else blocks.push(...relayBlocks);
      continue;
    }
    if (relay) {
      problems.push(`${where}: ${relay.name} is a relay: label it \`role: relay …\``);
      continue;
    }
    const ends = [...new Set(group.parts.flatMap((p) => nodes.terminals(p)))].filter((n) =>
      touchedOutside(n, group.parts),
    );
    if (ends.length !== 2) {
      const at = ends.map((n) => nodes.describe(n)).join(', ');
      problems.push(
        `${where}: ${
          ends.length === 0
            ? 'is connected to nothing'
            : ends.length === 1
              ? `is connected at one end only, ${at}: the other is open`
              : `meets the rest of the drawing at ${ends.length} nodes (${at}), where a part of the installation has two terminals`
        }`,
      );
      continue;
    }
    blocks.push({ role, group, ends: [ends[0]!, ends[1]!] });
  }
  return { blocks, problems };
}

function splitRelay(
  group: Group,
  relay: Extract<Part, { kind: 'relay' }>,
  nodes: Nodes,
  wired: (node: string) => boolean,
  where: string,
): Block[] | string {
  const node = (p: { x: number; y: number }) => nodes.find(`${p.x},${p.y}`);
  const used = relay.relay.poles.filter((pole) =>
    [pole.common, pole.off, pole.on].some((p) => wired(node(p))),
  );
  if (used.length !== 1)
    return `${where}: ${relay.name}: wire exactly one pole of its contact into the sense loop (${used.length} are wired)`;
  const pole = used[0]!;
  if (wired(node(pole.off)))
    return `${where}: ${relay.name}: its throw at (${pole.off.x},${pole.off.y}) closes while the relay is off; the sense loop belongs on the other throw, at (${pole.on.x},${pole.on.y}), which closes when the coil pulls in`;
  if (!wired(node(pole.on)))
    return `${where}: ${relay.name}: its arm is wired but the throw that closes when the coil pulls in, at (${pole.on.x},${pole.on.y}), is not: the sense loop runs through both`;
  const [c1, c2] = relay.relay.coil.map(node) as [string, string];
  return [
    { role: 'coil', group, ends: [c1, c2] },
    { role: 'contact', group, ends: [node(pole.common), node(pole.on)] },
  ];
}

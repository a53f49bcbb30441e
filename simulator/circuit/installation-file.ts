import { readFile } from 'node:fs/promises';
import { isNode, LineCounter, parseDocument } from 'yaml';
import type * as z from 'zod';
import { ConfigError } from '../../agent/core/errors.ts';
import { buildInstallationSchema, type InstallationFile } from './installation-schema.ts';
import type { Parts } from './parts.ts';

/** Reads and validates a wiring file; every problem names `file:line`, the key path and the allowed values. */
export async function loadInstallationFile(file: string, parts: Parts): Promise<InstallationFile> {
  return parseInstallationText(await readFile(file, 'utf8'), file, parts);
}

export function parseInstallationText(text: string, file: string, parts: Parts): InstallationFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map(
        (e) => `${file}:${lineCounter.linePos(e.pos[0]).line}: YAML syntax: ${e.message.split('\n')[0]}`,
      ),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (error) {
    // The yaml package refuses aliases that would expand without bound (a "YAML bomb").
    throw new ConfigError(file, [`${file}: YAML: ${(error as Error).message}`]);
  }
  const result = buildInstallationSchema(parts).safeParse(value);
  if (result.success) return result.data;
  throw new ConfigError(
    file,
    result.error.issues.map((issue) => describeIssue(issue, doc, lineCounter, file)),
  );
}

function describeIssue(
  issue: z.core.$ZodIssue,
  doc: ReturnType<typeof parseDocument>,
  lines: LineCounter,
  file: string,
): string {
  const path = issue.path.map(String);
  const key = path.length > 0 ? path.join('.') : '(top level)';
  const unknownKeys = issue.code === 'unrecognized_keys' ? ` ${issue.keys.join(', ')}` : '';
  return `${file}:${lineOf(doc, path, lines)}: ${key}${unknownKeys}: ${plainMessage(issue)}`;
}

/** zod's wording where it does not tell a person what to write: a missing key, a choice among fixed values. */
function plainMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && / received undefined$/.test(issue.message))
    return `required (${issue.expected})`;
  if (issue.code === 'invalid_type' && issue.path.length === 0 && / received null$/.test(issue.message))
    return 'the file is empty: an installation describes supply, doorbell, chime, relay, loop and uni (see circuits/examples/)';
  if (issue.code === 'invalid_union') {
    const values = issue.errors.flat().flatMap((e) => (e.code === 'invalid_value' ? e.values : [undefined]));
    if (values.length > 0 && !values.includes(undefined))
      return `must be one of ${values.map((v) => String(v)).join(', ')}`;
  }
  return issue.message;
}

/** Line of the deepest node on `path` that exists in the document (so a missing key points at its parent). */
function lineOf(doc: ReturnType<typeof parseDocument>, path: string[], lines: LineCounter): number | string {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return 1; // an empty document
}

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
  const result = buildInstallationSchema(parts).safeParse(doc.toJS());
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
  return `${file}:${lineOf(doc, path, lines)}: ${key}${unknownKeys}: ${issue.message}`;
}

/** Line of the deepest node on `path` that exists in the document (so a missing key points at its parent). */
function lineOf(doc: ReturnType<typeof parseDocument>, path: string[], lines: LineCounter): number | string {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return '?';
}

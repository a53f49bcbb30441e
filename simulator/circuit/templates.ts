import { readFile } from 'node:fs/promises';
import { CIRCUITS_DIR } from './parts.ts';

export type TemplateName = 'doorbell-loop' | 'sense-loop';

const cache = new Map<TemplateName, Promise<string>>();

/** Netlist templates are data under `circuits/`; read each once. */
export function loadTemplate(name: TemplateName): Promise<string> {
  let text = cache.get(name);
  if (!text) {
    text = readFile(`${CIRCUITS_DIR}${name}.cir.tmpl`, 'utf8');
    cache.set(name, text);
  }
  return text;
}

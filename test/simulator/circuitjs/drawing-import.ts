import { beforeAll } from 'vitest';
import { loadParts, type Parts } from '../../../simulator/circuit/parts.ts';
import { DrawingError, importDrawing } from '../../../simulator/circuitjs/import.ts';

/** What import.test.ts's MINI drawing and xml.test.ts's MINI_XML (the same drawing as CircuitJS 4 saves it) read to. */
export const MINI_INSTALLATION = {
  supply: { vac: 12, hz: 50 },
  doorbell: { model: 'db1' },
  chime: { mode: 'electronic', duration_s: 2 },
  power_kit: true,
  relay: { part: 'rs-0376830' },
  loop: { source: 'battery', battery: { chemistry: 'alkaline', cells: 1, volts: 1.58 } },
  uni: { model: 'gen1' },
  wiring: { cable_ohm: 0 },
};

/**
 * `importDrawing` with the parts library, loaded before the tests of the file that calls this (at its top level);
 * `file` is the name a drawing has unless one is given.
 */
export function drawingImporter(file: string) {
  let parts: Parts;
  beforeAll(async () => {
    parts = await loadParts();
  });
  const read = (text: string, name = file) => importDrawing(text, name, parts);
  /** The problems the import names, or none when it reads the drawing. */
  const problemsOf = (text: string, name = file): string[] => {
    try {
      read(text, name);
    } catch (error) {
      if (error instanceof DrawingError) return error.problems;
      throw error;
    }
    return [];
  };
  return { read, problemsOf };
}

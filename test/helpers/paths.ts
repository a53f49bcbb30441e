import { join, resolve } from 'node:path';

/** The checkout; everything the tests read lives inside it. */
export const REPO = resolve(import.meta.dirname, '..', '..');
/** Shelly captures and synthesized packets, with their provenance (`README.md` there). */
export const SHELLY_FIXTURES_DIR = join(REPO, 'test', 'fixtures', 'shelly');
/** The example traces of `docs/trace-format.md`, each with its config and expected rings. */
export const EXAMPLE_TRACES_DIR = join(REPO, 'examples', 'traces');

/**
 * eecircuit-engine ships ngspice as one 20 MB JavaScript file: the WebAssembly inlined twice as a base64 data
 * URL, and SPICE model cards as string literals. Started from that file, ngspice took 1.1 s here: V8 parsing the
 * 20 MB, `fetch` decoding the data URL in JavaScript (0.5 s), and Emscripten encoding 4 MB of model cards into its
 * file system one character at a time (0.2 s). `prepareEngine` derives a copy that starts in about 0.2 s and runs
 * the same WebAssembly the same way:
 * - the base64 goes out into a .wasm file, which the caller compiles (`setSpiceWasm`) and Emscripten instantiates
 *   through its `instantiateWasm` hook; the data URLs left behind are empty (the package's own Node branch
 *   already skips a data URL);
 * - strings are encoded with TextEncoder instead (the same UTF-8 bytes);
 * - the raw output of a run is parsed once, not twice.
 * An edit is made only where its text is found exactly once. Without the data URL or the hook (another version of
 * the package) the result is undefined and the caller keeps the package as it is; the other two are only faster.
 */
export interface PreparedEngine {
  /** The module's source: `Simulation` as before, plus `setSpiceWasm(compiled)`, to call before `start()`. */
  readonly module: string;
  readonly wasm: Buffer<ArrayBuffer>;
}

const DATA_URL = /new URL\("data:application\/wasm;base64,([A-Za-z0-9+/=]+)", "" \+ import\.meta\.url\)/g;
const EMPTY_DATA_URL = 'new URL("data:application/wasm;base64,", "" + import.meta.url)';

const HOOK: readonly [string, string] = [
  'noInitialRun: !0,',
  'noInitialRun: !0, instantiateWasm: (imports, done) => Promise.resolve(spiceWasm).then((compiled) => WebAssembly.instantiate(compiled, imports)).then(done),',
];

/** [the text expected once, what replaces it] */
const SPEEDUPS: ReadonlyArray<readonly [string, string]> = [
  [
    'ke = (e) => (typeof e == "string" && (e = k(e, !0)),',
    'ke = (e) => (typeof e == "string" && (e = new TextEncoder().encode(e)),',
  ],
  ['this.results = i(this.dataRaw), this.results = i(this.dataRaw),', 'this.results = i(this.dataRaw),'],
];

const HEADER = `// Derived from eecircuit-engine by doorbell-agent (simulator/spice/engine-patch.ts): the WebAssembly is in spice.wasm.
let spiceWasm;
export function setSpiceWasm(compiled) { spiceWasm = compiled; }
`;

export function prepareEngine(source: string): PreparedEngine | undefined {
  const inlined = [...source.matchAll(DATA_URL)].map((m) => m[1]!);
  if (inlined.length === 0 || inlined.some((b64) => b64 !== inlined[0])) return undefined;
  const once = (text: string, [from]: readonly [string, string]) => text.split(from).length === 2;
  if (!once(source, HOOK)) return undefined;
  let module = source.replace(DATA_URL, EMPTY_DATA_URL);
  for (const edit of [HOOK, ...SPEEDUPS])
    if (once(module, edit)) module = module.replace(edit[0], () => edit[1]);
  const wasm = Buffer.from(inlined[0]!, 'base64');
  if (wasm.subarray(0, 4).toString('latin1') !== '\0asm') return undefined;
  return { module: HEADER + module, wasm };
}

// The esbuild options of both bundles of agent/cli.ts: a clone's .build/ (bin/doorbell-agent.js) and the installed
// package's dist/esm/ (contrib/npm/build.mjs); each adds where to write and its Node target.
// - Code splitting: each command is a chunk cli.mjs imports on demand (agent/cli.ts), so `run` loads neither the
//   simulator's WebAssembly ngspice nor the other commands' dependencies.
// - npm packages are bundled too, except a native addon (better-sqlite3) and what loads files beside itself
//   (eecircuit-engine, its WebAssembly): Node loading mqtt, zod and yaml as hundreds of CommonJS files kept about
//   15 MB more RSS and took longer than the same code in a few chunks (bench/footprint.ts). The chunks need a
//   `require` for the Node built-ins those CommonJS packages load; the banner gives each one.
// - Whitespace is minified (names are kept, so stack traces still name the functions): V8 keeps the source of
//   every loaded chunk in memory, and a comment with one non-ASCII character doubles a chunk's size there.
export const bundleOptions = {
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  external: ['better-sqlite3', 'eecircuit-engine'],
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  minifyWhitespace: true,
  outExtension: { '.js': '.mjs' },
  logLevel: 'error',
};

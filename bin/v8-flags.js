// V8's settings for each command, set by the bin before the command's code loads. Shared with the benches that run
// `run`'s code in their own process (bench/added-latency.ts), so they measure it as the bin runs it.
import { setFlagsFromString } from 'node:v8';

/** Sets the V8 flags `command` runs with (none for most commands). */
export function setV8FlagsFor(command) {
  // `run` keeps a small young generation: the agent allocates little per datagram, and the default lets V8 grow it
  // to 32 MB (two 16 MB semi-spaces), which start-up alone fills and RSS keeps. `--max-semi-space-size` set here,
  // after V8 configured its heap, changes nothing; the growth factor is read each time the young generation would
  // grow, so set to 1 it keeps it at its first size (two 1 MB semi-spaces), on Node 20 to 24 alike
  // (bench/footprint.ts). The short-lived commands keep V8's defaults (`wiring check` allocates a lot, fast).
  // The old generation: with 1,000 Unis, start-up (the first report of each, its `/cit/d`, discovery) promotes
  // garbage, and V8's default growth let the old space reach 33–45 MB around some 15 MB live; a regular full GC
  // frees but keeps those pages, only the memory reducer gave them back, when it ran (RSS 76 MB when it did within
  // the bench's minute, 87–104 MB when it did not). Growing the old generation by 30 % of what is live, and
  // compacting at every full GC (rare once started: some 30 KB/s are promoted), keep it at 17–21 MB.
  if (command === 'run') {
    setFlagsFromString('--semi-space-growth-factor=1');
    setFlagsFromString('--heap-growing-percent=30');
    setFlagsFromString('--compact-on-every-full-gc');
    // TurboFan, V8's optimizing compiler, costs some 4 MB more RSS the first time it runs (its code pages in the
    // node binary, its memory). By default it ran at start-up for a handful of Node's own functions (the path
    // functions module loading calls, the wrapper of its argument checks), and hardly ever again at rest. V8 11
    // (Node 20) looks at a function each time it has run its budget of bytecode, and optimizes it at the third
    // look, or at the first if it is tiny: ten times the budget (66 KB), and no tiny exception, leave TurboFan
    // unused by an agent at rest (15 minutes with one doorbell), and still optimize what 1,000 Unis or a flood keep
    // hot within seconds (bench/footprint.ts; README, "Footprint"). V8 12 on (Node 22, 24) counts invocations
    // instead, and prints an error for a flag it does not know.
    if (process.versions.v8.startsWith('11.')) {
      setFlagsFromString('--interrupt-budget=675840');
      setFlagsFromString('--max-bytecode-size-for-early-opt=0');
    }
  }
  // `wiring check` runs ngspice's WebAssembly for a second or two, in a fresh process. V8 starts every function on
  // its baseline compiler (Liftoff) and by default recompiles each one that has run a little (1.8 MB of code
  // executed) with TurboFan, on background threads: here that was about 1.3 s of CPU, more than it saved, and on a
  // busy 2-core machine it competed with the sweep itself. With a budget 170 times larger only ngspice's few
  // hottest functions are recompiled: about half the CPU and less wall time (bench/wiring-sim.ts; README). A warm,
  // long-lived engine (the tests, the bench's warm sweep) keeps V8's default.
  if (command === 'wiring') setFlagsFromString('--wasm-tiering-budget=300000000');
}

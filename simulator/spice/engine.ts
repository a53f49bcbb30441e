import type { Simulation } from 'eecircuit-engine';
import { DoorbellAgentError } from '../../agent/core/errors.ts';
import { type LoadedEngine, loadEngine } from './engine-load.ts';
import type { Waveforms } from './waveform.ts';

/** ngspice rejected a netlist or failed to converge; carries its own words and the line it blamed. */
export class SpiceError extends DoorbellAgentError {
  constructor(
    readonly spiceMessage: string,
    readonly netlistLine: string | undefined,
    readonly lineNumber: number | undefined,
  ) {
    const where =
      netlistLine === undefined ? '' : ` (netlist line ${lineNumber ?? '?'}: ${netlistLine.trim()})`;
    super(`ngspice: ${spiceMessage}${where}`);
  }
}

/**
 * One ngspice (WebAssembly) instance, started once and reused. ngspice is single-threaded and keeps global
 * state, so runs are queued: each waits for the previous one to finish.
 */
export class SpiceEngine {
  private queue: Promise<unknown> = Promise.resolve();
  private constructor(
    private readonly sim: Simulation,
    /** Which copy of eecircuit-engine runs (engine-load.ts). */
    readonly from: LoadedEngine['from'],
  ) {}

  static async start(): Promise<SpiceEngine> {
    const { Simulation, from } = await loadEngine();
    const sim = new Simulation();
    await sim.start();
    return new SpiceEngine(sim, from);
  }

  /** Runs a netlist (it must hold its own `.tran`) and returns every saved vector as typed arrays. */
  run(netlist: string): Promise<Waveforms> {
    const next = this.queue.then(() => this.runNow(netlist));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runNow(netlist: string): Promise<Waveforms> {
    this.sim.setNetList(netlist);
    // eecircuit-engine echoes ngspice's stderr through console.error; we read it back with getError() instead.
    const consoleError = console.error;
    console.error = () => {};
    let result: Awaited<ReturnType<Simulation['runSim']>>;
    try {
      result = await this.sim.runSim();
    } finally {
      console.error = consoleError;
    }
    const problem = findSpiceProblem(this.sim.getError(), netlist);
    if (problem) throw problem;
    if (result.dataType !== 'real' || !result.data.some((d) => d.type === 'time')) {
      throw new SpiceError('no transient result (does the netlist hold a .tran line?)', undefined, undefined);
    }
    const vectors = new Map<string, Float64Array>();
    let time: Float64Array | undefined;
    for (const d of result.data) {
      const values = Float64Array.from(d.values);
      if (d.type === 'time') time = values;
      else vectors.set(d.name.toLowerCase(), values);
    }
    return { time: time!, vectors };
  }
}

let shared: Promise<SpiceEngine> | undefined;

/** The process-wide engine: ngspice takes a few hundred milliseconds to start, so it is started once. */
export function getSpiceEngine(): Promise<SpiceEngine> {
  shared ??= SpiceEngine.start().catch((error) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

// "singular matrix" alone is only a warning: ngspice recovers with gmin/source stepping.
const FATAL = /^(error|fatal)|simulation interrupted|circuit not parsed|timestep too small/i;

/** Picks ngspice's error (if any) out of its stderr lines, and the netlist line it names. */
export function findSpiceProblem(lines: readonly string[], netlist: string): SpiceError | undefined {
  const trimmed = lines.map((l) => l.trim()).filter((l) => l.length > 0);
  const fatal = trimmed.filter((l) => FATAL.test(l));
  if (fatal.length === 0) return undefined;
  const onLine = trimmed.findIndex((l) => /^error on line \d+/i.test(l));
  if (onLine >= 0) {
    const quoted = trimmed[onLine + 1];
    const reason = trimmed[onLine + 2] ?? fatal[0]!;
    const found = quoted === undefined ? undefined : locateLine(netlist, quoted);
    return new SpiceError(reason, found?.text ?? quoted, found?.number);
  }
  const message = trimmed.filter((l) => !/^warning/i.test(l)).join('; ');
  const culprit = trimmed.map((l) => locateLine(netlist, l)).find((f) => f !== undefined);
  return new SpiceError(message, culprit?.text, culprit?.number);
}

/** ngspice echoes the offending card lower-cased; find it (1-based) in the netlist we sent. */
function locateLine(netlist: string, echoed: string): { text: string; number: number } | undefined {
  const wanted = echoed.replace(/\s+/g, ' ').trim().toLowerCase();
  if (wanted.length < 2) return undefined;
  const lines = netlist.split('\n');
  const index = lines.findIndex((l) => l.replace(/\s+/g, ' ').trim().toLowerCase() === wanted);
  return index < 0 ? undefined : { text: lines[index]!, number: index + 1 };
}

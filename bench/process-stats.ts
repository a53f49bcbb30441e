import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** Figures about another process (the agent under test), read from /proc: Linux only. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** User + system CPU seconds used so far. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;

/**
 * Writes an agent config (a temp dir with its own store) and starts `doorbell-agent run` as a child process, as
 * users run it, so its CPU and RSS are its own. `BENCH_PROFILE=<dir>` adds a CPU profile of the agent.
 */
export function spawnAgent(
  config: Record<string, unknown>,
  stdio: 'inherit' | 'ignore' | 'pipe' = 'inherit',
): ChildProcess {
  const dir = mkdtempSync(join(tmpdir(), 'bench-agent-'));
  const configFile = join(dir, 'agent.yaml');
  writeFileSync(configFile, stringify({ store: { path: join(dir, 'state.sqlite') }, ...config }));
  const profile = process.env.BENCH_PROFILE
    ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE]
    : [];
  return spawn(process.execPath, [...profile, 'bin/doorbell-agent.js', 'run', '--config', configFile], {
    stdio: ['ignore', stdio === 'pipe' ? 'ignore' : stdio, stdio],
  });
}

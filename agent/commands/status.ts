import { Command } from 'commander';
import { DATA_DIR_ENV, DEFAULT_CONFIG_FILE, loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { DoorbellAgentError } from '../core/errors.ts';
import type { HealthRecord } from '../health/record.ts';
import { readHealthRecords } from '../store/health-store.ts';
import { descriptionOf } from './catalog.ts';
import { type CommandContext, exitCodeHelp, setExitCodes } from './context.ts';

export const STATUS_EXIT_CODES: ReadonlyArray<readonly [number, string]> = [
  [0, 'every doorbell is well'],
  [1, 'a problem is raised, or the agent has saved nothing yet'],
  [2, 'could not tell: bad configuration or arguments, or a store that cannot be read'],
];

/** Records older than this mean the agent is not running (it writes at least once a minute while reports arrive). */
const STALE_MS = 3 * 60_000;

/**
 * `doorbell-agent status`: one screen for a person. It reads what the agent persisted in its SQLite store (the
 * `health_status` table, written on every change and at least once a minute), so it works whether or not the
 * agent is running, needs no open port, and says how old what it shows is.
 */
export function statusCommand(ctx: CommandContext): Command {
  const command = new Command('status')
    .description(descriptionOf('status'))
    .option('-c, --config <file>', `configuration file (YAML) (default: ./${DEFAULT_CONFIG_FILE})`)
    .option('--data <dir>', `data directory of the agent, as given to run (or $${DATA_DIR_ENV})`)
    .option('--json', 'print the saved records as JSON instead')
    .addHelpText('after', exitCodeHelp(STATUS_EXIT_CODES))
    .action((options: { config?: string; data?: string; json?: boolean }) => {
      const config = loadConfig(options.config, process.env, {
        requireDevices: true,
        ...(options.data === undefined ? {} : { dataDir: options.data }),
      });
      let records: HealthRecord[] | null;
      try {
        records = readHealthRecords(config.store.path);
      } catch (error) {
        throw new DoorbellAgentError(
          `store.path: cannot read ${config.store.path}: ${(error as Error).message} (is it the agent's database?)`,
        );
      }
      const now = Date.now();
      if (options.json) {
        ctx.stdout.write(`${JSON.stringify(records ?? [], null, 2)}\n`);
      } else {
        ctx.stdout.write(renderStatus(config, records, now));
      }
      const problems = (records ?? []).some((r) => r.problems.length > 0);
      ctx.exitCode = records === null || records.length === 0 || problems ? 1 : 0;
    });
  return setExitCodes(command, { usage: 2, config: 2, failure: 2 });
}

/** The screen, pure (tests call it with a fixed `now`). */
export function renderStatus(config: Config, records: HealthRecord[] | null, nowMs: number): string {
  const out: string[] = [];
  if (records === null) {
    out.push(`No store at ${config.store.path}: the agent has not run with this config yet.`);
    return `${out.join('\n')}\n`;
  }
  const newest = Math.max(...records.map((r) => r.savedMs), Number.NEGATIVE_INFINITY);
  const running = Number.isFinite(newest) && nowMs - newest < STALE_MS;
  out.push(
    `doorbell-agent status — ${config.store.path}, ${
      Number.isFinite(newest) ? `last saved ${ago(nowMs - newest)}` : 'nothing saved yet'
    }${Number.isFinite(newest) && !running ? ' (is the agent running?)' : ''}`,
  );
  if (config.devices.length === 0) out.push('', 'No devices configured.');
  for (const device of config.devices) {
    const r = records.find((x) => x.device === device.id && x.input === device.input);
    const title = device.name === device.id ? device.id : `${device.name} (${device.id})`;
    out.push('', `${title}, input ${device.input}`);
    if (!r) {
      out.push('  no record yet: the agent has not heard of this doorbell');
      continue;
    }
    const report =
      r.lastReportMs === null
        ? 'never heard'
        : `last report ${ago(nowMs - r.lastReportMs)} (${r.lastReportVia})`;
    const link = r.connected === null ? 'unknown' : r.connected ? 'online' : 'OFFLINE';
    out.push(`  Shelly     ${link}, ${report}`);
    out.push(
      `  Last ring  ${
        r.lastRing === null
          ? 'none seen'
          : `${clock(r.lastRing.tMs)} (${ago(nowMs - r.lastRing.tMs)}, via ${r.lastRing.via}${r.lastRing.recovered ? ', recovered' : ''})`
      }; ${r.presses} press${r.presses === 1 ? '' : 'es'} counted`,
    );
    if (r.problems.length === 0) out.push('  Problems   none');
    r.problems.forEach((p, i) => {
      const since = p.sinceMs === null ? '' : ` (since ${ago(nowMs - p.sinceMs)})`;
      out.push(`  ${i === 0 ? 'Problems  ' : '          '} ${p.problem}: ${p.detail}${since}`);
    });
    out.push(`  Battery    ${battery(r)}`);
  }
  return `${out.join('\n')}\n`;
}

function battery(r: HealthRecord): string {
  const b = r.battery;
  if (b === null) return 'not tracked (set devices[].battery.installed, or adc: true)';
  if (b.basis === 'adc') return `${b.percent} % at ${b.volts?.toFixed(2)} V (measured by the Uni ADC)`;
  const threshold =
    b.thresholdDateMs === null
      ? ''
      : `, below the input threshold around ${clock(b.thresholdDateMs).slice(0, 10)}`;
  return `${b.percent} % (model: presses seen + self-discharge since install${threshold})`;
}

function clock(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} days ago`;
}

import { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import type { HealthRecord } from '../health/monitor.ts';
import { readHealthRecords } from '../store/health-store.ts';
import type { CommandContext } from './context.ts';

/** Records older than this mean the agent is not running (it writes at least once a minute while reports arrive). */
const STALE_MS = 3 * 60_000;

/**
 * `doorbell-agent status`: one screen for a person. It reads what the agent persisted in its SQLite store (the
 * `health_status` table, written on every change and at least once a minute), so it works whether or not the
 * agent is running, needs no open port, and says how old what it shows is.
 */
export function statusCommand(ctx: CommandContext): Command {
  return new Command('status')
    .description(
      'Show each doorbell: Shelly connection and last report, last ring, problems, battery (and its basis),\n' +
        'from what the agent last saved in its store (store.path).',
    )
    .option('-c, --config <file>', 'configuration file (YAML)', DEFAULT_CONFIG_FILE)
    .option('--json', 'print the saved records as JSON instead')
    .addHelpText(
      'after',
      '\nExit code: 0 all well, 1 a problem is raised (or nothing saved yet), 2 bad config.',
    )
    .action((options: { config: string; json?: boolean }) => {
      const config = loadConfig(options.config);
      const records = readHealthRecords(config.store.path);
      const now = Date.now();
      if (options.json) {
        ctx.stdout.write(`${JSON.stringify(records ?? [], null, 2)}\n`);
      } else {
        ctx.stdout.write(renderStatus(config, records, now));
      }
      const problems = (records ?? []).some((r) => r.problems.length > 0);
      ctx.exitCode = records === null || records.length === 0 || problems ? 1 : 0;
    });
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

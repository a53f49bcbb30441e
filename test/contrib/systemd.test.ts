import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/paths.ts';

/**
 * contrib/systemd/doorbell-agent.service, checked by systemd itself: `systemd-analyze verify` (every key known and
 * parsed, the command found) and `systemd-analyze security --offline` (the hardening, scored by systemd). Both run
 * on a scratch root holding the unit, the system's targets and a stand-in for the installed `doorbell-agent`
 * command, so nothing is installed on the machine. .ci/run installs systemd where it is missing.
 */

const UNIT = join(REPO, 'contrib', 'systemd', 'doorbell-agent.service');
const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
const available = analyze.status === 0;
const why = available ? '' : ' (SKIPPED: systemd-analyze is not installed here: apt-get install systemd)';
const SYSTEM_UNITS = ['/usr/lib/systemd/system', '/lib/systemd/system'];

let root: string;

function verify(name: string, text: string) {
  writeFileSync(join(root, 'etc', 'systemd', 'system', name), text);
  return spawnSync('systemd-analyze', ['verify', '--man=no', `--root=${root}`, name], { encoding: 'utf8' });
}

function setting(text: string, key: string): string[] {
  return [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => (m[1] as string).trim());
}

beforeAll(() => {
  if (!available) return;
  root = mkdtempSync(join(tmpdir(), 'doorbell-systemd-'));
  mkdirSync(join(root, 'etc', 'systemd', 'system'), { recursive: true });
  mkdirSync(join(root, 'usr', 'local', 'bin'), { recursive: true });
  writeFileSync(join(root, 'usr', 'local', 'bin', 'doorbell-agent'), '#!/bin/sh\n');
  chmodSync(join(root, 'usr', 'local', 'bin', 'doorbell-agent'), 0o755);
  const units = join(root, 'usr', 'lib', 'systemd', 'system');
  mkdirSync(units, { recursive: true });
  for (const dir of SYSTEM_UNITS) {
    let entries: string[] = [];
    try {
      entries = readdirSync(dir);
    } catch {}
    for (const entry of entries)
      if (entry.endsWith('.target')) copyFileSync(join(dir, entry), join(units, entry));
  }
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe(`systemd unit${why}`, () => {
  const text = readFileSync(UNIT, 'utf8');

  it.skipIf(!available)('passes systemd-analyze verify without a single warning', () => {
    const r = verify('doorbell-agent.service', text);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.skipIf(!available)(
    'the check is not vacuous: a misspelt key, a bad value or a missing command are reported',
    () => {
      for (const [broken, complaint] of [
        [text.replace('UMask=', 'Umask='), /Unknown key/],
        [text.replace('ProtectSystem=strict', 'ProtectSystem=stricter'), /protect system/i],
        [text.replace('ExecStart=doorbell-agent', 'ExecStart=doorbell-agent-missing'), /not executable/],
      ] as const) {
        const r = verify('broken.service', broken);
        expect(r.stderr).toMatch(complaint);
      }
    },
  );

  it.skipIf(!available)('is hardened: systemd rates its exposure at most 2.0 of 10', () => {
    verify('doorbell-agent.service', text);
    const r = spawnSync(
      'systemd-analyze',
      [
        'security',
        '--offline=true',
        '--threshold=20',
        `--root=${root}`,
        '--no-pager',
        'doorbell-agent.service',
      ],
      { encoding: 'utf8' },
    );
    expect(r.stdout).toMatch(/Overall exposure level for doorbell-agent\.service: (?:[01]\.\d|2\.0)\b/);
    expect(r.status).toBe(0);
  });

  it('runs as a dynamic user with its store in its state directory, restarts on failure, never on a bad config', () => {
    expect(setting(text, 'DynamicUser')).toEqual(['yes']);
    expect(setting(text, 'StateDirectory')).toEqual(['doorbell-agent']);
    expect(setting(text, 'Environment')).toContain('DOORBELL_AGENT_DATA=/var/lib/doorbell-agent');
    expect(setting(text, 'ProtectSystem')).toEqual(['strict']);
    expect(setting(text, 'NoNewPrivileges')).toEqual(['yes']);
    expect(setting(text, 'Restart')).toEqual(['on-failure']);
    expect(setting(text, 'RestartPreventExitStatus')).toEqual(['2']);
    expect(setting(text, 'Type')).toEqual(['exec']);
    expect(setting(text, 'ExecStart')[0]).toMatch(
      / run --config \/etc\/doorbell-agent\/doorbell-agent\.yaml$/,
    );
  });
});

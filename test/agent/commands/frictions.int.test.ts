import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressBar } from '../../../agent/commands/wiring.ts';
import { runCli } from '../../helpers/cli.ts';
import { REPO } from '../../helpers/paths.ts';

const dir = mkdtempSync(join(tmpdir(), 'frictions-'));

describe('wiring check output', () => {
  it('draws no progress bar into redirected output, and says where --plot wrote its file', async () => {
    // Both mains frequencies: a sweep long enough (several seconds) for the bar to be due.
    const installation = join(dir, 'unknown-hz.yaml');
    writeFileSync(
      installation,
      readFileSync(join(REPO, 'circuits', 'examples', 'seed-final-12vac.yaml'), 'utf8').replace(
        'hz: 50',
        'hz: unknown',
      ),
    );
    const result = await runCli(['wiring', 'check', installation, '--plot', 'press.svg'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).not.toContain('\r');
    expect(result.stdout).not.toContain('\r');
    expect(result.stderr).toContain(`wiring check: press plot written to ${join(dir, 'press.svg')}`);
    expect(readFileSync(join(dir, 'press.svg'), 'utf8')).toMatch(/^<svg /);
  });

  it('draws the bar on a terminal', () => {
    const tty = Object.assign(new PassThrough(), { isTTY: true });
    let written = '';
    tty.on('data', (d) => {
      written += String(d);
    });
    const bar = progressBar(tty, 0);
    bar.update({ done: 1, total: 4 } as never);
    bar.end();
    expect(written).toMatch(/^\rwiring check: \[######\.+\] 1\/4 points\n$/);

    const pipe = new PassThrough();
    let piped = '';
    pipe.on('data', (d) => {
      piped += String(d);
    });
    const quiet = progressBar(pipe, 0);
    quiet.update({ done: 1, total: 4 } as never);
    quiet.end();
    expect(piped).toBe('');
  });
});

describe('emulate', () => {
  it('prints its own pid and the command that presses it; a pid file for scripts', async () => {
    const pidFile = join(dir, 'uni.pid');
    let pid = 0;
    let pressed = false;
    let childPid: number | undefined;
    const result = await runCli(['emulate', '--coiot', 'off', '--pid-file', pidFile], {
      started: (child) => {
        childPid = child.pid;
      },
      killAfter: (_stderr, stdout) => {
        const m = /kill -USR1 (\d+)/.exec(stdout);
        if (!m) return false;
        if (!pressed) {
          pressed = true;
          pid = Number(m[1]);
          expect(readFileSync(pidFile, 'utf8').trim()).toBe(String(pid));
          process.kill(pid, 'SIGUSR1');
          return false;
        }
        return /^press 1$/m.test(stdout);
      },
    });
    expect(pid).toBe(childPid);
    expect(result.stdout).toMatch(new RegExp(`; pid ${pid}\\.`));
    expect(result.stdout).toContain(`press: Enter here, or from another shell: kill -USR1 ${pid}`);
    // How the emulator ended, should the press be missing (it used to exit 13 once stdin's end was read: see below).
    const ended = JSON.stringify({ code: result.code, signal: result.signal, stderr: result.stderr });
    expect(result.stdout, ended).toMatch(/^press 1$/m);
    expect(result.stderr).not.toMatch(/Debugger listening/);
    expect(result.code).toBe(0);
    expect(existsSync(pidFile)).toBe(false);
  });

  it('keeps waiting for presses with stdin at its end and nothing else open (it once exited 13 here)', async () => {
    let stillRunning: boolean | undefined;
    let child: ChildProcess | undefined;
    const result = await runCli(['emulate', '--coiot', 'off'], {
      started: (c) => {
        child = c;
      },
      killAfter: (_stderr, stdout) => {
        if (stillRunning !== undefined || !/kill -USR1/.test(stdout)) return false;
        stillRunning = false;
        // Long after stdin's end was read: a process with nothing open would have exited by now.
        setTimeout(() => {
          stillRunning = child?.exitCode === null;
          child?.kill('SIGTERM');
        }, 1000);
        return false;
      },
    });
    expect(stillRunning).toBe(true);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^stopped after 0 presses$/m);
  });
});

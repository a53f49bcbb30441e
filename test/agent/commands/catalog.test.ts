import { Help } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, commandOf } from '../../../agent/cli.ts';
import { COMMANDS } from '../../../agent/commands/catalog.ts';
import type { CommandContext } from '../../../agent/commands/context.ts';

const quiet = { write: () => true } as unknown as NodeJS.WritableStream;
const context = (): CommandContext => ({ stdout: quiet, stderr: quiet, exitCode: 0, version: 'test' });

describe('the command catalog (what the top-level --help lists without loading the commands)', () => {
  it('lists each command as commander would list the command itself: same name, usage and description', async () => {
    const full = await buildProgram(context());
    const help = new Help();
    expect(full.commands.map((c) => c.name())).toEqual(COMMANDS.map((c) => c.name));
    for (const listed of COMMANDS) {
      const command = full.commands.find((c) => c.name() === listed.name);
      expect(command?.description()).toBe(listed.description);
      expect(help.subcommandTerm(command as never)).toBe(
        listed.usage ? `${listed.name} ${listed.usage}` : listed.name,
      );
    }
  });

  it('prints the same top-level help whether the commands are loaded or only listed', async () => {
    const full = await buildProgram(context());
    const listed = await buildProgram(context(), []);
    expect(listed.helpInformation()).toBe(full.helpInformation());
  });

  it('loads the command that runs, or whose help is asked for, and nothing for the program alone', () => {
    expect(commandOf(['run', '--config', 'x.yaml'])).toBe('run');
    expect(commandOf(['wiring', 'check', 'x.yaml'])).toBe('wiring');
    expect(commandOf(['help', 'test-press'])).toBe('test-press');
    expect(commandOf(['--help'])).toBeUndefined();
    expect(commandOf(['-V'])).toBeUndefined();
    expect(commandOf([])).toBeUndefined();
    expect(commandOf(['runn'])).toBeUndefined();
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DrawingError } from '../../../simulator/circuitjs/import.ts';
import { drawingImporter, MINI_INSTALLATION } from './drawing-import.ts';

const REPO = join(import.meta.dirname, '..', '..', '..');

/**
 * The smallest drawing of the seed's installation: a 12 VAC source, the doorbell, a relay (178) with the kit across
 * its coil, a cell through its contact into the Uni's input. Tests below change one thing each.
 */
const MINI = `$ 1 0.000005 10.20027730826997 50 17 50
v 0 200 0 0 0 1 50 16.970562748477143 0 0 0.5
r 0 0 200 0 0 80
x 60 -16 60 -16 4 12 role:\\sdoorbell\\smodel\\qdb1\\schime\\qelectronic\\sduration_s\\q2
178 300 100 428 100 0 1 1 0 0.05 1000000 0.03 120 0.02 0 0
x 320 76 320 76 4 12 role:\\srelay\\spart\\qrs-0376830
w 200 0 260 0 0
w 260 0 260 132 0
w 260 132 300 132 0
w 300 148 300 200 0
w 300 200 260 200 0
w 260 200 0 200 0
r 260 132 260 200 0 1
x 236 176 236 176 4 12 role:\\spower_kit
w 300 100 300 60 0
w 300 60 560 60 0
v 560 160 560 60 0 0 0 1.58 0 0 0.5
x 576 110 576 110 4 12 role:\\scell\\schemistry\\qalkaline
w 428 116 460 116 0
r 460 116 460 160 0 1500
x 476 140 476 140 4 12 role:\\suni_input\\smodel\\qgen1
w 460 160 560 160 0
`;

const { read, problemsOf } = drawingImporter('mini.txt');

/** `text` with `line` replaced (or removed, for `by` undefined); the line must be there. */
function edit(text: string, line: string, by?: string): string {
  expect(text).toContain(`${line}\n`);
  return text.replace(`${line}\n`, by === undefined ? '' : `${by}\n`);
}

describe('importing a CircuitJS drawing', () => {
  it('reads the installation: supply from the AC source, roles and settings from the labels', () => {
    expect(read(MINI)).toEqual(MINI_INSTALLATION);
  });

  it('reads the hand-written example: mains through a transformer, two cable legs, coil and contact apart, labeled nodes', () => {
    const file = 'examples/circuitjs/seed-transformer.txt';
    const installation = read(readFileSync(join(REPO, file), 'utf8'), file);
    // 325.27 V peak / √2 × 0.1044 turns ratio = 24.012 VAC on the secondary; 0.5 ohm in each leg.
    expect(installation.supply).toEqual({ vac: 24.012, hz: 50 });
    expect(installation.wiring.cable_ohm).toBe(1);
    expect(installation.loop).toEqual({
      source: 'battery',
      battery: { chemistry: 'alkaline', cells: 1, volts: 1.55 },
    });
    expect(installation.relay).toEqual({ part: 'rs-0376830' });
  });

  it('names an element it cannot map, on one line, with its type code, place and line number', () => {
    const file = 'examples/circuitjs/unsupported-led.txt';
    const error = (() => {
      try {
        read(readFileSync(join(REPO, file), 'utf8'), file);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(DrawingError);
    expect(error!.message).toMatch(
      /^examples\/circuitjs\/unsupported-led\.txt:\d+: `162` \(LED\) at \(800,256\)-\(800,288\): not supported by the import, which reads r c l v R s d T 178 .*leave it out$/,
    );
    expect(error!.message).not.toContain('\n');
  });

  it('names a part without a role and says how to give it one', () => {
    expect(problemsOf(edit(MINI, 'x 236 176 236 176 4 12 role:\\spower_kit'))).toEqual([
      'mini.txt:13: `r` (resistor) at (260,132)-(260,200) has no role: write a text `role: <role> …` next to it (supply, cable, doorbell, power_kit, relay, coil, contact, cell, uni_input, uni_supply), or take it out',
    ]);
  });

  it('refuses a label as near to one part as to another, and one next to none', () => {
    const tie = `${MINI}x 20 20 20 20 4 12 role:\\scable\n`;
    expect(problemsOf(tie)).toEqual([
      expect.stringMatching(
        /^mini\.txt:23: the label `role: cable` at \(20,20\) is as near to `.` .* as to `.` .*: move it closer/,
      ),
    ]);
    const far = `${MINI}x 900 400 900 400 4 12 role:\\scable\n`;
    expect(problemsOf(far)[0]).toMatch(
      /the label `role: cable` at \(900,400\) is not next to any part \(nearest: /,
    );
  });

  it('takes `role:doorbell` and `Role: doorbell` as labels too', () => {
    const tight = MINI.replace('role:\\sdoorbell', 'role:doorbell').replace(
      'role:\\spower_kit',
      'Role:\\spower_kit',
    );
    expect(tight).not.toEqual(MINI);
    expect(read(tight).doorbell).toEqual({ model: 'db1' });
  });

  it('says a file is not a drawing, or has no parts', () => {
    expect(problemsOf('supply: { vac: 12 }\nuni: { model: gen1 }\n')).toEqual([
      'mini.txt: not a CircuitJS drawing: no line of it is an element line',
    ]);
    expect(problemsOf('$ 1 0.000005 10.2 50 5 50\n')).toEqual([
      'mini.txt: no parts in it: is it a CircuitJS drawing (File › Export As Text, or the saved file)?',
    ]);
  });

  it('says which label is wrong: an unknown role, an unknown setting, a setting the schema refuses', () => {
    expect(problemsOf(`${MINI}x -100 -100 -100 -100 4 12 role:\\sconstructor\n`)).toEqual([
      expect.stringMatching(/constructor is not a role/),
    ]);
    expect(problemsOf(`${MINI}x -100 -100 -100 -100 4 12 role:\\schime\n`)).toEqual([
      expect.stringMatching(/^mini\.txt:23: text `role: chime`: chime is not a role; roles: supply, cable, /),
    ]);
    const colour = edit(
      MINI,
      'x 476 140 476 140 4 12 role:\\suni_input\\smodel\\qgen1',
      'x 476 140 476 140 4 12 role:\\suni_input\\smodel\\qgen1\\scolour\\qred',
    );
    expect(problemsOf(colour)).toEqual([
      expect.stringMatching(/uni_input has no setting colour \(it takes model\)/),
    ]);
    const noDuration = edit(
      MINI,
      'x 60 -16 60 -16 4 12 role:\\sdoorbell\\smodel\\qdb1\\schime\\qelectronic\\sduration_s\\q2',
      'x 60 -16 60 -16 4 12 role:\\sdoorbell\\smodel\\qdb1\\schime\\qelectronic',
    );
    expect(problemsOf(noDuration)).toEqual([
      'mini.txt:4: role doorbell: duration_s: electronic chime needs duration_s (the setting in the doorbell app, 1-10 s)',
    ]);
  });

  it("says a new AC source's 40 Hz is not the mains", () => {
    const at40 = edit(
      MINI,
      'v 0 200 0 0 0 1 50 16.970562748477143 0 0 0.5',
      'v 0 200 0 0 0 1 40 16.970562748477143 0 0 0.5',
    );
    expect(problemsOf(at40)).toEqual([
      expect.stringMatching(
        /runs at 40 Hz .*: set it to the mains' 50 or 60 Hz, or label the supply `role: supply hz=unknown`$/,
      ),
    ]);
    const unknown = `${at40}x 16 100 16 100 4 12 role:\\ssupply\\shz\\qunknown\n`;
    expect(read(unknown).supply).toEqual({ vac: 12, hz: 'unknown' });
  });

  it('refuses a sense loop on the throw that is closed while the relay is off', () => {
    const flipped = edit(
      MINI,
      '178 300 100 428 100 0 1 1 0 0.05 1000000 0.03 120 0.02 0 0',
      '178 300 100 428 100 8 1 1 0 0.05 1000000 0.03 120 0.02 0 0',
    );
    expect(problemsOf(flipped)).toEqual([
      expect.stringMatching(
        /^mini\.txt:6: role relay: `178` \(relay\) at \(300,100\)-\(428,100\): its throw at \(428,116\) closes while the relay is off; the sense loop belongs on the other throw, at \(428,84\)/,
      ),
    ]);
  });

  it('refuses a power kit that is not across the coil', () => {
    // The kit's lower end moved from the coil's return to the supply's other side: across the doorbell.
    let acrossBell = edit(MINI, 'w 300 200 260 200 0', 'w 300 200 0 200 0');
    acrossBell = edit(acrossBell, 'w 260 200 0 200 0', 'w 260 200 260 220 0');
    acrossBell += 'w 260 220 -40 220 0\nw -40 220 -40 0 0\nw -40 0 0 0 0\n';
    expect(problemsOf(acrossBell)).toEqual([
      expect.stringMatching(
        /^mini\.txt:14: the power kit must be across the relay coil's terminals, at \(200,0\) and \(300,148\); it is across \(200,0\) and \(-40,0\)$/,
      ),
    ]);
  });

  it('refuses a doorbell loop that is not one series loop, and a part left open', () => {
    // A resistor labelled cable from the doorbell's far end straight back to the supply: a shunt, not in series.
    const withShunt = `${MINI}r 200 0 200 -100 0 5\nx 216 -50 216 -50 4 12 role:\\scable\nw 200 -100 -60 -100 0\nw -60 -100 -60 200 0\nw -60 200 0 200 0\n`;
    expect(problemsOf(withShunt)).toEqual([
      expect.stringMatching(
        /^mini\.txt: the doorbell loop must run in series through the supply, the cable, the doorbell and the relay coil \(in any order\): at \(-60,-100\) 3 of them meet \(supply, cable, coil\): a series loop has two at each node$/,
      ),
    ]);
    expect(problemsOf(edit(MINI, 'w 200 0 260 0 0'))).toEqual([
      'mini.txt:4: role doorbell: is connected at one end only, (0,0): the other is open',
    ]);
  });

  it('wants every role the model has, once', () => {
    let noInput = edit(MINI, 'r 460 116 460 160 0 1500', 'w 460 116 460 160 0');
    noInput = edit(noInput, 'x 476 140 476 140 4 12 role:\\suni_input\\smodel\\qgen1');
    expect(problemsOf(noInput)).toEqual([
      'mini.txt: no part has the role uni_input: write a text `role: uni_input …` next to it',
    ]);
    expect(problemsOf(edit(MINI, 'v 0 200 0 0 0 1 50 16.970562748477143 0 0 0.5', 'w 0 200 0 0 0'))).toEqual([
      'mini.txt: the drawing has no supply: draw the transformer as an AC source (v or R set to AC)',
    ]);
    expect(problemsOf(`${MINI}b 700 300 800 400 0\nx 710 350 710 350 4 12 role:\\scable\n`)).toEqual([
      'mini.txt:24: the label `role: cable` is in the box of line 23, which holds no whole part: draw the box around the part',
    ]);
  });
});

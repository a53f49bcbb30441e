import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { drawingImporter, MINI_INSTALLATION } from './drawing-import.ts';

/**
 * import.test.ts's smallest drawing as CircuitJS 4 saves it (XMLSerializer: a `<cir>` root, `x="x1 y1 x2 y2"`,
 * each element's attributes from its dumpXml), with a scope and a slider as the app writes them. A relay of the
 * built-in `default` model has its coil's posts at both ends of the relay, so the coil is wired differently.
 */
const MINI_XML = `<cir f="1" ts="5.0E-6" ic="10.20027730826997" cb="50" pb="50" vr="17.0" mts="5.0E-11">
  <v x="0 200 0 0" f="0" wf="1" fr="50.0" maxv="16.970562748477143"/>
  <r x="0 0 200 0" f="0" r="80.0"/>
  <x x="60 -16 380 -4" f="0" si="12" te="role: doorbell model=db1 chime=electronic duration_s=2"/>
  <rl x="300 100 428 100" f="0" mo="default" i="0.0" ip="0"/>
  <x x="320 76 480 88" f="0" si="12" te="role: relay part=rs-0376830"/>
  <w x="200 0 260 0" f="0"/>
  <w x="260 0 260 132" f="0"/>
  <w x="260 132 300 132" f="0"/>
  <w x="428 132 428 220" f="0"/>
  <w x="428 220 260 220" f="0"/>
  <w x="260 220 0 220" f="0"/>
  <w x="0 220 0 200" f="0"/>
  <r x="260 132 260 220" f="0" r="1.0"/>
  <x x="236 176 330 188" f="0" si="12" te="role: power_kit"/>
  <w x="300 100 300 60" f="0"/>
  <w x="300 60 560 60" f="0"/>
  <v x="560 160 560 60" f="0" wf="0" maxv="1.58"/>
  <x x="576 110 760 122" f="0" si="12" te="role: cell chemistry=alkaline"/>
  <w x="428 116 460 116" f="0"/>
  <r x="460 116 460 160" f="0" r="1500.0"/>
  <x x="476 140 660 152" f="0" si="12" te="role: uni_input model=gen1"/>
  <w x="460 160 560 160" f="0"/>
  <o en="20" sp="64" f="4099" sc="5"><p pe="0" v="0"/></o>
  <adj e="1" ei="0" mn="1.0" mx="1000.0" t="Resistance"/>
</cir>
`;

const EXAMPLES = join(import.meta.dirname, '..', '..', '..', 'examples', 'circuitjs');

const { read, problemsOf } = drawingImporter('mini.xml');

describe("importing CircuitJS 4's XML", () => {
  it('reads the same installation as from the text format', () => {
    expect(read(MINI_XML)).toEqual(MINI_INSTALLATION);
  });

  it('reads the hand-written example saved as XML to the installation its text reads to', () => {
    const example = (name: string) =>
      read(readFileSync(join(EXAMPLES, name), 'utf8'), `examples/circuitjs/${name}`);
    expect(example('seed-transformer.xml')).toEqual(example('seed-transformer.txt'));
  });

  it('places a relay by its model: a model in the file with its coil at the first end', () => {
    // Coil style 1: both coil posts at the relay's first end, (300,132) and (300,148).
    const sideOne = MINI_XML.replace('mo="default"', 'mo="side"')
      .replace(
        '<w x="428 132 428 220" f="0"/>',
        '<w x="300 148 300 160" f="0"/>\n  <w x="300 160 428 160" f="0"/>\n  <w x="428 160 428 220" f="0"/>',
      )
      .replace('</cir>', '  <rlm nm="side" f="0" in="0.2" cs="1" sb="1"/>\n</cir>');
    expect(read(sideOne).relay).toEqual({ part: 'rs-0376830' });
    expect(problemsOf(MINI_XML.replace('mo="default"', 'mo="nowhere"'))).toEqual([
      'mini.xml:5: <rl>: relay model nowhere is not in the file',
    ]);
  });

  it('names an element it cannot map by its tag, place and line', () => {
    const led = MINI_XML.replace(
      '<w x="428 116 460 116" f="0"/>',
      '<LED x="428 116 460 116" f="2" mo="default-led" cr="1.0" cg="0.0" cb="0.0"/>',
    );
    expect(problemsOf(led)).toEqual([
      expect.stringMatching(/^mini\.xml:20: `LED` at \(428,116\)-\(460,116\): not supported by the import/),
    ]);
  });

  it('says what is wrong with XML that is not a CircuitJS drawing', () => {
    expect(problemsOf('<svg x="1"><g/></svg>')).toEqual([
      'mini.xml: not a CircuitJS XML drawing: its root is <svg>, not <cir>',
    ]);
    expect(problemsOf(MINI_XML.replace('x="0 0 200 0"', 'x="0 0 200"'))).toEqual([
      'mini.xml:3: <r>: x="0 0 200" is not four integers',
    ]);
  });
});

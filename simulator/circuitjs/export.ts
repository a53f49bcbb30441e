import { describeBattery } from '../circuit/battery.ts';
import { railCutV } from '../circuit/doorbell-loop.ts';
import { resolveInstallation } from '../circuit/installation.ts';
import type { InstallationFile } from '../circuit/installation-schema.ts';
import type { Parts } from '../circuit/parts.ts';
import { coilInductance, ratedCoilCurrent } from '../circuit/relay.ts';
import type { Installation } from '../circuit/types.ts';
import type { Point } from './geometry.ts';
import { Sketch } from './sketch.ts';

/** Two diodes of the doorbell's bridge conduct at a time. */
const BRIDGE_DROP_V = 1.6;

const at = (x: number, y: number): Point => ({ x, y });

/**
 * An installation as a CircuitJS drawing that the import reads back to the same installation: each part labelled
 * with its role and the file's own settings for it. The values drawn for the doorbell (a bridge, its reservoir
 * capacitor and a load that draws the standby power), the power kit, the relay and the Uni are stand-ins from the
 * parts file, so the drawing also runs in the browser; CircuitJS's relay follows the instantaneous coil current.
 *
 * Layout (y down): the doorbell loop on the left, supply at x=64, the Uni's supply at 160, the cable, the doorbell
 * in a box, the relay coil at 624 with the kit beside it; the sense loop on the right of the relay.
 */
export function exportCircuitJs(file: InstallationFile, parts: Parts): string {
  const inst = resolveInstallation(file, parts);
  const s = new Sketch();
  const top = 96;
  const bottom = 480;
  const vpk = file.supply.vac * Math.SQRT2;
  const hz = file.supply.hz === 'unknown' ? 50 : file.supply.hz;
  // The supply's minus post comes first: with no ground drawn, CircuitJS makes it ground.
  s.source(at(64, bottom), at(64, top), 'ac', vpk, hz);
  s.text(at(80, 300), [file.supply.hz === 'unknown' ? 'role: supply hz=unknown' : 'role: supply']);
  s.resistor(at(160, top), at(160, bottom), inst.uni.supplyOhm);
  s.text(at(176, 300), ['role: uni_supply']);
  s.wire(at(64, top), at(160, top));
  s.wire(at(64, bottom), at(160, bottom), at(624, bottom));
  if (file.wiring.cable_ohm > 0) {
    s.wire(at(160, top), at(176, top));
    s.resistor(at(176, top), at(272, top), file.wiring.cable_ohm);
    s.wire(at(272, top), at(304, top));
    s.text(at(200, 80), ['role: cable']);
  } else s.wire(at(160, top), at(304, top));
  drawDoorbell(s, file, inst, vpk);
  drawRelay(s, file, inst, hz);
  if (file.power_kit !== false) {
    const kit = inst.powerKit!;
    s.resistor(at(592, 256), at(592, 400), kit.kind === 'resistor' ? kit.kitOhm : kit.onOhm);
    s.wire(at(592, 400), at(624, 400));
    s.text(at(640, 352), [
      file.power_kit === true ? 'role: power_kit' : `role: power_kit kit=${file.power_kit}`,
    ]);
  }
  s.resistor(at(816, 240), at(816, 336), inst.uni.inputOhm);
  s.text(at(832, 300), [`role: uni_input model=${file.uni.model}`]);
  s.wire(at(752, 240), at(816, 240));
  if (inst.loop.source === 'battery') {
    const cell = file.loop.battery!;
    const volts = cell.volts ?? describeBattery(inst.loop.battery, inst.loop.startState).volts;
    s.source(at(944, 336), at(944, 160), 'dc', volts, 0);
    s.text(at(960, 256), [`role: cell chemistry=${cell.chemistry} cells=${cell.cells}`]);
    s.wire(at(624, 224), at(624, 160), at(944, 160));
    s.wire(at(816, 336), at(944, 336));
  } else {
    // AC into the input: the contact switches the supply itself, at its terminals (before the cable).
    s.wire(at(64, top), at(64, 32), at(624, 32), at(624, 224));
    s.wire(at(816, 336), at(816, bottom), at(624, bottom));
  }
  return s.format(Math.round(vpk));
}

/** The doorbell in a box: its button across the terminals, a bridge (a diamond) and the rail inside it. */
function drawDoorbell(s: Sketch, file: InstallationFile, inst: Installation, vpk: number): void {
  const [a, b, p, n] = [at(304, 256), at(496, 256), at(400, 160), at(400, 352)];
  s.pushButton(at(304, 96), at(496, 96));
  s.wire(at(304, 96), a);
  s.wire(at(496, 96), b);
  s.diode(a, p);
  s.diode(b, p);
  s.diode(n, a);
  s.diode(n, b);
  const railV = Math.max(vpk - BRIDGE_DROP_V, railCutV(inst.doorbell.dropoutVac), 1);
  s.wire(p, at(400, 192));
  s.wire(at(376, 192), at(400, 192), at(424, 192));
  s.capacitor(at(376, 192), at(376, 320), inst.doorbell.reservoirF, railV);
  s.resistor(at(424, 192), at(424, 320), Number(((railV * railV) / inst.doorbell.standbyW).toPrecision(4)));
  s.wire(at(376, 320), at(400, 320), at(424, 320));
  s.wire(at(400, 320), n);
  s.box(at(288, 64), at(512, 432));
  const settings = [
    file.doorbell.model !== undefined ? `model=${file.doorbell.model}` : undefined,
    file.doorbell.standby_w !== undefined ? `standby_w=${file.doorbell.standby_w}` : undefined,
    `chime=${file.chime.mode}`,
    file.chime.duration_s !== undefined ? `duration_s=${file.chime.duration_s}` : undefined,
  ].filter((x) => x !== undefined);
  const lines = ['role: doorbell', settings.slice(0, 2).join(' '), settings.slice(2).join(' ')];
  s.text(
    at(312, 392),
    lines.filter((l) => l !== ''),
  );
}

/** The relay with its coil in the loop (posts at 624,256 and 624,272) and its contact at 624,224 → 752,240. */
function drawRelay(s: Sketch, file: InstallationFile, inst: Installation, hz: number): void {
  const relay = inst.relay;
  const rated = ratedCoilCurrent(relay, hz);
  s.relay(at(624, 224), at(752, 224), {
    henry: coilInductance(relay),
    contactOhm: relay.contactOhm,
    onAmps: relay.typicalOperateFrac * rated,
    offAmps: relay.typicalReleaseFrac * rated,
    coilOhm: relay.coilOhm,
  });
  s.wire(at(496, 96), at(592, 96), at(592, 256), at(624, 256));
  s.wire(at(624, 272), at(624, 400), at(624, 480));
  const settings = Object.entries(file.relay).map(([key, value]) => ` ${key}=${value}`);
  s.text(at(656, 192), [`role: relay${settings.join('')}`]);
}

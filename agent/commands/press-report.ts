import type { DeviceConfig } from '../config/schema.ts';
import type { RingEvent } from '../core/events.ts';
import type { PressWatch } from './press-watch.ts';

export const TEST_PRESS_EXIT_CODES: ReadonlyArray<readonly [number, string]> = [
  [0, 'one press, exactly one ring, and a hold that matches the chime setting'],
  [1, 'could not listen: the CoIoT port cannot be bound, the broker refused the credentials'],
  [2, 'bad arguments or configuration: no such device, several devices and no --device'],
  [3, 'nothing was heard from the doorbell before --timeout'],
  [4, 'a press was heard, but not exactly one ring was decided'],
  [5, 'one ring, but the hold does not match the chime setting'],
];

export interface PressFacts {
  watch: PressWatch;
  device: DeviceConfig;
  rings: readonly RingEvent[];
  /** The agent decided the rings (it runs), or test-press did over what it heard itself. */
  decidedBy: 'agent' | 'test-press';
  /** Could test-press hear each path itself? (CoIoT not while the agent holds its port; MQTT needs a broker.) */
  observable: { coiot: boolean; mqtt: boolean };
  /** How far an electronic hold may be from `duration_s` (`detector.electronic_tolerance_s`). */
  toleranceS: number;
  /** The watch's time zero, ms. */
  startMs: number;
}

/** A mechanical chime is held as long as the button: people press for well under this. */
const LONG_FOR_A_BUTTON_S = 2.5;

/** What arrived, the hold against the chime, the rings, and advice where something is off; with the exit code. */
export function pressReport(f: PressFacts): { lines: string[]; code: number } {
  const { watch, device } = f;
  const rel = (ms: number) => `+${((ms - (watch.pressMs ?? f.startMs)) / 1000).toFixed(3)} s`;
  const lines: string[] = [];
  const advice: string[] = [];
  const path = (name: 'coiot' | 'mqtt', label: string) => {
    if (!f.observable[name]) {
      return `${label}: not heard by test-press (${name === 'coiot' ? 'the running agent holds the CoIoT port' : 'no broker'})`;
    }
    const changes = watch.seen.filter((s) => s.via === name).length;
    return `${label}: ${watch.heard[name]} report${watch.heard[name] === 1 ? '' : 's'}, ${changes} change${changes === 1 ? '' : 's'}`;
  };
  lines.push(`paths   ${path('coiot', 'CoIoT')}; ${path('mqtt', 'MQTT')}`);

  const hold = watch.holdS;
  const chime = device.chime;
  let holdOk = true;
  if (hold === undefined) lines.push('hold    not measured (the end of the press was not heard)');
  else if (chime.mode === 'electronic') {
    holdOk = Math.abs(hold - chime.duration_s) <= f.toleranceS;
    lines.push(
      `hold    ${hold.toFixed(2)} s: ${holdOk ? 'matches' : 'does NOT match'} the electronic chime (${chime.duration_s} s)`,
    );
    if (!holdOk)
      advice.push(
        `the doorbell held the line ${hold.toFixed(1)} s: set chime: { mode: electronic, duration_s: ${Math.round(hold)} }`,
      );
  } else {
    holdOk = hold < LONG_FOR_A_BUTTON_S;
    lines.push(`hold    ${hold.toFixed(2)} s: ${holdOk ? 'matches' : 'is long for'} a mechanical chime`);
    if (!holdOk)
      advice.push(
        `a ${hold.toFixed(1)} s hold looks like an electronic chime: set chime: { mode: electronic, duration_s: ${Math.round(hold)} }`,
      );
  }

  const rings = f.rings;
  const by = f.decidedBy === 'agent' ? 'the agent' : 'test-press (as the agent would)';
  if (rings.length === 0) lines.push(`rings   none, decided by ${by}`);
  for (const ring of rings)
    lines.push(
      `rings   ${ring.via}${ring.recovered ? ' (recovered)' : ''}, press_id ${ring.press_id}, decided by ${by}`,
    );

  const pressed = watch.pressMs !== undefined || rings.length > 0;
  if (device.gen === 'gen1' && f.observable.coiot && watch.heard.coiot === 0)
    advice.push(
      'no CoIoT from the Uni: multicast does not cross routers or VLANs; point its coiot_peer at the agent ' +
        '(doorbell-agent setup <address> --coiot-peer <agent>:5683)',
    );
  if (f.observable.mqtt && watch.heard.mqtt === 0)
    advice.push(
      device.gen === 'gen2'
        ? 'no MQTT from the Plus Uni, its only path: doorbell-agent setup <address> --mqtt <url>'
        : 'no MQTT from the Uni (a second path, optional): doorbell-agent setup <address> --mqtt <url>',
    );
  if (device.gen === 'gen1' && watch.releaseMs !== undefined && watch.steps.coiot + watch.steps.mqtt === 0)
    advice.push(
      'the input changed but the Uni counted no event: its btn_type is still toggle (the factory setting) or edge, ' +
        'so a press whose report is lost cannot be recovered from the counter; doorbell-agent setup <address> sets detached',
    );
  if (pressed && rings.length === 0)
    advice.push(
      f.decidedBy === 'agent'
        ? `the agent rang nothing: is ${device.id} input ${device.input} in the config it runs with? Its log says what it dropped`
        : 'no ring: see above; nothing heard on a path the agent listens to cannot ring',
    );
  if (rings.length === 1 && rings[0]?.recovered)
    advice.push(
      'the ring was recovered from the event counter, not rung at the edge: the agent had not heard this Uni ' +
        'before the press (first contact); a later press rings at its edge',
    );
  if (rings.length > 1)
    advice.push(
      'more than one ring for one press: de-duplicate on press_id downstream, and report it with a trace',
    );

  const heard = watch.seen.map((seen) => `heard   ${rel(seen.t)}  ${seen.via.padEnd(5)}  ${seen.what}`);
  const code = !pressed ? 3 : rings.length !== 1 ? 4 : !holdOk ? 5 : 0;
  const verdict =
    code === 0
      ? 'OK: one press, one ring'
      : code === 3
        ? 'nothing heard from the doorbell'
        : code === 4
          ? `${rings.length} rings for one press`
          : 'one ring, but the hold does not match the chime setting';
  return { lines: [...heard, ...lines, ...advice.map((a) => `advice  ${a}`), verdict], code };
}

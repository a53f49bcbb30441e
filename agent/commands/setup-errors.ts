import { DoorbellAgentError } from '../core/errors.ts';
import { DeviceAuthRefused, DeviceRefused, DeviceUnreachable } from '../io/device-errors.ts';

/** The device answers, but it is not a Shelly Uni (or a Uni of a model the agent does not support). */
export class NotAUni extends DoorbellAgentError {}

/** Its firmware is older than the first one with what the agent needs. */
export class FirmwareTooOld extends DoorbellAgentError {}

/** The device accepted a change but reads back something else. */
export class SettingNotKept extends DoorbellAgentError {}

/** The user said no at the confirmation. */
export class Declined extends DoorbellAgentError {}

export const SETUP_EXIT_CODES: ReadonlyArray<readonly [number, string]> = [
  [0, 'the device is set up and the config file written (or --dry-run: shown, nothing changed)'],
  [1, 'another failure: the config file cannot be written, the confirmation was declined (nothing changed)'],
  [2, 'bad arguments, or a config file that cannot be read or would become invalid'],
  [3, 'unreachable: the device did not answer (or did not come back after its reboot)'],
  [4, 'authentication refused: the device has a password and none or a wrong one was given'],
  [5, 'not a Shelly Uni, or a model this agent does not support'],
  [6, 'firmware too old: update it first (its web UI, Settings → Firmware update)'],
  [7, 'a setting the device refused, or did not keep (read back different)'],
];

/** The exit code of a failure `setup` knows, or undefined for the generic ones. */
export function setupExitCode(error: unknown): number | undefined {
  if (error instanceof DeviceUnreachable) return 3;
  if (error instanceof DeviceAuthRefused) return 4;
  if (error instanceof NotAUni) return 5;
  if (error instanceof FirmwareTooOld) return 6;
  if (error instanceof DeviceRefused || error instanceof SettingNotKept) return 7;
  if (error instanceof Declined) return 1;
  return undefined;
}

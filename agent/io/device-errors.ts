import { DoorbellAgentError } from '../core/errors.ts';

/** The device did not answer: no route, refused, timed out, or dropped the connection. */
export class DeviceUnreachable extends DoorbellAgentError {}

/** The device asked for credentials and refused the ones given (or none were given). */
export class DeviceAuthRefused extends DoorbellAgentError {}

/** The device answered a request with an error: a setting it refused, a method it does not have. */
export class DeviceRefused extends DoorbellAgentError {
  constructor(
    message: string,
    readonly status: number,
    readonly detail: string,
  ) {
    super(message);
  }
}

import { isIP } from 'node:net';
import * as z from 'zod';

/** `store.path` when nothing else is said: in the data directory, else beside the configuration file. */
export const DEFAULT_STORE_FILE = 'doorbell-agent.sqlite';

export const MQTT_URL = /^(mqtts?|wss?|tcp|ssl|tls):\/\/[^\s]+$/;
/** A Shelly device id is also an MQTT topic level, so it must not contain `/`, `+`, `#` or spaces. */
export const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

export const nullableString = (doc: string) => z.string().min(1).nullable().default(null).describe(doc);

/**
 * A file the agent reads or writes. Written relative, it is taken from the configuration file's folder (from the
 * current directory when an environment variable sets it): `load.ts` resolves every key marked `file`.
 */
export const nullableFile = (doc: string) =>
  z.string().min(1).nullable().default(null).meta({ description: doc, file: true });

/** Is this schema (a key of the configuration) marked as a file path? */
export function isFileKey(schema: z.core.$ZodType): boolean {
  return (z.globalRegistry.get(schema as z.ZodType) as { file?: unknown } | undefined)?.file === true;
}

/**
 * An address to listen on: an IP address or a host name, without a port (each listener has its own port key).
 * `host:port` is refused with a message that names the port key, rather than failing later in DNS.
 */
export const listenAddress = (portKey: string, defaultValue: string, doc: string) =>
  z
    .string()
    .min(1)
    .superRefine((value, ctx) => {
      if (isIP(value) !== 0) return;
      const hostPort = /^(?:\[([^\]]*)\]|([^:]*)):(\d*)$/.exec(value);
      if (hostPort) {
        ctx.addIssue({
          code: 'custom',
          message: `an address only, without a port: write ${hostPort[1] ?? hostPort[2]} here and the port in ${portKey}`,
        });
      } else if (!HOST_NAME.test(value)) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be an IP address (0.0.0.0 = every interface) or a host name',
        });
      }
    })
    .default(defaultValue)
    .describe(doc);

export const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*\.?$/;

/** `coiot.forward`: a host name or IPv4 address and a port. */
export const FORWARD_TARGET = /^[A-Za-z0-9][A-Za-z0-9.-]*:\d{1,5}$/;

/** `devices[].address`: an IPv4 address, optionally `:port` for the device's HTTP API (default 80). */
export const DEVICE_ADDRESS = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/;

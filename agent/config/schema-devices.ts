import { isIPv4 } from 'node:net';
import * as z from 'zod';
import { channelKey } from '../core/channel-key.ts';
import { DEVICE_ADDRESS, DEVICE_ID } from './schema-fields.ts';
import { batterySchema } from './schema-health.ts';

export const CHIME_MODE_DOC =
  '`mechanical` (default: the contact closes while the button is held) or `electronic` (the doorbell holds ' +
  'the contact for a fixed `duration_s` per press; a second press inside the hold cannot be seen).';

export const mechanicalChime = z.strictObject({
  mode: z.literal('mechanical').describe(CHIME_MODE_DOC),
  settle_s: z
    .number()
    .min(0)
    .max(60)
    .default(1.0)
    .describe(
      'Mechanical only: edges within this time after a press are the same press (bounce, repeated taps).',
    ),
});

export const electronicChime = z.strictObject({
  mode: z.literal('electronic').describe(CHIME_MODE_DOC),
  duration_s: z
    .number()
    .min(1)
    .max(60)
    .describe('Electronic only, required: how long the doorbell holds the contact per press, 1–60 s.'),
  bounce_s: z
    .number()
    .min(0)
    .max(10)
    .default(0.3)
    .describe(
      'Electronic only: a rise within this time after the heard fall is contact bounce of the same press; a later one is a new press.',
    ),
});

export const chimeSchema = z
  .discriminatedUnion('mode', [mechanicalChime, electronicChime])
  .prefault({ mode: 'mechanical' })
  .describe('How the doorbell drives the input. Default: mechanical.');

export type Generation = 'gen1' | 'gen2';

/** Gen2 ids start `shellyplus…` / `shellypro…` (`shellyplusuni-e465b847ca44`); Gen1 Uni is `shellyuni-…`. */
export function inferGeneration(id: string): Generation | undefined {
  if (/^shelly(plus|pro|mini)/i.test(id)) return 'gen2';
  if (/^shelly/i.test(id)) return 'gen1';
  return undefined;
}

/**
 * A default Shelly id (`<model>-<MAC>`, the MAC as 12 or 6 hex digits) in the case the device reports it: upper
 * case for Gen1 (`shellyuni-98CDAC25ABCD`, in CoIoT and on MQTT), lower case for Plus and Pro
 * (`shellyplusuni-e465b847ca44`). Ids and topics are compared as written, so `shellyuni-98cdac25abcd` matches
 * nothing. Other ids (a custom MQTT id) are returned unchanged.
 */
export function idAsReported(id: string, gen: Generation): string {
  const m = /^(shelly[a-z0-9]*-)([0-9A-Fa-f]{12}|[0-9A-Fa-f]{6})$/.exec(id);
  if (!m) return id;
  const mac = m[2] as string;
  return `${m[1]}${gen === 'gen1' ? mac.toUpperCase() : mac.toLowerCase()}`;
}

export const deviceSchema = z
  .strictObject({
    id: z
      .string()
      .regex(
        DEVICE_ID,
        'must be a Shelly device id such as shellyuni-98CDAC25ABCD (letters, digits, - and _)',
      )
      .describe(
        'Required. Shelly device id, as in its topics, in the case it reports it: `shellyuni-98CDAC25ABCD` (Gen1: MAC in upper case), `shellyplusuni-e465b847ca44` (Plus, Pro: lower case).',
      ),
    name: z.string().min(1).optional().describe('Name shown in Home Assistant. Default: the id.'),
    input: z
      .number()
      .int()
      .min(0)
      .max(3)
      .default(0)
      .describe('Input the doorbell is wired to; each (id, input) may be configured once.'),
    gen: z
      .enum(['gen1', 'gen2'])
      .optional()
      .describe(
        'Device generation. Default: inferred from the id (`shellyplus…` = gen2, other `shelly…` = gen1).',
      ),
    address: z
      .string()
      .regex(
        DEVICE_ADDRESS,
        'must be an IPv4 address, optionally with the HTTP port: 192.168.1.20 or 192.168.1.20:8080',
      )
      .refine((a) => isIPv4(a.replace(/:\d+$/, '')), 'must be an IPv4 address such as 192.168.1.20')
      .refine((a) => {
        const port = Number(a.split(':')[1] ?? 80);
        return port >= 1 && port <= 65535;
      }, 'the HTTP port must be 1–65535')
      .optional()
      .describe(
        'IPv4 address of the device (CoIoT is accepted only from it), optionally `:port` of its HTTP API (default 80) for `/cit/d` and `/shelly`: `192.168.1.20` or `127.0.0.1:8080` for an emulator.',
      ),
    chime: chimeSchema,
    battery: batterySchema,
    wiring_plot: z.string().min(1).optional().meta({
      description:
        'SVG written by `doorbell-agent wiring check <installation> --plot FILE` for this doorbell, shown on the status page.',
      file: true,
    }),
  })
  .superRefine((device, ctx) => {
    const gen = device.gen ?? inferGeneration(device.id);
    if (gen === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['gen'],
        message: 'cannot be inferred from this id: set gen1 or gen2',
      });
    }
    const fixed = gen === undefined ? undefined : idAsReported(device.id, gen);
    if (fixed !== undefined && fixed !== device.id) {
      ctx.addIssue({
        code: 'custom',
        path: ['id'],
        message:
          gen === 'gen1'
            ? `a Gen1 Shelly reports its MAC in upper case, so this id would never be heard: write ${fixed}`
            : `a Plus or Pro Shelly reports its MAC in lower case, so this id would never be heard: write ${fixed}`,
      });
    }
  })
  .transform(({ address, ...device }) => ({
    ...device,
    name: device.name ?? device.id,
    gen: device.gen ?? inferGeneration(device.id) ?? 'gen1',
    // `address` keeps the host only (what CoIoT datagrams come from); the HTTP port goes apart.
    ...(address === undefined ? {} : splitAddress(address)),
  }));

export function splitAddress(address: string): { address: string; http_port?: number } {
  const [host, port] = address.split(':') as [string, string | undefined];
  return port === undefined ? { address: host } : { address: host, http_port: Number(port) };
}

export const devicesSchema = z
  .array(deviceSchema)
  .default([])
  .superRefine((devices, ctx) => {
    const seen = new Map<string, number>();
    devices.forEach((device, index) => {
      const key = channelKey(device.id, device.input);
      const first = seen.get(key);
      if (first === undefined) seen.set(key, index);
      else
        ctx.addIssue({
          code: 'custom',
          path: [index, 'input'],
          message: `device ${device.id} input ${device.input} is already configured at devices.${first}`,
        });
    });
  })
  .describe('The Shelly inputs wired to a doorbell, one entry per (id, input).');

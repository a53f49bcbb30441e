import * as z from 'zod';
import type { Parts } from './parts.ts';

const BATTERY_STATES = { fresh: 0, half: 0.5, end_of_life: 1 } as const;

/** The user's installation file. Built from the parts file so enums list exactly the parts we know. */
export function buildInstallationSchema(parts: Parts) {
  const names = (record: Record<string, unknown>) => Object.keys(record) as [string, ...string[]];
  const positive = z.number().positive();
  return z
    .object({
      supply: z
        .object({
          vac: z.number().min(1).max(60),
          hz: z.union([z.literal(50), z.literal(60), z.literal('unknown')]).default('unknown'),
        })
        .strict(),
      doorbell: z
        .object({ model: z.enum(names(parts.doorbells)).optional(), standby_w: positive.optional() })
        .strict()
        .refine((d) => d.model !== undefined || d.standby_w !== undefined, {
          message: `give model (one of ${names(parts.doorbells).join(', ')}) or standby_w`,
        }),
      chime: z
        .object({
          mode: z.enum(['electronic', 'mechanical']),
          duration_s: z.number().min(0.001).max(60).optional(),
        })
        .strict()
        .refine((c) => c.mode === 'mechanical' || c.duration_s !== undefined, {
          message: 'electronic chime needs duration_s (the setting in the doorbell app, 1-10 s)',
          path: ['duration_s'],
        }),
      /** true: the DB1's kit (judged with db1_kit, the other hypotheses compared); or one hypothesis by name. */
      power_kit: z.union([z.boolean(), z.enum(names(parts.power_kits))]),
      relay: z
        .object({
          part: z.enum(names(parts.relays)).optional(),
          coil_vac: positive.optional(),
          coil_vdc: positive.optional(),
          coil_ohm: positive.optional(),
          coil_impedance_ohm: positive.optional(),
          must_operate_frac: z.number().gt(0).lt(1.5).optional(),
          must_release_frac: z.number().gt(0).lt(1).optional(),
          operate_s: z.number().min(0).max(1).optional(),
          release_s: z.number().min(0).max(1).optional(),
        })
        .strict()
        .refine((r) => r.part !== undefined || r.coil_vac !== undefined || r.coil_vdc !== undefined, {
          message: `give part (one of ${names(parts.relays).join(', ')}), coil_vac or coil_vdc`,
        })
        .refine((r) => r.coil_vac === undefined || r.coil_vdc === undefined, {
          message: 'a coil is rated either coil_vac (AC coil) or coil_vdc (DC coil), not both',
        })
        .refine(
          (r) =>
            r.must_operate_frac === undefined ||
            r.must_release_frac === undefined ||
            r.must_operate_frac > r.must_release_frac,
          {
            message:
              'must_operate_frac (pull-in) must be above must_release_frac (drop-out): a relay cannot pull in at or below the level it drops out at',
            path: ['must_operate_frac'],
          },
        ),
      loop: z
        .object({
          source: z.enum(['battery', 'ac']),
          battery: z
            .object({
              chemistry: z.enum(names(parts.batteries)),
              cells: z.number().int().min(1).max(24).default(1),
              volts: positive.optional(),
              state: z
                .union([
                  z.enum(Object.keys(BATTERY_STATES) as [keyof typeof BATTERY_STATES]),
                  z.number().min(0).max(2),
                ])
                .optional(),
            })
            .strict()
            .optional(),
        })
        .strict()
        .refine((l) => l.source === 'ac' || l.battery !== undefined, {
          message: 'a battery loop needs battery: {chemistry, cells, volts | state}',
          path: ['battery'],
        }),
      uni: z.object({ model: z.enum(['gen1', 'plus']) }).strict(),
      /** The doorbell loop's cable: total series resistance of both legs (0 for a short run). */
      wiring: z
        .object({ cable_ohm: z.number().min(0).max(1000) })
        .strict()
        .default({ cable_ohm: 0 }),
    })
    .strict();
}

export type InstallationFile = z.infer<ReturnType<typeof buildInstallationSchema>>;

/** `fresh`/`half`/`end_of_life` or a number (0 fresh … 1 end of life; above 1 is a dead cell). */
export function toBatteryState(state: string | number | undefined): number {
  if (typeof state === 'number') return state;
  if (typeof state === 'string' && state in BATTERY_STATES)
    return BATTERY_STATES[state as keyof typeof BATTERY_STATES];
  return 0;
}

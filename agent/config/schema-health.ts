import { isIP } from 'node:net';
import * as z from 'zod';
import { listenAddress } from './schema-fields.ts';

export const healthSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe('Watch the devices: offline, missed reports, stuck input, chatter, wiring, battery.'),
    coiot_update_period_s: z
      .number()
      .min(1)
      .default(15)
      .describe("The Shellys' CoIoT `update_period` (Gen1 default 15 s)."),
    offline_factor: z
      .number()
      .min(1)
      .default(2.2)
      .describe(
        'A Gen1 Shelly is offline after this × `coiot_update_period_s` without CoIoT (or its announced validity, if longer), as Home Assistant does.',
      ),
    mqtt_update_period_s: z
      .number()
      .min(0)
      .default(30)
      .describe('Gen1 `mqtt_update_period`: periodic MQTT state; longer silences count as missed. 0 = off.'),
    missed_window_s: z
      .number()
      .min(60)
      .default(3600)
      .describe('Window over which lost reports (CoIoT serial gaps, MQTT periodic gaps) are counted.'),
    missed_max: z
      .number()
      .int()
      .min(1)
      .default(3)
      .describe('Lost reports inside `missed_window_s` that raise `missed_reports`.'),
    input_stuck_after_s: z
      .number()
      .min(1)
      .default(60)
      .describe('Input high this much longer than the chime holds it (0 s mechanical) raises `input_stuck`.'),
    chatter_window_s: z
      .number()
      .min(1)
      .default(5)
      .describe(
        'Window over which rising edges are counted for `chatter`: short, so that a visitor pressing again and again is not taken for a chattering relay.',
      ),
    chatter_min_edges: z
      .number()
      .int()
      .min(2)
      .default(10)
      .describe(
        'Rising edges inside `chatter_window_s` that raise `chatter` (counted or not by the Shelly); it clears below half. While the input chatters, a burst rings at most once (`detector.chatter_merge_s`).',
      ),
    wiring_min_presses: z
      .number()
      .int()
      .min(1)
      .default(3)
      .describe('Presses in a row that must match a known wiring mistake before `wiring` is raised.'),
    battery_warn_days: z
      .number()
      .min(0)
      .default(60)
      .describe(
        'Raise `battery_low` this many days before the date the battery model says the cell falls below `threshold_v`.',
      ),
  })
  .prefault({})
  .describe('Health monitors and their thresholds.');

export const metricsSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe('Serve Prometheus `/metrics`, `/healthz` and the status page (`/`) over HTTP.'),
    host: listenAddress(
      'metrics.port',
      '127.0.0.1',
      'Address the metrics server binds to (loopback only by default; no port: that is `port`).',
    ),
    port: z.number().int().min(0).max(65535).default(9464).describe('TCP port of the metrics server.'),
    allow_from: z
      .array(z.string().refine((a) => isIP(a) !== 0, 'must be an IP address such as 172.30.32.2'))
      .default([])
      .describe(
        'Client addresses the metrics server answers (403 for others); empty: any. The Home Assistant add-on allows only the Supervisor (172.30.32.2, ingress).',
      ),
  })
  .prefault({})
  .describe('Prometheus metrics, health endpoint and status page.');

export const batterySchema = z
  .strictObject({
    chemistry: z
      .enum(['alkaline', 'lithium_fes2', 'nimh'])
      .default('alkaline')
      .describe('Cell chemistry of the sense-loop battery (discharge curve, self-discharge, shelf life).'),
    cells: z.number().int().min(1).max(8).default(1).describe('Cells in series.'),
    capacity_mah: z
      .number()
      .positive()
      .default(1000)
      .describe('Capacity at low drain; 1000 mAh is an assumed AAA alkaline figure.'),
    installed: z.iso
      .date()
      .nullable()
      .default(null)
      .describe('Date the cell was fitted (YYYY-MM-DD). Needed by the model when `adc` is false.'),
    adc: z
      .boolean()
      .default(false)
      .describe("The Uni's ADC is wired to the cell: measure its voltage instead of modelling it."),
    loop_ma: z
      .number()
      .positive()
      .default(1)
      .describe('Loop current while the contact is closed (~1 mA at 1.5 V: a forum figure, unconfirmed).'),
    warn_below: z
      .number()
      .min(0)
      .max(1)
      .default(0.2)
      .describe('Raise `battery_low` at or below this remaining share.'),
    threshold_v: z
      .number()
      .positive()
      .default(1.2)
      .describe(
        'Pack voltage below which the Uni stops reading the input as high (documented 2.2 V DC; 1.2 V assumed from the working 1.5 V loop).',
      ),
  })
  .optional()
  .describe(
    'The cell in the sense loop, for the battery estimate and `battery_low`. Left out: the defaults below, and no estimate until `installed` or `adc` is set.',
  );

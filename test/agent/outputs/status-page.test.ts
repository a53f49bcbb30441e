import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../agent/config/schema.ts';
import type { RingEvent } from '../../../agent/core/events.ts';
import type { HealthRecord } from '../../../agent/health/record.ts';
import { renderDoorbellLive, renderStatusPage } from '../../../agent/outputs/status-page.ts';
import { RECENT_RINGS, RecentRings, statusView } from '../../../agent/outputs/status-view.ts';

const ID = 'shellyuni-98CDAC25ABCD';
const NOW = Date.parse('2026-05-01T12:00:00Z');
const STARTED = NOW - 3_600_000;

const config = configSchema.parse({
  devices: [
    { id: ID, name: 'Front <door> & "porch"', battery: { installed: '2026-01-01' }, wiring_plot: '/x/p.svg' },
    { id: 'shellyplusuni-e465b847ca44', chime: { mode: 'electronic', duration_s: 5 } },
  ],
});

function record(extra: Partial<HealthRecord> = {}): HealthRecord {
  return {
    device: ID,
    input: 0,
    name: 'Front',
    savedMs: NOW,
    connected: true,
    lastReportMs: NOW - 4_000,
    lastReportVia: 'coiot',
    presses: 7,
    lastRing: null,
    problems: [],
    battery: {
      percent: 64,
      volts: null,
      basis: 'model',
      thresholdDateMs: Date.parse('2027-03-02T00:00:00Z'),
    },
    pressMah: 0.1,
    serialGapsTotal: 0,
    ...extra,
  };
}

function ring(tMs: number, extra: Partial<RingEvent> = {}): RingEvent {
  return {
    type: 'ring',
    t: tMs / 1000,
    device: ID,
    input: 0,
    press_id: `${ID}:0:${tMs}`,
    chime: 'mechanical',
    hold_s: null,
    via: 'coiot',
    recovered: false,
    ...extra,
  };
}

const view = (records: HealthRecord[], recent = new RecentRings()) =>
  statusView({
    devices: config.devices,
    records,
    recent,
    nowMs: NOW,
    startedMs: STARTED,
    version: '1.2.3',
    mqttConnected: true,
  });

describe('status view', () => {
  it('keeps the newest delivered rings per doorbell, once each', () => {
    const recent = new RecentRings();
    for (let i = 0; i < RECENT_RINGS + 3; i++) recent.add(ring(NOW - 60_000 + i * 1000));
    recent.add(ring(NOW - 60_000 + 1000)); // delivered again (at least once)
    const rings = recent.of(ID, 0);
    expect(rings).toHaveLength(RECENT_RINGS);
    expect(rings[0]?.tMs).toBe(NOW - 60_000 + (RECENT_RINGS + 2) * 1000);
    expect(new Set(rings.map((r) => r.pressId)).size).toBe(RECENT_RINGS);
  });

  it("adds the record's last ring: from before the start, or still waiting for the broker", () => {
    const before = view([
      record({ lastRing: { tMs: STARTED - 5000, pressId: 'a', via: 'mqtt', recovered: false } }),
    ]);
    expect(before.doorbells[0]?.rings).toEqual([
      { tMs: STARTED - 5000, pressId: 'a', via: 'mqtt', recovered: false, delivered: true },
    ]);
    const queued = view([
      record({ lastRing: { tMs: NOW - 1000, pressId: 'b', via: 'coiot', recovered: false } }),
    ]);
    expect(queued.doorbells[0]?.rings[0]).toMatchObject({ pressId: 'b', delivered: false });
    const recent = new RecentRings();
    recent.add(ring(NOW - 1000, { press_id: 'b' }));
    const delivered = view(
      [record({ lastRing: { tMs: NOW - 1000, pressId: 'b', via: 'coiot', recovered: false } })],
      recent,
    );
    expect(delivered.doorbells[0]?.rings).toHaveLength(1);
    expect(delivered.doorbells[0]?.rings[0]?.delivered).toBe(true);
  });

  it('names the plot only for a doorbell whose config names one', () => {
    const v = view([record()]);
    expect(v.doorbells.map((d) => d.plot)).toEqual(['plots/0.svg', null]);
    expect(v.doorbells[1]).toMatchObject({
      chime: 'electronic, 5 s',
      link: null,
      presses: null,
      battery: null,
    });
  });
});

describe('status page', () => {
  it('escapes every text from the config and the monitors', () => {
    const html = renderStatusPage(
      view([
        record({ problems: [{ problem: 'wiring', detail: '<script>x</script>', sinceMs: NOW - 90_000 }] }),
      ]),
    );
    expect(html).toContain('Front &lt;door&gt; &amp; &quot;porch&quot;');
    expect(html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(html).not.toContain('<script>x');
  });

  it('uses only relative URLs, so it works under an ingress prefix', () => {
    const html = renderStatusPage(view([record()]));
    const urls = [...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(urls).toEqual(expect.arrayContaining(['status.js', 'plots/0.svg', 'healthz', 'metrics']));
    expect(urls.filter((u) => u?.startsWith('/') || /^[a-z]+:\/\//.test(u ?? ''))).toEqual([]);
    expect(html).not.toContain('<base');
    expect(renderStatusPage(view([]), { basePath: '/api/hassio_ingress/abc' })).toContain(
      '<base href="/api/hassio_ingress/abc/">',
    );
  });

  it('shows the link, problems, battery with its basis, and the rings', () => {
    const recent = new RecentRings();
    recent.add(ring(NOW - 30_000, { via: 'counter', recovered: true }));
    const d = view(
      [record({ problems: [{ problem: 'battery_low', detail: 'battery at 12 %', sinceMs: null }] })],
      recent,
    ).doorbells[0];
    const html = renderDoorbellLive(d as NonNullable<typeof d>, NOW);
    expect(html).toContain(
      'connected · last report <time datetime="2026-05-01T11:59:56.000Z" data-ago>4 s ago</time> via coiot',
    );
    expect(html).toContain('<strong>battery_low</strong> battery at 12 %');
    expect(html).toContain('1 problem</span>');
    expect(html).toContain(
      '64 % <span class="meta">modelled: presses seen + self-discharge since installed; below the input threshold around 2027-03-02',
    );
    expect(html).toContain('class="level low"');
    expect(html).toContain(
      '2026-05-01 11:59:30 UTC</time> <span class="meta">via counter · recovered from the event counter',
    );
    expect(html).toContain('7 presses counted');
    const adc = renderDoorbellLive(
      view([record({ battery: { percent: 12, volts: 1.05, basis: 'adc', thresholdDateMs: null } })])
        .doorbells[0] as never,
      NOW,
    );
    expect(adc).toContain('12 % at 1.05 V <span class="meta">measured by the Uni\'s ADC');
    const offline = renderDoorbellLive(view([record({ connected: false })]).doorbells[0] as never, NOW);
    expect(offline).toContain('<strong>offline</strong>');
  });
});

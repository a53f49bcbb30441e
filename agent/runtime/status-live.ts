import { readFile } from 'node:fs/promises';
import type { DeviceConfig } from '../config/schema.ts';
import { channelKey } from '../core/channel-key.ts';
import type { RingEvent } from '../core/events.ts';
import type { Logger } from '../core/logger.ts';
import type { HealthRecord } from '../health/record.ts';
import { EventStreamHub, type ServerEvent } from '../io/event-stream.ts';
import type { HttpRequest, HttpResponse, HttpRoutes, HttpStreamRoute } from '../io/http-server.ts';
import { renderAgent, renderDoorbellLive, renderStatusPage } from '../outputs/status-page.ts';
import { STATUS_SCRIPT } from '../outputs/status-script.ts';
import { RecentRings, type StatusView, statusView } from '../outputs/status-view.ts';

/** Updates are sent at most this often: a step can move many last-report times at once. */
const UPDATE_COALESCE_MS = 250;

const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; " +
    "connect-src 'self'; base-uri 'self'; frame-ancestors 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** A plot is the user's file: shown as an image, and never run as a document if opened on its own. */
const PLOT_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-cache',
};

/** What Home Assistant's ingress sends in `X-Ingress-Path`: `/api/hassio_ingress/<token>`. */
const INGRESS_PATH = /^(\/[A-Za-z0-9._~-]+)+$/;

export interface StatusLiveOptions {
  devices: readonly DeviceConfig[];
  version: string;
  now: () => number;
  startedMs: number;
  records: () => HealthRecord[];
  mqttConnected: () => boolean;
  log: Logger;
}

/**
 * The status page in the running agent: its routes on the metrics server (`/`, `status.js`, `events`, the
 * wiring plots) and the live updates, sent on every change of the health records (coalesced) and on every ring
 * the broker acknowledged.
 */
export class StatusLive {
  private readonly recent = new RecentRings();
  private readonly hub = new EventStreamHub();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: StatusLiveOptions) {}

  routes(): HttpRoutes {
    const routes: HttpRoutes = {
      '/': (request) => this.page(request),
      '/status.js': () => ({
        status: 200,
        contentType: 'text/javascript; charset=utf-8',
        body: STATUS_SCRIPT,
        headers: { 'x-content-type-options': 'nosniff' },
      }),
      '/status.json': () => ({
        status: 200,
        contentType: 'application/json',
        body: `${JSON.stringify(this.view())}\n`,
      }),
    };
    this.opts.devices.forEach((device, index) => {
      const file = device.wiring_plot;
      if (file) routes[`/plots/${index}.svg`] = () => this.plot(file);
    });
    return routes;
  }

  streams(): Record<string, HttpStreamRoute> {
    return { '/events': (_request, response) => this.hub.attach(response, [this.statusEvent()]) };
  }

  /** The health records changed: update the open pages (at most every UPDATE_COALESCE_MS). */
  changed(): void {
    if (this.timer || this.hub.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.hub.send(this.statusEvent());
    }, UPDATE_COALESCE_MS);
    this.timer.unref();
  }

  ringPublished(ring: RingEvent): void {
    this.recent.add(ring);
    const index = this.opts.devices.findIndex(
      (d) => channelKey(d.id, d.input) === channelKey(ring.device, ring.input),
    );
    this.hub.send(this.statusEvent());
    this.hub.send({
      event: 'ring',
      data: { index, device: ring.device, input: ring.input, pressId: ring.press_id },
    });
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.hub.close();
  }

  private view(): StatusView {
    return statusView({
      devices: this.opts.devices,
      records: this.opts.records(),
      recent: this.recent,
      nowMs: this.opts.now(),
      startedMs: this.opts.startedMs,
      version: this.opts.version,
      mqttConnected: this.opts.mqttConnected(),
    });
  }

  private statusEvent(): ServerEvent {
    const view = this.view();
    return {
      event: 'status',
      data: {
        nowMs: view.nowMs,
        agent: renderAgent(view),
        doorbells: view.doorbells.map((d) => ({ index: d.index, html: renderDoorbellLive(d, view.nowMs) })),
      },
    };
  }

  private page(request: HttpRequest): HttpResponse {
    const header = request.headers['x-ingress-path'];
    const basePath = typeof header === 'string' && INGRESS_PATH.test(header) ? header : null;
    return {
      status: 200,
      contentType: 'text/html; charset=utf-8',
      body: renderStatusPage(this.view(), { basePath }),
      headers: PAGE_HEADERS,
    };
  }

  private async plot(file: string): Promise<HttpResponse> {
    try {
      return {
        status: 200,
        contentType: 'image/svg+xml',
        body: await readFile(file, 'utf8'),
        headers: PLOT_HEADERS,
      };
    } catch (error) {
      this.opts.log.warn('wiring plot not readable', {
        file,
        error: (error as NodeJS.ErrnoException).code ?? String(error),
      });
      return { status: 404, contentType: 'text/plain; charset=utf-8', body: 'wiring plot not readable\n' };
    }
  }
}

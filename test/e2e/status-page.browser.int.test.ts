import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../agent/cli.ts';
import type { RunningAgent } from '../../agent/runtime/agent.ts';
import type { EmulatedUni } from '../../simulator/emulator/uni.ts';
import { agentOn, emulatedUni, until } from '../agent/health/live-support.ts';
import { sharedBroker } from '../helpers/mosquitto.ts';
import { REPO } from '../helpers/paths.ts';

/** Debian's chromium (`apt-get install chromium`; `.ci/run` installs it, and in CI the test never skips). */
const CHROMIUM = '/usr/bin/chromium';
/** Kept after the run (gitignored), to look at. */
const SCREENSHOTS = join(REPO, 'test-output', 'status-page');

const MAC = '98CDAC25AB77';
const ID = `shellyuni-${MAC}`;

/**
 * The status page end to end, in headless Chromium: an agent on loopback with its metrics server, an emulated
 * SHUNI-1 sending CoIoT, a real mosquitto. The page loads, shows the doorbell (link, battery and its basis, the
 * wiring-check plot), the Uni is pressed, and the ring appears without a reload (server-sent events). It is also
 * loaded the way Home Assistant's ingress serves it: under a path prefix, with `X-Ingress-Path`.
 */
describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('status page in headless Chromium', () => {
  const run = `s${process.pid}${Date.now().toString(36)}`;
  let broker: { url: string; stop(): Promise<void> };
  let agent: RunningAgent;
  let uni: EmulatedUni;
  let browser: BrowserContext;
  let page: Page;
  let url: string;

  beforeAll(async () => {
    broker = await sharedBroker();
    const dir = mkdtempSync(join(tmpdir(), 'status-page-'));
    const plot = join(dir, 'front-door.svg');
    const quiet = { write: () => true } as unknown as NodeJS.WritableStream;
    const ctx = { stdout: quiet, stderr: quiet, exitCode: 0, version: 'test' };
    await (await buildProgram(ctx)).parseAsync(
      ['wiring', 'check', join(REPO, 'circuits/examples/seed-final-12vac.yaml'), '--plot', plot],
      { from: 'user' },
    );
    expect(existsSync(plot)).toBe(true);
    ({ agent } = await agentOn(broker.url, run, {
      metrics: { enabled: true, host: '127.0.0.1', port: 0 },
      devices: [
        {
          id: ID,
          name: 'Front door <main>',
          chime: { mode: 'mechanical' },
          battery: { adc: true },
          wiring_plot: plot,
        },
        { id: 'shellyuni-98CDAC25AB78', name: 'Back door', chime: { mode: 'electronic', duration_s: 2 } },
      ],
    }));
    url = `http://127.0.0.1:${agent.metricsPort}`;
    uni = await emulatedUni(MAC, agent.coiotPort as number, { adcVolts: 1.42 });
    // A fresh profile each run (Playwright passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1100, height: 900 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    page = await browser.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await uni?.stop();
    await agent?.stop();
    await broker?.stop();
  });

  it('loads, shows each doorbell, and the ring of a press appears live', async () => {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${url}/`);
    await page.locator('#live[data-live="on"]').waitFor();
    const front = page.locator('#doorbell-0');
    await expect(front.locator('h2').textContent()).resolves.toBe('Front door <main>');
    await front.locator('.link', { hasText: 'connected' }).waitFor();
    await front.locator('.battery', { hasText: "measured by the Uni's ADC" }).waitFor();
    expect(await front.locator('.rings').textContent()).toBe('none yet');
    expect(await page.locator('#doorbell-1 .meta').first().textContent()).toContain('electronic, 2 s chime');
    // The plot is the SVG written by `wiring check --plot`, loaded by the browser from the agent.
    const plotWidth = await front.locator('.plot img').evaluate(async (img: HTMLImageElement) => {
      await img.decode();
      return img.naturalWidth;
    });
    expect(plotWidth).toBeGreaterThan(100);

    uni.input([
      { t: 0, level: 1 },
      { t: 0.3, level: 0 },
    ]);
    const ring = front.locator('ol.rings li');
    await ring.first().waitFor();
    expect(await ring.count()).toBe(1);
    expect(await ring.first().textContent()).toMatch(/via coiot/);
    expect(await ring.first().getAttribute('data-press-id')).toMatch(new RegExp(`^${ID}:0:`));
    await front.locator('h3', { hasText: '1 press counted' }).waitFor();
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'after-press.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('works under an ingress prefix: relative URLs, X-Ingress-Path as the base', async () => {
    // What Home Assistant's ingress does: the browser asks /api/hassio_ingress/<token>/..., the Supervisor
    // forwards the rest of the path to the agent and names the prefix in X-Ingress-Path.
    const prefix = '/api/hassio_ingress/t0k3n';
    const requested: string[] = [];
    const ingress = await browser.newPage();
    await ingress.route('http://ingress.test/**', async (route) => {
      const path = new URL(route.request().url()).pathname;
      requested.push(path);
      if (!path.startsWith(`${prefix}/`)) return route.fulfill({ status: 404, body: 'outside the prefix' });
      // Server-sent events cannot be fulfilled from a buffer: the page's live stream is checked above.
      if (path === `${prefix}/events`) return route.abort();
      const response = await route.fetch({
        url: `${url}${path.slice(prefix.length)}`,
        headers: { ...route.request().headers(), 'x-ingress-path': prefix },
      });
      return route.fulfill({ response });
    });
    await ingress.goto(`http://ingress.test${prefix}/`);
    await ingress.locator('#doorbell-0 ol.rings li').first().waitFor();
    await ingress
      .locator('#doorbell-0 .plot img')
      .evaluate(async (img: HTMLImageElement) => await img.decode());
    expect(requested).toEqual(
      expect.arrayContaining([
        `${prefix}/`,
        `${prefix}/status.js`,
        `${prefix}/plots/0.svg`,
        `${prefix}/events`,
      ]),
    );
    expect(requested.filter((p) => !p.startsWith(`${prefix}/`))).toEqual([]);
    await ingress.close();
  });

  it('the agent still counts the ring on MQTT, so the page and Home Assistant agree', async () => {
    const records = await until(
      () => agent.health.records(),
      (r) => r[0]?.presses === 1,
    );
    expect(records[0]?.lastRing?.via).toBe('coiot');
  });
});

import { STATUS_STYLE } from './status-style.ts';
import type { DoorbellView, RingView, StatusView } from './status-view.ts';

/**
 * The status page, rendered on the server as plain HTML (it reads without JavaScript). `status.js` then keeps it
 * live from the event stream: each update carries the same fragments as rendered here. Every URL is relative,
 * so the page works at `/` and under Home Assistant's ingress prefix (`/api/hassio_ingress/<token>/`).
 */
export function renderStatusPage(view: StatusView, options: { basePath?: string | null } = {}): string {
  const base = options.basePath ? `<base href="${escapeHtml(options.basePath)}/">` : '';
  const cards = view.doorbells.map((d) => renderDoorbell(d, view.nowMs)).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${base}<title>doorbell-agent</title>
<link rel="icon" href="data:,">
<style>${STATUS_STYLE}</style>
<script src="status.js" defer></script>
</head>
<body>
<header class="agent" id="agent">${renderAgent(view)}</header>
<main id="doorbells">
${cards || '<p class="empty">No doorbells configured.</p>'}
</main>
<footer>Live while this page is open · <a href="healthz">healthz</a> · <a href="metrics">metrics</a></footer>
</body>
</html>
`;
}

/** The agent line: version, uptime, broker connection, and whether the page is live. */
export function renderAgent(view: StatusView): string {
  const broker = view.mqttConnected
    ? '<span class="pill ok">MQTT connected</span>'
    : '<span class="pill bad">MQTT disconnected</span>';
  return `<h1>doorbell-agent</h1>
<p>${broker} <span class="pill" id="live" data-live="off">not live</span>
<span class="meta">version ${escapeHtml(view.version)} · started ${timeTag(view.startedMs, view.nowMs, 'ago')}</span></p>`;
}

function renderDoorbell(d: DoorbellView, nowMs: number): string {
  const plot = d.plot
    ? `<figure class="plot"><a href="${escapeHtml(d.plot)}" target="_blank" rel="noopener"><img src="${escapeHtml(d.plot)}" alt="Wiring check plot of ${escapeHtml(d.name)} (the file named by wiring_plot could not be read)" loading="lazy"></a>
<figcaption>Wiring check of this installation (<code>wiring check --plot</code>): supply, coil, contact, IN_1, input.</figcaption></figure>`
    : '';
  return `<section class="doorbell" id="doorbell-${d.index}" data-index="${d.index}">
<div class="live">${renderDoorbellLive(d, nowMs)}</div>
${plot}
</section>`;
}

/** The part of a doorbell's card that changes (the plot stays, so it is not fetched again on each update). */
export function renderDoorbellLive(d: DoorbellView, nowMs: number): string {
  const problems = d.problems.length;
  const badge =
    problems > 0
      ? `<span class="pill bad">${problems} problem${problems === 1 ? '' : 's'}</span>`
      : d.link === null || d.link.connected === null
        ? '<span class="pill">waiting</span>'
        : '<span class="pill ok">OK</span>';
  const title = d.name === d.device ? escapeHtml(d.device) : escapeHtml(d.name);
  return `<header><h2>${title}</h2>${badge}
<p class="meta">${escapeHtml(d.device)} · input ${d.input} · ${escapeHtml(d.chime)} chime</p></header>
<dl>
<dt>Shelly</dt><dd class="link">${link(d, nowMs)}</dd>
<dt>Problems</dt><dd class="problems">${problemList(d, nowMs)}</dd>
<dt>Battery</dt><dd class="battery">${battery(d)}</dd>
</dl>
<h3>Last rings${d.presses === null ? '' : ` <span class="meta">${d.presses} press${d.presses === 1 ? '' : 'es'} counted</span>`}</h3>
${ringList(d.rings, nowMs)}`;
}

function link(d: DoorbellView, nowMs: number): string {
  if (d.link === null)
    return '<span class="dot"></span>no record yet (health monitoring off, or not heard yet)';
  const { connected, lastReportMs, via } = d.link;
  const state =
    connected === null
      ? '<span class="dot"></span>not heard yet'
      : connected
        ? '<span class="dot on"></span>connected'
        : '<span class="dot off"></span><strong>offline</strong>';
  const last =
    lastReportMs === null
      ? ''
      : ` · last report ${timeTag(lastReportMs, nowMs, 'ago')}${via ? ` via ${escapeHtml(via)}` : ''}`;
  return `${state}${last}`;
}

function problemList(d: DoorbellView, nowMs: number): string {
  if (d.problems.length === 0) return 'none';
  const items = d.problems.map(
    (p) =>
      `<li><strong>${escapeHtml(p.problem)}</strong> ${escapeHtml(p.detail)}${
        p.sinceMs === null ? '' : ` <span class="meta">since ${timeTag(p.sinceMs, nowMs, 'ago')}</span>`
      }</li>`,
  );
  return `<ul>${items.join('')}</ul>`;
}

function battery(d: DoorbellView): string {
  const b = d.battery;
  if (b === null)
    return 'not tracked <span class="meta">(set devices[].battery.installed, or adc: true)</span>';
  const low = d.problems.some((p) => p.problem === 'battery_low') ? ' low' : '';
  const level = `<span class="level${low}"><span style="width:${Math.max(0, Math.min(100, b.percent))}%"></span></span>`;
  if (b.basis === 'adc')
    return `${level} ${b.percent} %${b.volts === null ? '' : ` at ${b.volts.toFixed(2)} V`} <span class="meta">measured by the Uni's ADC</span>`;
  const threshold =
    b.thresholdDateMs === null
      ? ''
      : `; below the input threshold around ${new Date(b.thresholdDateMs).toISOString().slice(0, 10)}`;
  return `${level} ${b.percent} % <span class="meta">modelled: presses seen + self-discharge since installed${threshold}</span>`;
}

function ringList(rings: RingView[], nowMs: number): string {
  if (rings.length === 0) return '<p class="rings empty">none yet</p>';
  const items = rings.map((r) => {
    const notes = [
      `via ${escapeHtml(r.via)}`,
      ...(r.recovered ? ['recovered from the event counter'] : []),
      ...(r.delivered ? [] : ['<strong>waiting for the broker</strong>']),
    ];
    return `<li data-press-id="${escapeHtml(r.pressId)}">${timeTag(r.tMs, nowMs, 'clock')} <span class="meta">${notes.join(' · ')}</span></li>`;
  });
  return `<ol class="rings">${items.join('')}</ol>`;
}

/**
 * A `<time>` the page script keeps current (`ago`: "12 s ago"; `clock`: the local date and time). Rendered here
 * in UTC, for a page read without JavaScript.
 */
function timeTag(ms: number, nowMs: number, kind: 'ago' | 'clock'): string {
  const iso = new Date(ms).toISOString();
  const text = kind === 'ago' ? ago(nowMs - ms) : `${iso.slice(0, 19).replace('T', ' ')} UTC`;
  return `<time datetime="${iso}" data-${kind}>${text}</time>`;
}

export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} days ago`;
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}

/**
 * `status.js`, the status page's only script (plain browser JavaScript, no framework). It listens to `events`
 * (server-sent events, a relative URL so it works under an ingress prefix): `status` replaces the agent line and
 * each doorbell's live part with fragments rendered by the server, `ring` flashes the doorbell that rang. Every
 * second it rewrites the `<time>` elements: `data-ago` as "12 s ago" (on the agent's clock), `data-clock` as the
 * local date and time.
 */
export const STATUS_SCRIPT = `'use strict';
(() => {
  let skewMs = 0;
  const ago = (ms) => {
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 120) return s + ' s ago';
    if (s < 7200) return Math.round(s / 60) + ' min ago';
    if (s < 172800) return Math.round(s / 3600) + ' h ago';
    return Math.round(s / 86400) + ' days ago';
  };
  const tick = () => {
    const now = Date.now() - skewMs;
    for (const t of document.querySelectorAll('time[data-ago]')) t.textContent = ago(now - Date.parse(t.dateTime));
    for (const t of document.querySelectorAll('time[data-clock]')) {
      const when = new Date(t.dateTime);
      t.textContent = when.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
      t.title = when.toISOString();
    }
  };
  const live = (on) => {
    const pill = document.getElementById('live');
    if (!pill) return;
    pill.dataset.live = on ? 'on' : 'off';
    pill.textContent = on ? 'live' : 'reconnecting';
  };
  const events = new EventSource('events');
  events.addEventListener('open', () => live(true));
  events.addEventListener('error', () => live(false));
  events.addEventListener('status', (e) => {
    const status = JSON.parse(e.data);
    skewMs = Date.now() - status.nowMs;
    const agent = document.getElementById('agent');
    if (agent) agent.innerHTML = status.agent;
    for (const d of status.doorbells) {
      const part = document.querySelector('#doorbell-' + d.index + ' .live');
      if (part) part.innerHTML = d.html;
    }
    live(true);
    tick();
  });
  events.addEventListener('ring', (e) => {
    const ring = JSON.parse(e.data);
    const card = document.getElementById('doorbell-' + ring.index);
    if (!card) return;
    card.classList.add('rang');
    setTimeout(() => card.classList.remove('rang'), 50);
  });
  tick();
  setInterval(tick, 1000);
})();
`;

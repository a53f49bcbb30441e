/** The status page's stylesheet: light and dark like Home Assistant's own panels, no web fonts, no framework. */
export const STATUS_STYLE = `
:root { color-scheme: light dark; --bg: #fafafa; --card: #fff; --text: #212121; --muted: #727272;
  --line: #e0e0e0; --ok: #43a047; --bad: #db4437; --accent: #03a9f4; --flash: #fff8e1; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #111; --card: #1c1c1c; --text: #e1e1e1; --muted: #9b9b9b; --line: #333; --flash: #3a3320; }
}
* { box-sizing: border-box; }
body { margin: 0; padding: 16px; background: var(--bg); color: var(--text);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
h1 { font-size: 20px; margin: 0 0 4px; font-weight: 500; }
h2 { font-size: 18px; margin: 0; font-weight: 500; display: inline; }
h3 { font-size: 14px; margin: 12px 0 4px; font-weight: 500; }
.agent p { margin: 0 0 12px; }
.meta { color: var(--muted); }
.pill { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; margin-left: 6px;
  border: 1px solid var(--line); color: var(--muted); vertical-align: middle; }
.pill.ok { border-color: var(--ok); color: var(--ok); }
.pill.bad { border-color: var(--bad); color: var(--bad); }
#live[data-live="on"] { border-color: var(--accent); color: var(--accent); }
main { display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); gap: 16px; }
.doorbell { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 16px;
  transition: background-color 1.5s; }
.doorbell.rang { background: var(--flash); transition: none; }
.doorbell header p { margin: 2px 0 8px; }
dl { display: grid; grid-template-columns: 80px 1fr; gap: 4px 12px; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; }
dd ul { margin: 0; padding-left: 18px; }
.dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; background: var(--muted); margin-right: 6px; }
.dot.on { background: var(--ok); }
.dot.off { background: var(--bad); }
.level { display: inline-block; width: 40px; height: 10px; border: 1px solid var(--muted); border-radius: 2px;
  vertical-align: middle; margin-right: 4px; }
.level span { display: block; height: 100%; background: var(--ok); }
.level.low span { background: var(--bad); }
ol.rings { margin: 0; padding-left: 22px; }
p.rings { margin: 0; color: var(--muted); }
ol.rings li:first-child { font-weight: 500; }
.plot { margin: 12px 0 0; }
.plot img { width: 100%; height: auto; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
.plot figcaption { color: var(--muted); font-size: 12px; }
footer { margin-top: 16px; color: var(--muted); font-size: 12px; }
a { color: var(--accent); }
`;

"""What every page of the suite shares: one stylesheet (light and dark), interactive Vega-Lite
charts whose JavaScript ships beside the page (never fetched: `vl-convert`'s bundle of Vega,
Vega-Lite and vega-embed, written as `vega.js`), and one filter bar.

A page names its charts with `chart(id, spec)`; each spec declares the signals of `FILTERS`,
which the filter bar sets on every chart at once. Rows, sections and list items that carry
`data-database`, `data-name` and `data-verdict` are shown or hidden by the same filter, and the
address keeps it (`#db=sqlite&q=fk_access`), so a filtered view can be linked.
"""

from __future__ import annotations

import functools
import json
from html import escape
from pathlib import Path
from typing import Any

BUNDLE = "vega.js"
# Altair checks a spec against Vega-Lite's schema as it writes it: 50 ms a chart, a second per
# twenty scenarios. The tests check every kind of spec (tests/test_pages.py); a run does not.
VALIDATE = False

# Okabe and Ito's palette: told apart with every common colour-vision deficiency.
PALETTE = ["#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
NAIVE_COLOR = "#D55E00"  # vermillion; naive lines are also solid where optimized are dashed
INVALID_COLOR = "#999999"

# The signals every chart declares, set by the filter bar: a database, a search, a verdict
# (which a chart's points without a verdict ignore).
FILTERS = [
    {"name": "db", "value": "all"},
    {"name": "q", "value": ""},
    {"name": "verdict", "value": "all"},
]
FILTER_TEST = (
    "(db == 'all' || datum.database == db) && "
    "(q == '' || indexof(lower(datum.name), lower(q)) >= 0) && "
    "(verdict == 'all' || !isValid(datum.verdict) || datum.verdict == verdict)"
)

CSS = """
:root{--fg:#1f1f1f;--muted:#666;--bg:#fff;--line:#d6d6d6;--head:#f2f2f2;--pre:#f6f6f6;
--ok-bg:#e1f0ff;--ok:#004a80;--bad-bg:#fde5d8;--bad:#8f2d00;--noisy-bg:#fff3cc;--noisy:#6b5000;
--link:#0059a6;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--fg:#e6e6e6;--muted:#a8a8a8;--bg:#15171a;
--line:#3a3d42;--head:#24272b;--pre:#1d2024;--ok-bg:#0f2f4d;--ok:#9fd0ff;--bad-bg:#4a1e0c;
--bad:#ffb38f;--noisy-bg:#3d3000;--noisy:#ffe28a;--link:#8cc4ff}}
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;
max-width:1180px;padding:1.5em;color:var(--fg);background:var(--bg)}
a{color:var(--link)}h1{margin-bottom:.2em}
h2{border-bottom:1px solid var(--line);padding-bottom:.2em;margin-top:2em}
img{max-width:100%;height:auto;display:block;margin:.6em 0}
table{border-collapse:collapse;margin:.6em 0;font-size:12.5px}
caption{text-align:left;font-weight:600;padding:.3em 0;color:var(--muted)}
th,td{border:1px solid var(--line);padding:3px 7px;text-align:right;vertical-align:top}
th{background:var(--head)}td.l,th.l{text-align:left}
pre{background:var(--pre);border:1px solid var(--line);padding:.6em;overflow-x:auto;font-size:12px}
.badge{display:inline-block;border-radius:3px;padding:0 5px;font-size:11px;font-weight:600}
.ok{background:var(--ok-bg);color:var(--ok)}.bad{background:var(--bad-bg);color:var(--bad)}
.noisy{background:var(--noisy-bg);color:var(--noisy)}.muted{color:var(--muted)}
nav ul{columns:3;list-style:none;padding:0}details{margin:.4em 0}
.filters{position:sticky;top:0;z-index:2;background:var(--bg);padding:.5em 0;
border-bottom:1px solid var(--line);display:flex;gap:1em;flex-wrap:wrap;align-items:center}
.filters input,.filters select{font:inherit;padding:2px 6px}
.chart{margin:.6em 0;max-width:100%;overflow-x:auto}tr:target{outline:2px solid var(--link)}
[id]{scroll-margin-top:4em}
[hidden]{display:none!important}
"""

_SCRIPT = """(() => {
const views = [];
const specs = JSON.parse(document.getElementById('ormbench-specs').textContent);
const dark = window.matchMedia('(prefers-color-scheme: dark)').matches;
const opts = {actions: {export: true, source: false, compiled: false, editor: false},
              renderer: 'svg', theme: dark ? 'dark' : undefined,
              logLevel: 1};  // errors only: an emptied chart's empty extent is no fault
const ui = {db: document.getElementById('f-db'), q: document.getElementById('f-q'),
            verdict: document.getElementById('f-verdict')};
function state() {
  return {db: ui.db.value, q: ui.q.value.trim(), verdict: ui.verdict ? ui.verdict.value : 'all'};
}
function signal(view, s) {
  return view.signal('db', s.db).signal('q', s.q).signal('verdict', s.verdict).runAsync();
}
// A chart is drawn when it comes near the screen: a history of many series stays quick to open.
async function draw(el) {
  const result = await vegaEmbed(el, specs[el.id], opts);
  views.push(result.view);
  await signal(result.view, state());
  el.dataset.drawn = 'yes';
}
const near = new IntersectionObserver(entries => {
  for (const entry of entries) {
    if (entry.isIntersecting) { near.unobserve(entry.target); draw(entry.target); }
  }
}, {rootMargin: '800px'});
for (const id of Object.keys(specs)) near.observe(document.getElementById(id));
function shows(el, s) {
  const db = el.dataset.database, name = (el.dataset.name || '').toLowerCase();
  const verdicts = (el.dataset.verdict || '').split(' ');
  return (s.db === 'all' || db === undefined || db === s.db)
    && (s.q === '' || el.dataset.name === undefined || name.includes(s.q.toLowerCase()))
    && (s.verdict === 'all' || el.dataset.verdict === undefined || verdicts.includes(s.verdict));
}
async function apply() {
  const s = state();
  for (const el of document.querySelectorAll('[data-name],[data-database],[data-verdict]')) {
    el.hidden = !shows(el, s);
  }
  let shown = 0;
  for (const row of document.querySelectorAll('tr[data-name]')) {
    if (!row.closest('[hidden]')) shown++;
  }
  const count = document.getElementById('f-count');
  if (count) count.textContent = shown + ' rows shown';
  history.replaceState(null, '', '#' + new URLSearchParams(s).toString());
  await Promise.all(views.map(v => signal(v, s)));
  document.body.dataset.filtered = JSON.stringify(s);
}
const start = new URLSearchParams(location.hash.slice(1));
for (const key of ['db', 'q', 'verdict']) {
  if (ui[key] && start.has(key)) ui[key].value = start.get(key);
}
for (const el of Object.values(ui)) if (el) el.addEventListener('input', apply);
if (start.has('db') || start.has('q') || start.has('verdict') || !location.hash) apply();
else document.body.dataset.filtered = JSON.stringify(state());  // keep a link to one row
})();
"""


@functools.cache
def _bundle() -> str:
    import vl_convert

    bundle: Any = vl_convert.javascript_bundle  # its stub wants a snippet; None is the default
    return str(bundle())


def write_bundle(folder: Path) -> None:
    """Vega, Vega-Lite and vega-embed as one file beside the page: charts need no network."""
    (folder / BUNDLE).write_text(_bundle(), encoding="utf-8")


DATA = "points"  # the one dataset of every chart, by name: `spec` fills it in


def spec(chart: Any, values: list[dict[str, Any]]) -> dict[str, Any]:
    """An Altair chart built over `alt.Data(name=DATA)` as a Vega-Lite spec with `values` as
    that data: Altair deep-copies inline data at every encode (two seconds for a catalogue)."""
    import altair as alt

    params = [alt.param(name=f["name"], value=f["value"]) for f in FILTERS]
    found = dict(chart.add_params(*params).to_dict(validate=VALIDATE))
    found["datasets"] = {DATA: values}
    return found


def export_png(spec: dict[str, Any], path: Path, scale: float = 2) -> None:
    """A chart as a PNG (by default at twice its size: sharp on a HiDPI screen)."""
    import vl_convert

    path.write_bytes(bytes(vl_convert.vegalite_to_png(spec, scale=scale)))


def chart(chart_id: str, spec: dict[str, Any], caption: str) -> tuple[str, dict[str, Any]]:
    """A placeholder for one chart, described for screen readers, and its spec."""
    return (
        f"<figure><div class='chart' id='{escape(chart_id)}' role='img' "
        f"aria-label='{escape(caption)}'></div><figcaption class='muted'>{escape(caption)}"
        "</figcaption></figure>",
        {chart_id: spec},
    )


def filters(databases: list[str], verdicts: list[str], search: str) -> str:
    """The filter bar: database, verdict and a search box, applied to charts, tables, sections."""
    options = "".join(f"<option>{escape(d)}</option>" for d in databases)
    verdict = (
        "<label>show <select id='f-verdict'><option value='all'>all</option>"
        + "".join(f"<option>{escape(v)}</option>" for v in verdicts)
        + "</select></label>"
        if verdicts
        else ""
    )
    return (
        "<div class='filters' role='search'><label>database <select id='f-db'>"
        f"<option value='all'>all</option>{options}</select></label>{verdict}"
        f"<label>search <input id='f-q' type='search' placeholder='{escape(search)}'></label>"
        "<span id='f-count' class='muted'></span></div>"
    )


def page(title: str, body: str, specs: dict[str, Any]) -> str:
    """A whole page: the stylesheet, the body, the charts' specs as data, the bundle and the
    filter script (inline: a page opened from disk may not fetch a module)."""
    data = json.dumps(specs, separators=(",", ":")).replace("</", "<\\/")
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>{body}"
        f"<script id='ormbench-specs' type='application/json'>{data}</script>"
        f"<script src='{BUNDLE}'></script><script>{_SCRIPT}</script></body></html>"
    )

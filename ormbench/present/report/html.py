"""The static HTML page: no JavaScript, no network, every run-supplied text escaped."""

from __future__ import annotations

from html import escape
from typing import Any

from ormbench.analysis.plans import marks
from ormbench.analysis.stats import growth
from ormbench.dataset import scales
from ormbench.present import numbers, plans
from ormbench.present.rows import Row, unmeasured
from ormbench.present.summary import machine_steadiness
from ormbench.results import Run, RunMeta

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;
max-width:1180px;padding:1.5em;color:#222}
h1{margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
img{max-width:100%;height:auto;display:block;margin:.6em 0}
table{border-collapse:collapse;margin:.6em 0;font-size:12.5px}
th,td{border:1px solid #ddd;padding:3px 7px;text-align:right;vertical-align:top}
th{background:#f5f5f5}td.l,th.l{text-align:left}
pre{background:#f7f7f7;border:1px solid #e3e3e3;padding:.6em;overflow-x:auto;font-size:12px}
.badge{display:inline-block;border-radius:3px;padding:0 5px;font-size:11px;font-weight:600}
.ok{background:#e3f4e8;color:#1e6b34}.bad{background:#fbe3e3;color:#a11}
.noisy{background:#fff3d6;color:#8a5a00}.muted{color:#777}
nav ul{columns:3;list-style:none;padding:0}details{margin:.4em 0}
"""


def page(run: Run, source: str, rows: list[Row], charts: dict[str, Any]) -> str:
    """The whole report. `charts` maps 'overview', 'compact' and scenario names to file names."""
    meta = run.meta
    skipped_whole = unmeasured(run)
    scenarios = sorted({r.scenario for r in rows} | set(skipped_whole))
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>django-ormbench report: {escape(source)}</title><style>{CSS}</style></head><body>",
        "<h1>django-ormbench report</h1>",
        f"<p class='muted'>{escape(_summary(run, source))}</p>",
        f"<p class='muted'>{escape(machine_steadiness(run))}</p>",
        "<nav><ul>",
        *[f"<li><a href='#s-{escape(s)}'>{escape(s)}</a></li>" for s in scenarios],
        "<li><a href='#environment'>environment</a></li></ul></nav>",
        "<h2 id='overview'>Overview</h2>",
        _img(charts["overview"], "Heatmap of the best optimized speedup per scenario and database"),
        f"<p class='muted'>A compact version for a README: <a href='{charts['compact']}'>"
        f"{charts['compact']}</a>. Invalid results are shown as INVALID, never as a speedup.</p>",
        _problems(meta, rows),
    ]
    for scenario in scenarios:
        if scenario in skipped_whole:
            parts.append(_not_measured(scenario, meta.scenarios.get(scenario, {}), skipped_whole))
            continue
        parts.append(
            _scenario(
                scenario,
                meta.scenarios.get(scenario, {}),
                [r for r in rows if r.scenario == scenario],
                charts.get(scenario, {}),
                run,
            )
        )
    parts += [_environment(run), "</body></html>"]
    return "\n".join(parts)


def _summary(run: Run, source: str) -> str:
    meta, commit = run.meta, run.commit
    dirty = " (dirty)" if commit.get("dirty") else ""
    return (
        f"{source} · commit {str(commit.get('id', '?'))[:10]}{dirty} · scale {meta.scale}"
        f" · seed {meta.seed} · Django {run.django} · "
        f"{len(run.benchmarks)} benchmarks · started {meta.started or '?'}"
    )


def _img(name: str, alt: str) -> str:
    return f"<img src='{escape(name)}' alt='{escape(alt)}' loading='lazy'>"


def _problems(meta: RunMeta, rows: list[Row]) -> str:
    items = [
        f"<li><span class='badge bad'>INVALID</span> {escape(r.database)} "
        f"{escape(r.scenario)}/{escape(r.variant)} n={r.n}: {escape(r.error)}</li>"
        for r in rows
        if not r.valid
    ]
    items += [
        f"<li><span class='badge bad'>FAILED</span> {escape(f['database'])} "
        f"{escape(f['scenario'])}/{escape(f['variant'])} n={escape(str(f['n']))}: "
        f"{escape(f['error'])}</li>"
        for f in meta.failed
    ]
    items += [
        f"<li><span class='badge bad'>FAILED</span> {escape(name)}: {escape(info['error'])}</li>"
        for name, info in meta.databases.items()
        if "error" in info
    ]
    skipped = [
        f"<li>{escape(s['database'])} {escape(s['scenario'])}/{escape(s['variant'])} "
        f"n={escape(str(s['n']))}: {escape(s['reason'])}</li>"
        for s in meta.skipped
    ]
    skipped += [
        f"<li>{escape(name)}: {escape(info['skipped'])}</li>"
        for name, info in meta.databases.items()
        if "skipped" in info
    ]
    html = ""
    if items:
        html += "<h2 id='problems'>Problems</h2><ul>" + "".join(items) + "</ul>"
    if skipped:
        html += (
            "<details><summary>Skipped (a backend lacks a feature)</summary><ul>"
            + "".join(skipped)
            + "</ul></details>"
        )
    return html


MODES = {
    "autocommit": "Writes commit as production code runs them: each statement on its own "
    "(autocommit); the harness restores the tables after each round, outside the timing.",
    "request": "Writes run inside one request transaction (as under ATOMIC_REQUESTS): BEGIN "
    "and COMMIT are timed; the tables are restored after each round, outside the timing.",
}


def _conditions(info: dict[str, Any], run: Run) -> list[str]:
    """How the figures were taken (the commit mode) and where the effect shows."""
    lines = [MODES[info["mode"]]] if info.get("mode") in MODES else []
    order = list(scales.SCALES)
    effect_from = info.get("effect_from", order[0])
    scale = run.meta.scale
    if scale in order and order.index(scale) < order.index(effect_from):
        lines.append(
            f"Its effect shows from scale {effect_from} on: at {scale} the data is too small "
            "for the difference to be more than noise."
        )
    return lines


def _not_measured(name: str, info: dict[str, Any], reasons: dict[str, list[str]]) -> str:
    doc_text = info.get("doc", info.get("label", ""))
    return "\n".join(
        [
            f"<h2 id='s-{escape(name)}'>{escape(name)}</h2>",
            *[f"<p>{escape(p)}</p>" for p in doc_text.split("\n\n")],
            "<p class='muted'>Not measured in this run: "
            + "; ".join(escape(r) for r in reasons[name])
            + "</p>",
        ]
    )


def _scenario(
    name: str, info: dict[str, Any], rows: list[Row], charts: dict[str, Any], run: Run
) -> str:
    doc_text = info.get("doc", info.get("label", ""))
    parts = [
        f"<h2 id='s-{escape(name)}'>{escape(name)}</h2>",
        *[f"<p>{escape(p)}</p>" for p in doc_text.split("\n\n")],
        *[f"<p class='muted'>{escape(line)}</p>" for line in _conditions(info, run)],
    ]
    if "variants" in charts:
        parts.append(_img(charts["variants"], f"{name}: median time per variant and database"))
    if "scaling" in charts:
        parts.append(_img(charts["scaling"], f"{name}: time against n, log-log"))
        parts += [
            f"<p class='muted'>Crossover: {escape(note)}</p>"
            for note in charts.get("crossovers", [])
        ]
    parts.append(_growth(rows))
    if "memory" in charts:
        parts.append(_img(charts["memory"], f"{name}: peak Python memory against n"))
    parts.append(_table(rows))
    parts.append(_variants(info))
    parts.append(_plans(name, run))
    parts.append(_explain(name, run))
    return "\n".join(parts)


def _plans(scenario: str, run: Run) -> str:
    """The plan of every variant at the largest n, side by side across databases, full scans,
    sorts and temporary tables marked (`ormbench.analysis.plans.marks`)."""
    found = plans.at_largest_n(run, scenario)
    if not found:
        return ""
    full = plans.heaviest_at_largest_n(run, scenario)
    databases = sorted({database for database, _ in found})
    variants = list(dict.fromkeys(variant for _, variant in found))
    head = "".join(f"<th class='l'>{escape(d)}</th>" for d in databases)
    body = "".join(
        f"<tr><th class='l'>{escape(v)}</th>"
        + "".join(
            f"<td class='l'>{_plan_cell(found.get((d, v), []))}{_full_plan(full.get((d, v)))}</td>"
            for d in databases
        )
        + "</tr>"
        for v in variants
    )
    n = plans.largest_n(run, scenario)
    return (
        f"<details><summary>Plans of every variant at n={n} (one line per statement shape)"
        f"</summary><table><tr><th class='l'>variant</th>{head}</tr>{body}</table></details>"
    )


def _full_plan(text: str | None) -> str:
    if not text:
        return ""
    count_and_shape, _, rest = text.partition("\n")
    how = rest.partition(":")[0]
    return (
        f"<details><summary>{escape(how)} of the heaviest statement</summary>"
        f"<p class='muted'><code>{escape(count_and_shape)}</code></p>"
        f"<pre>{escape(rest.partition(chr(10))[2])}</pre></details>"
    )


def _plan_cell(lines: list[str]) -> str:
    return "<br>".join(
        "".join(f"<span class='badge bad'>{escape(m)}</span> " for m in marks(line))
        + f"<code>{escape(line)}</code>"
        for line in lines
    )


def _growth(rows: list[Row]) -> str:
    """Fitted growth per database and variant, beside the scaling chart."""
    lines = []
    for (database, variant), series in sorted(_series(rows).items()):
        fit = growth([r.n for r in series], [r.median for r in series], [r.queries for r in series])
        if fit is None:
            continue
        badge = " <span class='badge bad'>O(n) queries</span>" if fit.linear_queries else ""
        lines.append(
            f"<tr><td class='l'>{escape(database)}</td><td class='l'>"
            f"{escape(variant)}</td><td>n<sup>{fit.time_exponent:.2f}</sup></td>"
            f"<td class='l'>{fit.queries_fixed:.3g} + {fit.queries_per_n:.3g}·n"
            f"{badge}</td></tr>"
        )
    if not lines:
        return ""
    return (
        "<table><tr><th class='l'>database</th><th class='l'>variant</th>"
        "<th>time grows as</th><th class='l'>queries</th></tr>" + "".join(lines) + "</table>"
    )


def _series(rows: list[Row]) -> dict[tuple[str, str], list[Row]]:
    series: dict[tuple[str, str], list[Row]] = {}
    for r in sorted(rows, key=lambda r: r.n):
        if r.valid:
            series.setdefault((r.database, r.variant), []).append(r)
    return series


def _table(rows: list[Row]) -> str:
    head = (
        "<tr><th class='l'>database</th><th>n</th><th class='l'>variant</th><th>median</th>"
        "<th>IQR</th><th>rounds</th><th>queries</th><th>round trips</th><th>connects</th>"
        "<th>peak memory</th>"
        "<th>speedup</th><th>instructions</th><th class='l'>figures</th>"
        "<th class='l'>status</th></tr>"
    )
    body = []
    for r in sorted(rows, key=lambda r: (r.database, r.n, r.role != "naive", r.variant)):
        status = (
            "<span class='badge ok'>valid</span>"
            if r.valid
            else f"<span class='badge bad'>INVALID</span> {escape(r.error)}"
        )
        if r.noisy:
            status += " <span class='badge noisy'>noisy</span>"
        body.append(
            f"<tr><td class='l'>{escape(r.database)}</td><td>{r.n}</td>"
            f"<td class='l'>{escape(r.variant)}</td><td>{numbers.seconds(r.median)}</td>"
            f"<td>{numbers.seconds(r.iqr)}</td><td>{r.rounds}</td><td>{r.queries}</td>"
            f"<td>{'-' if r.round_trips is None else r.round_trips}</td>"
            f"<td>{r.connects or '-'}</td>"
            f"<td>{numbers.size(r.memory) if r.memory else '-'}</td>"
            f"<td>{numbers.ratio(r.speedup) if r.speedup and r.valid else '-'}</td>"
            f"<td>{escape(r.instructions_shown) or '-'}</td>"
            f"<td class='l'>{escape(r.recorded_shown) or '-'}</td>"
            f"<td class='l'>{status}</td></tr>"
        )
    return f"<table>{head}{''.join(body)}</table>"


def _variants(info: dict[str, Any]) -> str:
    items = []
    for name, variant in info.get("variants", {}).items():
        items.append(
            f"<h4>{escape(variant['role'])}: {escape(name)}</h4>"
            f"<p>{escape(variant['label'])}</p><pre>{escape(variant['source'])}</pre>"
        )
    return f"<details><summary>What was measured (source)</summary>{''.join(items)}</details>"


def _explain(scenario: str, run: Run) -> str:
    plans = [
        (b.figures.database, b.figures.n, b.figures.explain)
        for b in run.benchmarks
        if b.figures.scenario == scenario and b.figures.explain
    ]
    if not plans:
        return ""
    body = "".join(
        f"<h4>{escape(db)}, n={n}</h4><pre>{escape(plan)}</pre>" for db, n, plan in plans
    )
    return f"<details><summary>EXPLAIN of the naive query</summary>{body}</details>"


def _environment(run: Run) -> str:
    meta, env = run.meta, run.meta.environment
    rows = [
        (
            "commit",
            f"{run.commit.get('id', '?')}{' (dirty)' if run.commit.get('dirty') else ''}",
        ),
        ("branch", str(run.commit.get("branch", "?"))),
        ("scale / seed", f"{meta.scale} / {meta.seed}"),
        ("Django", run.django),
        ("Python", f"{env['implementation']} {env['python']}"),
        ("platform", env["platform"]),
        ("CPU", str(run.machine.get("cpu", {}).get("brand_raw", "?"))),
        ("durability", "fsync off (--no-fsync)" if meta.no_fsync else "fsync on"),
    ]
    for name, info in meta.databases.items():
        if "server_version" in info:
            dataset = info.get("dataset", {})
            settings = ", ".join(f"{k}={v}" for k, v in info.get("settings", {}).items())
            rows += [
                (f"{name} server", f"{info['server_version']} ({info.get('origin', '')})"),
                (f"{name} driver", info.get("driver", "")),
                (f"{name} settings", settings),
                (
                    f"{name} dataset",
                    f"{dataset.get('rows')} rows, checksum {dataset.get('checksum', '')[:16]}…",
                ),
            ]
    body = "".join(
        f"<tr><th class='l'>{escape(k)}</th><td class='l'>{escape(str(v))}</td></tr>"
        for k, v in rows
    )
    return f"<h2 id='environment'>Environment</h2><table>{body}</table>"

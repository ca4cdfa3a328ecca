"""The report page: interactive charts (`specs`, drawn by the Vega bundle beside the page, no
network), a filter bar, and every figure in tables; every run-supplied text escaped."""

from __future__ import annotations

from html import escape
from typing import Any

from ormbench.analysis.plans import marks
from ormbench.analysis.stats import crossover, growth
from ormbench.dataset import scales
from ormbench.present import numbers, plans, web
from ormbench.present.report import specs
from ormbench.present.rows import Row, loses, unmeasured
from ormbench.present.summary import machine_steadiness
from ormbench.results import Run, RunMeta


def page(
    run: Run,
    source: str,
    rows: list[Row],
    specs_of: dict[str, dict[str, Any]],
    exports: dict[str, str],
) -> str:
    """The whole report: interactive charts (`specs_of`: the overview's under "", each
    scenario's under its name), filtered by database, scenario name and what is wrong;
    `exports` names the PNG and SVG files written for a README."""
    meta = run.meta
    skipped_whole = unmeasured(run)
    scenarios = sorted({r.scenario for r in rows} | set(skipped_whole))
    databases = [d for d in meta.databases if any(r.database == d for r in rows)]
    charts: dict[str, Any] = {}
    overview, charts_of = web.chart(
        "c-overview",
        specs_of.get("") or specs.overview(rows, databases),
        "The best optimized speedup per scenario and database; INVALID where no optimized "
        "variant was valid. Click a cell for its scenario.",
    )
    charts |= charts_of
    export_links = " · ".join(f"<a href='{escape(f)}'>{escape(f)}</a>" for f in exports.values())
    parts = [
        "<h1>django-ormbench report</h1>",
        f"<p class='muted'>{escape(_summary(run, source))}</p>",
        f"<p class='muted'>{escape(machine_steadiness(run))}</p>",
        web.filters(databases, ["invalid", "loses"], "scenario or variant"),
        "<nav><ul>",
        *[
            f"<li data-name='{escape(s)}'><a href='#s-{escape(s)}'>{escape(s)}</a></li>"
            for s in scenarios
        ],  # fmt: skip
        "<li><a href='#environment'>environment</a></li></ul></nav>",
        "<h2 id='overview'>Overview</h2>",
        overview,
        f"<p class='muted'>For a README: {export_links}. Invalid results are shown as "
        "INVALID, never as a speedup; every chart also exports itself as SVG or PNG (its "
        "… menu).</p>",
        _problems(meta, rows),
    ]
    for scenario in scenarios:
        if scenario in skipped_whole:
            parts.append(_not_measured(scenario, meta.scenarios.get(scenario, {}), skipped_whole))
            continue
        section, charts_of = _scenario(
            scenario,
            meta.scenarios.get(scenario, {}),
            [r for r in rows if r.scenario == scenario],
            specs_of[scenario],
            run,
        )
        parts.append(section)
        charts |= charts_of
    parts.append(_environment(run))
    return web.page(f"django-ormbench report: {source}", "\n".join(parts), charts)


def _summary(run: Run, source: str) -> str:
    meta, commit = run.meta, run.commit
    dirty = " (dirty)" if commit.get("dirty") else ""
    return (
        f"{source} · commit {str(commit.get('id', '?'))[:10]}{dirty} · scale {meta.scale}"
        f" · seed {meta.seed} · Django {run.django} · "
        f"{len(run.benchmarks)} benchmarks · started {meta.started or '?'}"
    )


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
            f"<section data-name='{escape(name)}'><h2 id='s-{escape(name)}'>{escape(name)}</h2>",
            *[f"<p>{escape(p)}</p>" for p in doc_text.split("\n\n")],
            "<p class='muted'>Not measured in this run: "
            + "; ".join(escape(r) for r in reasons[name])
            + "</p></section>",
        ]
    )


def _scenario(
    name: str, info: dict[str, Any], rows: list[Row], spec: dict[str, Any], run: Run
) -> tuple[str, dict[str, Any]]:
    """One scenario's section and its chart. Its `data-verdict` says whether a variant of it
    is invalid somewhere, or an optimized one loses to the naive one beyond noise (`loses`)."""
    doc_text = info.get("doc", info.get("label", ""))
    verdicts = [v for v, found in (("invalid", any(not r.valid for r in rows)),
                                   ("loses", any(loses(r) for r in rows))) if found]  # fmt: skip
    names = " ".join([name, *sorted({r.variant for r in rows})])
    multiple_n = len({r.n for r in rows}) > 1
    figure, charts = web.chart(
        f"c-{name}",
        spec,
        f"{name}: median time per call "
        + ("against n, log-log, per database" if multiple_n else "per variant and database")
        + ". Hover a point for its figures; click it for its row in the table.",
    )
    parts = [
        f"<section data-name='{escape(names)}' data-verdict='{' '.join(verdicts) or 'none'}'>",
        f"<h2 id='s-{escape(name)}'>{escape(name)}</h2>",
        *[f"<p>{escape(p)}</p>" for p in doc_text.split("\n\n")],
        *[f"<p class='muted'>{escape(line)}</p>" for line in _conditions(info, run)],
        figure,
        *[f"<p class='muted'>Crossover: {escape(note)}</p>" for note in crossovers(rows)],
        _growth(rows),
        _table(name, rows),
        _variants(info),
        _plans(name, run),
        _explain(name, run),
        "</section>",
    ]
    return "\n".join(parts), charts


def crossovers(rows: list[Row]) -> list[str]:
    """Where an optimized variant's line crosses the baseline's (naive, or the reference), per
    database."""
    notes = []
    for database in sorted({r.database for r in rows}):
        series = _series([r for r in rows if r.database == database])
        naive = next((v for (_, v), s in series.items() if s[0].baseline), None)
        if naive is None:
            continue
        at = {v: {r.n: r.median for r in s} for (_, v), s in series.items()}
        for variant in sorted(v for v in at if v != naive):
            ns = sorted(set(at[naive]) & set(at[variant]))
            if len(ns) < 2:
                continue
            found = crossover(ns, [at[naive][n] for n in ns], [at[variant][n] for n in ns])
            if found is not None:
                notes.append(f"{database}: {variant} and {naive} cross at n ≈ {found:.0f}")
    return notes


def _plans(scenario: str, run: Run) -> str:
    """The plan of every variant at the largest n, side by side across databases, full scans,
    sorts and temporary tables marked (`ormbench.analysis.plans.marks`)."""
    found = plans.at_largest_n(run, scenario)
    if not found:
        return ""
    full = plans.heaviest_at_largest_n(run, scenario)
    databases = sorted({database for database, _ in found})
    variants = list(dict.fromkeys(variant for _, variant in found))
    head = "".join(f"<th scope='col' class='l'>{escape(d)}</th>" for d in databases)
    body = "".join(
        f"<tr><th scope='row' class='l'>{escape(v)}</th>"
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
        f"</summary><table><caption>{escape(scenario)}: access paths per variant and database"
        f"</caption><tr><th scope='col' class='l'>variant</th>{head}</tr>{body}</table></details>"
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
            f"<td class='l'>{numbers.linear(fit.queries_fixed, fit.queries_per_n)}"
            f"{badge}</td></tr>"
        )
    if not lines:
        return ""
    return (
        "<table><caption>Fitted growth</caption><tr><th scope='col' class='l'>database</th>"
        "<th scope='col' class='l'>variant</th><th scope='col'>time grows as</th>"
        "<th scope='col' class='l'>queries</th></tr>" + "".join(lines) + "</table>"
    )


def _series(rows: list[Row]) -> dict[tuple[str, str], list[Row]]:
    series: dict[tuple[str, str], list[Row]] = {}
    for r in sorted(rows, key=lambda r: r.n):
        if r.valid:
            series.setdefault((r.database, r.variant), []).append(r)
    return series


def _table(scenario: str, rows: list[Row]) -> str:
    heads = ["database", "n", "variant", "median", "IQR", "rounds", "queries", "round trips",
             "connects", "peak memory", "speedup", "instructions", "figures", "status"]  # fmt: skip
    left = {"database", "variant", "figures", "status"}
    head = "".join(f"<th scope='col'{' class=l' if h in left else ''}>{h}</th>" for h in heads)
    body = []
    for r in sorted(rows, key=lambda r: (r.database, r.n, r.role != "naive", r.variant)):
        status = (
            "<span class='badge ok'>valid</span>"
            if r.valid
            else f"<span class='badge bad'>INVALID</span> {escape(r.error)}"
        )
        if r.noisy:
            status += " <span class='badge noisy'>noisy</span>"
        verdict = "invalid" if not r.valid else "loses" if loses(r) else "none"
        body.append(
            f"<tr id='{escape(specs.row_id(r))}' data-database='{escape(r.database)}' "
            f"data-name='{escape(f'{r.database}/{r.scenario}/{r.variant}/n={r.n}')}' "
            f"data-verdict='{verdict}'>"
            f"<td class='l'>{escape(r.database)}</td><td>{r.n}</td>"
            f"<th scope='row' class='l'><a href='#{escape(specs.row_id(r))}'>"
            f"{escape(r.variant)}</a></th><td>{numbers.seconds(r.median)}</td>"
            f"<td>{numbers.seconds(r.iqr)}</td><td>{r.rounds}</td><td>{r.queries}</td>"
            f"<td>{'-' if r.round_trips is None else r.round_trips}</td>"
            f"<td>{r.connects or '-'}</td>"
            f"<td>{numbers.size(r.memory) if r.memory else '-'}</td>"
            f"<td>{numbers.ratio(r.speedup) if r.speedup and r.valid else '-'}</td>"
            f"<td>{escape(r.instructions_shown) or '-'}</td>"
            f"<td class='l'>{escape(r.recorded_shown) or '-'}</td>"
            f"<td class='l'>{status}</td></tr>"
        )
    caption = f"<caption>{escape(scenario)}: every benchmark (link: its row)</caption>"
    return f"<table>{caption}<tr>{head}</tr>{''.join(body)}</table>"


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
        f"<tr><th scope='row' class='l'>{escape(k)}</th><td class='l'>{escape(str(v))}</td></tr>"
        for k, v in rows
    )
    caption = "<caption>What the run ran on</caption>"
    return f"<h2 id='environment'>Environment</h2><table>{caption}{body}</table>"

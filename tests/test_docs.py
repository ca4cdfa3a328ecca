"""The README is a front door and docs/ holds the rest: no dead link, and no figure that
contradicts `--help` or the code it describes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ormbench.analysis.stats import DEFAULT_THRESHOLD
from ormbench.cli import COMMANDS, build_parser
from ormbench.commands import compare
from ormbench.dataset import scales, tables
from ormbench.protocol import Policy
from tests.conftest import ROOT

README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
EXAMPLE_README = ROOT / "examples" / "bookclub" / "README.md"
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchors(page: Path) -> set[str]:
    """GitHub's anchors: a heading lower-cased, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+ (.+)$", page.read_text(), re.M)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def test_the_readme_is_a_front_door() -> None:
    lines = README.read_text().splitlines()
    assert len(lines) <= 150
    headings = [line for line in lines if line.startswith("## ")]
    for wanted in ("Two commands", "Use it on your project", "Compare in CI", "Documentation"):
        assert any(wanted in h for h in headings), wanted
    assert re.search(r"!\[[^\]]+\]\(docs/images/\w+\.png\)", README.read_text()), "a picture"


@pytest.mark.parametrize(
    "page", [*PAGES, EXAMPLE_README], ids=[*(p.name for p in PAGES), "example"]
)
def test_every_link_leads_somewhere(page: Path) -> None:
    for target in LINK.findall(page.read_text()):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        assert resolved.exists(), f"{page.name}: dead link {target}"
        if anchor:
            assert anchor in _anchors(resolved), f"{page.name}: no heading for {target}"


def test_every_page_of_docs_is_linked_from_the_readme() -> None:
    linked = {(ROOT / t.partition("#")[0]).resolve() for t in LINK.findall(README.read_text())}
    assert set(PAGES[1:]) <= linked


def test_the_scales_rows_are_what_the_generator_makes() -> None:
    for name in ("xs", "s", "m"):  # l takes 8 s to generate: the same code, ten times the rows
        made = sum(len(rows) for _, rows in tables.generate(scales.scale(name)).tables.values())
        stated = scales.ROWS_ABOUT[name].replace(" ", "")
        assert abs(made / float(stated) - 1) < 0.02, (name, made)
    assert scales.ROWS_ABOUT["l"] == "2.8 million" and scales.SCALES["l"].books == 10 * 25_000
    sentence = "about 5 300, 284 000, 454 000 and\n2.8 million rows"
    assert sentence in README.read_text()
    assert list(scales.ROWS_ABOUT.values()) == ["5 300", "284 000", "454 000", "2.8 million"]
    running = (ROOT / "docs" / "running.md").read_text()
    assert all(rows in running for rows in scales.ROWS_ABOUT.values())


def test_the_options_table_is_the_run_commands_options() -> None:
    run = build_parser()._subparsers._group_actions[0].choices["run"]  # type: ignore[union-attr]
    options = {a.option_strings[0] for a in run._actions if a.option_strings} - {"-h"}
    table = re.findall(r"^\| `(-[-\w]+)", (ROOT / "docs" / "running.md").read_text(), re.M)
    assert set(table) | {"--every"} == options


def test_commands_sessions_and_defaults_named_in_the_docs_exist() -> None:
    text = "\n".join(page.read_text() for page in PAGES)
    sessions = set(re.findall(r"nox -s (\w+)", text))
    noxfile = (ROOT / "noxfile.py").read_text()
    assert sessions and all(f"def {s}(session" in noxfile for s in sessions), sessions
    commands = {m.__name__.rsplit(".", 1)[1] for m in COMMANDS} | {"list"}
    assert set(re.findall(r"`ormbench (\w+)", text)) <= commands
    assert build_parser()  # every command's own parser builds
    assert f"`--threshold` ({DEFAULT_THRESHOLD:.0%})" in text
    from ormbench.worker import rounds

    running = (ROOT / "docs" / "running.md").read_text()
    assert (
        f"calibrated, {rounds.SLOW_MIN_ROUNDS} to {rounds.MAX_ROUNDS}: at least "
        f"{rounds.MIN_ROUNDS}, or {rounds.SLOW_MIN_ROUNDS} for a call of half a second or more; "
        f"{Policy().target_seconds} s of timed work, or fewer rounds once the median is known to "
        f"±{rounds.PRECISION:.0%})"
    ) in running and rounds.SLOW_CALL_SECONDS == 0.5
    comparing = (ROOT / "docs" / "comparing.md").read_text()
    assert f"(`--alternations N` pairs, default {compare.DEFAULT_ALTERNATIONS})" in comparing
    assert f"`--budget` (default {compare.DEFAULT_BUDGET / 60:.0f}m" in comparing


def test_the_servers_the_docs_name_are_the_workflows_matrix() -> None:
    import yaml

    flow = yaml.safe_load((ROOT / ".github" / "workflows" / "bench.yml").read_text())
    images = [s["image"] for s in flow["jobs"]["bench"]["strategy"]["matrix"]["server"]]
    majors = {(i.split(":")[0], ".".join(i.split(":")[1].split(".")[:2])) for i in images}
    postgres = sorted(int(v) for name, v in ((n, v.split(".")[0]) for n, v in majors)
                      if name == "postgres")  # fmt: skip
    history = (ROOT / "docs" / "history.md").read_text()
    assert f"PostgreSQL {postgres[0]}-{postgres[-1]}" in history
    assert "MySQL 8.4" in history and ("mysql", "8.4") in majors
    assert "MariaDB\n10.11 and 11.4" in history
    assert {("mariadb", "10.11"), ("mariadb", "11.4")} <= majors
    assert "seven servers" in README.read_text() and len(images) == 7

"""A user's own Django project, as examples/bookclub is: the built wheel in a fresh venv, the
project's README commands, its scenarios on three databases, the report, a wrong variant caught,
`pytest --ormbench`, and a comparison of two commits of the project's own repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.servers  # builds, installs and runs on real servers: the slow layer

EXAMPLE = ROOT / "examples" / "bookclub"
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The example as a repository of its own, outside the checkout."""
    repo = tmp_path / "bookclub"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("results", "__pycache__"))
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    subprocess.run([*GIT, "-C", str(repo), "add", "."], check=True)
    subprocess.run([*GIT, "-C", str(repo), "commit", "-qm", "bookclub"], check=True)
    return repo


def _tool(venv: Path, repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}:{env['PATH']}"
    return subprocess.run(
        list(args), cwd=repo, env=env, capture_output=True, text=True, timeout=900
    )


def _commit(repo: Path, path: str, old: str, new: str, message: str) -> None:
    module = repo / path
    text = module.read_text()
    assert old in text
    module.write_text(text.replace(old, new))
    subprocess.run([*GIT, "-C", str(repo), "commit", "-qam", message], check=True)


def test_a_users_project_runs_on_three_databases_and_reports(
    installed_wheel: dict[str, Path], project: Path
) -> None:
    venv = installed_wheel["venv"]
    done = _tool(venv, project, "ormbench", "run")  # [tool.ormbench]: three databases, xs
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    (path,) = (project / "results" / "runs").glob("*.json")
    run = json.loads(path.read_text())
    measured = {
        (b["extra_info"]["database"], b["extra_info"]["scenario"]) for b in run["benchmarks"]
    }
    scenarios = ("open_loans", "mark_returned", "busiest_members")  # the last: one variant
    assert measured == {(db, s) for db in ("sqlite", "postgresql", "mysql") for s in scenarios}
    assert all(b["extra_info"]["valid"] for b in run["benchmarks"])
    for database in ("sqlite", "postgresql", "mysql"):
        dataset = run["ormbench"]["databases"][database]["dataset"]
        assert dataset["rows"] == 600 + 60 + 150  # loans, members, books at xs
    assert len({d["dataset"]["checksum"] for d in run["ormbench"]["databases"].values()}) == 1
    assert (project / "results" / "report" / "index.html").is_file()
    through_pytest = _tool(venv, project, "pytest", "--ormbench", "--ormbench-db", "sqlite",
                           "-k", "open_loans", "-p", "no:cacheprovider")  # fmt: skip
    assert through_pytest.returncode == 0, through_pytest.stdout[-3000:]
    assert "open_loans" in through_pytest.stdout and "mark_returned" not in through_pytest.stdout


def test_a_wrong_variant_in_a_users_project_fails_the_run(
    installed_wheel: dict[str, Path], project: Path
) -> None:
    _commit(project, "bookclub/benchmarks/open_loans.py", '"id", "member__name"',
            '"id", "member__email"', "values_list: the wrong column")  # fmt: skip
    done = _tool(installed_wheel["venv"], project, "ormbench", "run", "--db", "sqlite")
    assert done.returncode == 1
    assert "INVALID sqlite open_loans/values_list" in done.stdout + done.stderr


def test_two_commits_of_a_users_project_compare(
    installed_wheel: dict[str, Path], project: Path
) -> None:
    _commit(
        project,
        "bookclub/benchmarks/open_loans.py",
        """@loans.optimized(queries=1)
def select_related(n):""",
        """@loans.optimized(queries=2)
def select_related(n):""",
        "select_related: declared as two queries",
    )
    _commit(
        project,
        "bookclub/benchmarks/open_loans.py",
        'Loan.objects.select_related("member")',
        'Loan.objects.prefetch_related("member")',
        "select_related becomes prefetch_related: one more query",
    )
    done = _tool(installed_wheel["venv"], project, "ormbench", "compare", "HEAD~2", "HEAD",
                 "--db", "sqlite", "--alternations", "2", "--budget", "0",
                 "--json", "comparison.json")  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 1, output[-3000:]  # more queries fail the gate
    assert "sqlite/open_loans/select_related/n=10: queries 1 -> 2" in output
    document = json.loads((project / "comparison.json").read_text())
    assert {b["name"] for b in document["benchmarks"]} >= {
        "sqlite/open_loans/lazy_loop/n=10", "sqlite/mark_returned/queryset_update/n=100"
    }  # fmt: skip
    assert document["more_queries"] == 2  # n=10 and n=100


def test_a_users_project_counts_instructions(
    installed_wheel: dict[str, Path], project: Path
) -> None:
    if shutil.which("valgrind") is None:
        pytest.skip("no valgrind here (apt-get install valgrind; .ci/run does)")
    done = _tool(installed_wheel["venv"], project, "ormbench", "run", "--db", "sqlite",
                 "-k", "open_loans", "--measure", "instructions", "--no-report")  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    (path,) = (project / "results" / "runs").glob("*.json")
    counted = {
        (b["extra_info"]["variant"], b["extra_info"]["n"]): b["extra_info"]["instructions"]
        for b in json.loads(path.read_text())["benchmarks"]
    }
    assert len(counted) == 6 and all(counted.values())
    # counts are deterministic enough for a ratio: the loop runs n+1 queries' worth of
    # Python, select_related one, so at n=100 the loop counts several times as many
    assert counted[("lazy_loop", 100)] > 4 * counted[("select_related", 100)]

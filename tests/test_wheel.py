"""The built wheel, installed into a fresh venv with nothing of the checkout on the path, is a
working tool: its console script lists the bundled catalogue, runs it and draws the report."""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from pathlib import Path

import jsonschema
import pytest

from ormbench.present.exports import schema

pytestmark = pytest.mark.servers  # builds, installs and runs: the slow layer


def test_the_wheel_installs_one_package_and_its_console_script_runs_outside_the_checkout(
    installed_wheel: dict[str, Path], tmp_path: Path
) -> None:
    names = zipfile.ZipFile(installed_wheel["wheel"]).namelist()
    tops = {n.split("/")[0] for n in names if ".dist-info" not in n.split("/")[0]}
    assert tops == {"ormbench"}
    assert "ormbench/servers/docker-compose.yml" in names
    assert "ormbench/parent/callgrind.c" in names
    assert {
        f"ormbench/present/schemas/{n}.schema.json" for n in ("run", "comparison", "bmf")
    } <= set(names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(installed_wheel["wheel"]).read(entry_points).decode()
    assert "[console_scripts]" in text and "[pytest11]" in text
    venv = installed_wheel["venv"]
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["ORMBENCH_MACHINE"] = "wheel-runner"  # a CI runner's label, as the workflows set it

    def ormbench(*args: str) -> str:
        done = subprocess.run(
            [str(venv / "bin" / "ormbench"), *args],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        return done.stdout

    assert ormbench("--version").startswith("ormbench ")
    assert "fk_access:" in ormbench("list")
    ormbench("run", "--db", "sqlite", "--scale", "xs", "-k", "fk_id", "--no-report")
    (run,) = (work / "results" / "runs").glob("*.json")
    assert "report/index.html" in ormbench("report")
    assert '"latency"' in ormbench("export", "--format", "bmf")  # the schemas' package, too
    assert (work / "results" / "report" / "index.html").is_file()
    located = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import ormbench; print(ormbench.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )
    assert str(venv) in located.stdout, "the installed package ran, not the checkout"
    written = json.loads(run.read_text())
    assert written["ormbench"]["machine_label"] == "wheel-runner"
    jsonschema.Draft202012Validator(schema("run")).validate(written)  # a fresh run, as written

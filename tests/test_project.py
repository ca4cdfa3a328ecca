"""[tool.ormbench] in a user's pyproject.toml: what it sets, what flags override, and every
mistake in it as one line (the whole run is in tests/test_own_project.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ormbench import cli, project
from tests.conftest import in_process


@pytest.fixture(autouse=True)
def bundled_afterwards() -> Iterator[None]:
    yield
    project.use(project.Project())  # the commands below choose the folder's project


def _folder(tmp_path: Path, table: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(f"[project]\nname = 'x'\n\n[tool.ormbench]\n{table}")
    return tmp_path


@pytest.mark.bad_input
@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("setings = 'x.settings'\n", "unknown key 'setings' in [tool.ormbench] (known: settings"),
        ("scale = 3\n", "[tool.ormbench] scale must be a str"),
        ("threshold = true\n", "[tool.ormbench] threshold must be a float"),
        ("dataset = 'x.data:load'\n", "dataset needs settings"),
        ("scale = \n", "not readable TOML"),
    ],
)
def test_a_mistake_in_the_table_is_one_line(
    table: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(_folder(tmp_path, table))
    done = in_process("list")
    assert done.returncode == 1
    assert expected in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_the_table_sets_the_defaults_and_flags_win(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        "settings = 'club.settings'\ndataset = 'club.data:load'\nscale = 'xs'\n"
        "databases = ['sqlite', 'postgresql']\nthreshold = 0.05\nscenarios = ['club.bench']\n",
    )
    found, defaults = project.read(folder)
    assert found == project.Project("club.settings", "club.data:load", str(folder.resolve()))
    assert found.external and found.at(tmp_path / "worktree").root == str(tmp_path / "worktree")
    parser = cli.build_parser()

    def parsed(*argv: str) -> dict[str, object]:
        args, _ = parser.parse_known_args(list(argv))
        cli._configured(parser, args, defaults, argv)
        return vars(args)

    plain = parsed("run")
    assert (plain["scale"], plain["db"], plain["scenarios"]) == (
        "xs", ["sqlite", "postgresql"], ["club.bench"]
    )  # fmt: skip
    given = parsed("run", "--scale", "s", "--db=mysql")  # s is also the parser's default
    assert (given["scale"], given["db"]) == ("s", ["mysql"])
    assert parsed("compare", "a", "b")["threshold"] == 0.05
    assert parsed("compare", "a", "b", "--threshold", "0.2")["threshold"] == 0.2


def test_a_folder_without_the_table_is_the_bundled_catalogue(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert project.read(tmp_path) == (project.Project(), {})
    assert project.read(tmp_path / "nowhere") == (project.Project(), {})


@pytest.mark.bad_input
def test_a_data_hook_that_is_not_there_is_one_line() -> None:
    from ormbench.errors import BenchError

    with pytest.raises(BenchError, match="use 'module:function'"):
        project.Project("x.settings", "x.data").data_hook()
    with pytest.raises(BenchError, match="No module named 'no_such_module_zz'"):
        project.Project("x.settings", "no_such_module_zz:load").data_hook()


NEW_PROJECT = {
    "pyproject.toml": '[tool.ormbench]\nsettings = "site_settings"\nscenarios = ["shop.perf"]\n',
    "site_settings.py": 'SECRET_KEY = "x"\nUSE_TZ = True\n'
    'INSTALLED_APPS = ["django.contrib.contenttypes", "shop"]\n',
    "shop/__init__.py": "",
    "shop/migrations/__init__.py": "",
    "shop/models.py": "from django.db import models\n\n\nclass Category(models.Model):\n"
    "    name = models.CharField(max_length=50)\n\n\nclass Product(models.Model):\n"
    "    name = models.CharField(max_length=50)\n"
    "    category = models.ForeignKey(Category, on_delete=models.CASCADE)\n",
    "shop/perf/__init__.py": "",
    "shop/perf/create.py": '''"""Creating n products: create() per product against bulk_create."""
from ormbench.declare.scenario import Scenario
from shop.models import Category, Product

s = Scenario("create_products", sizes=(10, 50), n_of=None, writes=True)


@s.naive(queries=lambda n: n + 1)
def loop(n):
    """One INSERT per product."""
    category = Category.objects.create(name="c")
    for i in range(n):
        Product.objects.create(name=f"p{i}", category=category)
    return n


@s.optimized(queries=4)
def bulk(n):
    """One INSERT for all, in its own transaction."""
    category = Category.objects.create(name="c")
    Product.objects.bulk_create(Product(name=f"p{i}", category=category) for i in range(n))
    return n
''',
}


@pytest.mark.servers  # a real run (on SQLite): the slow layer
def test_a_project_unknown_to_the_suite_runs_without_a_data_hook(tmp_path: Path) -> None:
    """One app, its settings, one scenario module, an empty database: as a new user starts.
    Its tables are empty before the first write, which the effect check digests too."""
    import os
    import subprocess
    import sys

    for name, text in NEW_PROJECT.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "DJANGO_SETTINGS_MODULE": "site_settings"}
    subprocess.run([sys.executable, "-m", "django", "makemigrations", "shop", "-v", "0"],
                   cwd=tmp_path, env=env, check=True)  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "ormbench", "run", "--db", "sqlite", "--scale", "xs"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "create_products/bulk" in done.stdout and "INVALID" not in done.stdout
    (run,) = (tmp_path / "results" / "runs").glob("*.json")
    assert "create_products" in run.read_text()


@pytest.mark.bad_input
def test_a_scenario_declared_wrong_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "badscenarios"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "lonely.py").write_text(
        "from ormbench.declare.scenario import Scenario\n"
        "s = Scenario('lonely_sizes', sizes=(10,), n_of=None)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    done = in_process("run", "--db", "sqlite", "--scenarios", "badscenarios")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "badscenarios.lonely: scenario 'lonely_sizes' needs two or more sizes" in done.stderr

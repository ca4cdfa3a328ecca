"""Whose code a run measures: the bundled bookshop, or a user's own Django project described in
its `pyproject.toml` under `[tool.ormbench]` (its settings, its data hook, its scenarios, and
the defaults of the command line).

Example, in the user's repository::

    [tool.ormbench]
    settings = "bookclub.settings"      # DJANGO_SETTINGS_MODULE: apps, models, migrations
    dataset = "bookclub.data:load"      # load(scale: str, seed: int) fills the database
    scenarios = ["bookclub.benchmarks"] # packages of scenario modules
    databases = ["sqlite", "postgresql"]
    scale = "xs"

Flags given on the command line win over the file. The project is chosen once per process
(`use`): the parent from the working folder, a worker from its spec.
"""

from __future__ import annotations

import importlib
import sys
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ormbench.errors import BenchError

# [tool.ormbench] keys: the project's own, then the defaults they give the command line's
# options (option dest, type).
PROJECT_KEYS = {"settings": str, "dataset": str}
OPTION_KEYS: dict[str, tuple[str, type]] = {
    "scenarios": ("scenarios", list),
    "databases": ("db", list),
    "scale": ("scale", str),
    "results": ("results", str),
    "threshold": ("threshold", float),
    "measure": ("measure", str),
    "machine": ("machine", str),
}


@dataclass(frozen=True)
class Project:
    """None of these: the bundled catalogue (`ormbench.settings.CATALOGUE_APP`)."""

    settings: str | None = None  # the user's DJANGO_SETTINGS_MODULE
    dataset: str | None = None  # "module:function", called as function(scale, seed)
    root: str = ""  # the folder its modules import from (the repository, or a worktree of it)

    @property
    def external(self) -> bool:
        return self.settings is not None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def at(self, root: Path) -> Project:
        """The same project in another checkout of it (a worktree of a revision)."""
        return Project(self.settings, self.dataset, str(root)) if self.external else self

    def data_hook(self) -> Callable[[str, int], Any]:
        """The user's loader; BenchError naming what is wrong with it."""
        module_name, _, function = (self.dataset or "").partition(":")
        if not module_name or not function:
            raise BenchError(f"[tool.ormbench] dataset = {self.dataset!r}: use 'module:function'")
        try:
            found = getattr(importlib.import_module(module_name), function)
        except (ImportError, AttributeError) as exc:
            raise BenchError(f"[tool.ormbench] dataset = {self.dataset!r}: {exc}") from None
        return found  # type: ignore[no-any-return]


_current = Project()


def use(project: Project) -> None:
    """Make `project` this process's: its modules importable, its settings the ones Django
    will be configured with (`ormbench.settings.configure`)."""
    global _current
    _current = project
    if project.root and project.root not in sys.path:
        sys.path.insert(0, project.root)


def current() -> Project:
    return _current


def read(folder: Path) -> tuple[Project, dict[str, Any]]:
    """The project of `folder`'s pyproject.toml, and the option defaults it gives (by option
    dest); the bundled catalogue and none where it has no [tool.ormbench]."""
    path = folder / "pyproject.toml"
    if not path.is_file():
        return Project(), {}
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {}).get("ormbench")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BenchError(f"{path}: not readable TOML: {exc}") from None
    if table is None:
        return Project(), {}
    known = {**PROJECT_KEYS, **{k: kind for k, (_, kind) in OPTION_KEYS.items()}}
    for key, value in table.items():
        if key not in known:
            raise BenchError(
                f"{path}: unknown key {key!r} in [tool.ormbench] (known: {', '.join(known)})"
            )
        wanted = known[key]
        kinds = (int, float) if wanted is float else (wanted,)
        if not isinstance(value, kinds) or isinstance(value, bool):
            raise BenchError(f"{path}: [tool.ormbench] {key} must be a {wanted.__name__}")
    if "dataset" in table and "settings" not in table:
        raise BenchError(f"{path}: [tool.ormbench] dataset needs settings (your project's)")
    project = Project(table.get("settings"), table.get("dataset"), str(folder.resolve()))
    options = {dest: table[key] for key, (dest, _) in OPTION_KEYS.items() if key in table}
    if "results" in options:
        options["results"] = Path(options["results"])
    if "threshold" in options:
        options["threshold"] = float(options["threshold"])
    return project, options

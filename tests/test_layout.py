"""The package reads as the architecture: each folder says what it may import, and holds to it.

A folder's `__init__` docstring ends with a line `May import: ...` naming the folders (and, as
`ormbench`, the shared top-level modules) its modules may import at run time, besides
themselves and the standard library. Type-only imports (`if TYPE_CHECKING:`) do not count.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "ormbench"
# the entry layer, which may import anything
ENTRY = {"ormbench.cli", "ormbench.__main__", "ormbench.commands", "ormbench.pytest_plugin"}
MODULES_PER_FOLDER = 12
LINES_PER_MODULE = 400
LINES_PER_FUNCTION = 60


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _source_files() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts]


def _all_files() -> list[Path]:
    """Migrations included: the rules on size and imports are for written code, a vendor
    branch is knowledge in the wrong room wherever it stands."""
    return list(PACKAGE.rglob("*.py"))


MODULES = {_name(p): p for p in _source_files()}
FOLDERS = sorted({_name(p.parent / "__init__.py") for p in _source_files()} - {"ormbench"})
STAGES = [f for f in FOLDERS if f.count(".") == 1 and f not in ENTRY]  # ormbench.<stage>


def _docstring(folder: str) -> str:
    return ast.get_docstring(ast.parse(MODULES[folder].read_text())) or ""


# A folder without rules of its own (a scenario group, history/) follows its parent's.
RULED = [f for f in FOLDERS if "May import:" in _docstring(f)]


def _resolve(name: str) -> str | None:
    """The module an import names (`from a.b import c` may name module a.b.c or a name in a.b)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _runtime_imports(path: Path) -> set[str]:
    """Every ormbench module `path` imports when it runs, at the top or inside a function."""
    tree = ast.parse(path.read_text())
    type_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for stmt in block.body
        for node in ast.walk(stmt)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found |= {m for n in names if n.startswith("ormbench") and (m := _resolve(n))}
    return found - {_name(path)}


def _folder_of(module: str) -> str:
    """The deepest folder with rules holding `module`."""
    candidates = [f for f in RULED if module == f or module.startswith(f + ".")]
    return max(candidates, key=len) if candidates else "ormbench"


def _rules(folder: str) -> list[str]:
    found = re.search(r"May import:(.*?)(?:\n\n|$)", _docstring(folder), re.S)
    assert found, f"{folder}/__init__.py does not say what it may import"
    return re.findall(r"ormbench(?:\.\w+)*", re.sub(r"\([^)]*\)", "", found.group(1)))


def _allowed(importer: str, target: str) -> bool:
    folder = _folder_of(importer)
    if folder in ENTRY or importer in ENTRY or target.startswith(folder + "."):
        return True
    if folder == "ormbench" and _folder_of(target) == "ormbench":
        return True  # the shared top-level modules among themselves
    for rule in _rules(folder) if folder != "ormbench" else []:
        if rule == "ormbench":
            if _folder_of(target) == "ormbench":
                return True
        elif target == rule or target.startswith(rule + "."):
            return True
    return False


def test_every_stage_says_what_it_holds_and_what_it_may_import() -> None:
    assert {"ormbench.declare", "ormbench.worker", "ormbench.parent"} <= set(STAGES)
    for folder in FOLDERS:
        assert _docstring(folder), f"{folder}/__init__.py has no docstring"
    for stage in STAGES:
        assert _rules(stage), stage


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_import_runs_against_the_flow(module: str) -> None:
    wrong = [t for t in sorted(_runtime_imports(MODULES[module])) if not _allowed(module, t)]
    assert not wrong, f"{module} ({_folder_of(module)}) may not import {wrong}"


def test_no_import_circles() -> None:
    graph = {m: _runtime_imports(p) for m, p in MODULES.items()}
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            raise AssertionError(" -> ".join([*path[path.index(module) :], module]))
        if module in done:
            return
        for target in sorted(graph[module]):
            if not module.startswith(target + "."):  # a package's own parents load first
                visit(target, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])


def test_folders_and_modules_stay_small() -> None:
    for folder in FOLDERS + ["ormbench"]:
        here = MODULES[folder].parent
        modules = [p for p in here.glob("*.py") if p.name != "__init__.py"]
        assert len(modules) <= MODULES_PER_FOLDER, f"{folder}: {len(modules)} modules"
    long = {
        m: n
        for m, p in MODULES.items()
        if (n := len(p.read_text().splitlines())) > LINES_PER_MODULE
    }
    assert not long, f"modules over {LINES_PER_MODULE} lines: {long}"
    functions = {
        f"{m}.{node.name}": length
        for m, p in MODULES.items()
        for node in ast.walk(ast.parse(p.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (length := node.end_lineno - node.lineno + 1) > LINES_PER_FUNCTION  # type: ignore[operator]
    }
    assert not functions, f"functions over {LINES_PER_FUNCTION} lines: {functions}"


def test_no_vendor_branch_outside_the_backends() -> None:
    branch = re.compile(r"vendor\s*(==|!=|in)\s*[\"'(]")
    found = [
        f"{p.relative_to(ROOT)}:{i}"
        for p in _all_files()
        if "servers" not in p.relative_to(PACKAGE).parts
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if branch.search(line)
    ]
    assert not found, f"vendor branches outside ormbench/servers/: {found}"

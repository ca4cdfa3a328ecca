"""The declaration API: a scenario times a naive variant against optimized ones.

A scenario module in `scenarios/` builds one `Scenario` and decorates its variants::

    fk = Scenario("fk_access", sizes=(10, 100, 1000))

    @fk.naive(queries=lambda n: n + 1)
    def lazy_loop(n):
        \"\"\"One SELECT for the books, then one per author.\"\"\"
        return [(b.title, b.author.name) for b in Book.objects.all()[:n]]

    @fk.optimized(queries=1)
    def select_related(n): ...

The module docstring labels the scenario and each variant's docstring labels the variant: the
report prints them, there is no separate description. Variants return plain data and do no setup;
the harness checks every variant against the naive one and its declared query count before it
times anything. Importing a scenario module must not touch the database.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Literal

from ormbench import project
from ormbench.dataset.scales import SCALES
from ormbench.declare.requires import ANYWHERE, Requires
from ormbench.errors import BenchError
from ormbench.results import wrong_by_design

QueryCount = int | Callable[[int], int]
QuerySpec = QueryCount | Mapping[str, Any]
"""An exact count, a function of n, or a mapping from a mode or vendor to a QuerySpec, with a
"default" (`{"request": ..., "default": {"sqlite": ..., "default": ...}}`).

Counts are what Django logs, transaction control included: outside a transaction, every
bulk_create(), bulk_update(), delete() and m2m add() is wrapped in BEGIN ... COMMIT."""


@dataclass(frozen=True)
class Observed:
    """What a variant returns when it also measures something about its own call that is not
    its answer (a writer thread's worst stall during a migration): `result` is checked like any
    result; `figures` are stored and shown beside the time, never compared (they differ by
    variant, which is the point). The last timed round's are kept (it ran without probes or
    proxy); one given as a function is read after the checked call (a replica's lag, polled)."""

    result: Any
    figures: dict[str, Any]


Role = Literal["naive", "optimized"]
Mode = Literal["autocommit", "request"]
"""How a writing variant's statements commit: each on its own, as in a view without
ATOMIC_REQUESTS, or all at the end of one request transaction (timed, commit included)."""

MODE_NOTES: dict[str | None, str] = {
    None: "",
    "autocommit": " (autocommit: each statement commits)",
    "request": " (in one request transaction, COMMIT timed)",
}

Sizes = tuple[int, ...] | Mapping[str, tuple[int, ...]]
"""The n a scenario runs at: the same at every scale, or per scale name."""

DEFAULT_SIZES: Mapping[str, tuple[int, ...]] = {
    "xs": (10, 100),
    "s": (10, 100, 1000),
    "m": (10, 100, 1000),
    "l": (10, 100, 1000),
}

_REGISTRY: dict[str, Scenario] = {}


@dataclass(frozen=True)
class Correct:
    """How a scenario's variants are held correct. Always: each variant's result and its effect
    on every table it wrote (`ormbench.worker.probes.effect`) against the reference's; what
    follows adds to that or names the reference.

    reference: the variant every other one must match in result, effect and recorded figures;
             None means the naive one. Name another only when the naive variant is wrong by
             design (a race that loses updates): the naive is then held against nothing, is no
             baseline for speedups, and reports its correctness figures instead of a speedup.
    state:   reads what a writing variant left behind, so that variants can be checked equal by
             their effect rather than their return value; runs inside the variant's transaction,
             after it, and its queries are not counted.
    record:  record(n, result): correctness figures from what a variant did and returned (lost
             updates, wrong counts); kept as `recorded`, held like the result to the reference's.
    unordered: results are compared as multisets (the order is not part of the answer).
    constant_result: why the reference returns the same thing at every n, where it does; without
             it such a scenario is refused, since its check could not fail.
    """

    reference: str | None = None
    state: Callable[[int], Any] | None = None
    record: Callable[[int, Any], dict[str, Any]] | None = None
    unordered: bool = False
    constant_result: str = ""


RESULT_AND_EFFECT = Correct()  # the default: the naive variant is the reference

Around = Callable[[], AbstractContextManager[Any]] | None
"""What a variant needs running or ready beside its calls (a writer busy on the primary, a pool
a server opens once): entered around each block of its calls, outside any timing; threads it
starts are the case's, whose instructions are not counted."""


@dataclass(frozen=True)
class Variant:
    scenario: str
    name: str
    role: Role
    fn: Callable[[int], Any]
    queries: QuerySpec
    applies: Requires = ANYWHERE  # the scenario's requirements with the variant's own
    around: Around = None

    @property
    def label(self) -> str:
        return inspect.getdoc(self.fn) or self.name

    @property
    def source(self) -> str:
        return inspect.getsource(self.fn)

    def expected_queries(self, n: int, vendor: str, mode: str | None = None) -> int:
        spec: Any = self.queries
        while isinstance(spec, Mapping):
            key = next((k for k in (mode, vendor, "default") if k in spec), None)
            if key is None:
                raise KeyError(f"{self.scenario}/{self.name} declares no query count for {vendor}")
            spec = spec[key]
        return int(spec(n)) if callable(spec) else int(spec)


@dataclass
class Scenario:
    """One ORM pattern. Give it a unique name; sizes are the n each variant is called with.

    sizes:   the n each variant is called with, the same at every scale or per scale name.
    n_of:    the table n counts rows of (a `Scale` field: "books", "authors", "reviews"); a size
             above what that table holds at some scale is an error here, never a silent cap.
             None: n is not bounded by the data (rows the variants create).
    effect_from: the smallest scale at which the pattern's effect shows (an index over a table
             too small to matter shows nothing); recorded with the results and the report.
    writes:  variants change rows. They commit as production code does, and the harness puts
             every table they wrote back after each call, outside the timed region.
    modes:   for writing scenarios, how the variant's statements commit: "autocommit" (each on
             its own) and/or "request" (inside one transaction.atomic(), timed with its COMMIT,
             as under ATOMIC_REQUESTS). Each mode is its own benchmark family, named
             `scenario@mode` for every mode but the first.
    correct: how variants are held correct beyond their result and effect (`Correct`: the
             reference, the state or figures to compare, unordered results).
    explain: returns the QuerySet whose `explain()` output is stored with the results.
    applies: where the scenario runs (`Requires`: vendors, connection features, Django
             releases, scales, a replica); a variant may narrow it. Elsewhere its cases are
             skipped with the reason.
    memory:  peak Python memory is part of the point (iterator, wide rows): each variant gets
             one more call under tracemalloc, outside the timing. Elsewhere it is not measured.
    undo_schema: for a scenario whose variants change the schema (a migration adding an index):
             undoes that after every call, outside the timing; the schema, like the rows, must
             be as found after the scenario (`ormbench.worker.state.isolation`).
    """

    name: str
    sizes: Sizes = field(default_factory=lambda: dict(DEFAULT_SIZES))
    n_of: str | None = "books"
    effect_from: str = "xs"
    writes: bool = False
    modes: tuple[Mode, ...] = ("autocommit",)
    correct: Correct = RESULT_AND_EFFECT
    explain: Callable[[int], Any] | None = None
    applies: Requires = ANYWHERE
    memory: bool = False
    undo_schema: Callable[[], None] | None = None
    variants: list[Variant] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.name in _REGISTRY:
            raise ValueError(f"duplicate scenario name {self.name!r}")
        if not set(self.applies.scales or ()) <= set(SCALES):
            raise ValueError(f"scenario {self.name!r}: unknown scale in {self.applies}")
        if self.effect_from not in SCALES:
            raise ValueError(f"scenario {self.name!r}: no scale {self.effect_from!r} (effect_from)")
        if not self.modes or not set(self.modes) <= {"autocommit", "request"}:
            raise ValueError(f"scenario {self.name!r}: modes are 'autocommit' and/or 'request'")
        for scale in SCALES.values():
            sizes = self.sizes_at(scale.name)
            if len(sizes) < 2:
                raise ValueError(
                    f"scenario {self.name!r} needs two or more sizes at {scale.name} to show growth"
                )
            # the bookshop's tables: a user's project sizes its own data (`ormbench.project`)
            external = project.current().external
            rows = getattr(scale, self.n_of) if self.n_of and not external else None
            if rows is not None and max(sizes) > rows:
                raise ValueError(
                    f"scenario {self.name!r}: n={max(sizes)} at scale {scale.name}, where there "
                    f"are {rows} {self.n_of}: declare sizes per scale"
                )
        _REGISTRY[self.name] = self

    def sizes_at(self, scale: str) -> tuple[int, ...]:
        if isinstance(self.sizes, Mapping):
            return tuple(self.sizes[scale])
        return tuple(self.sizes)

    def family(self, mode: Mode | None) -> str:
        """The name its benchmarks go by in one mode: the first mode keeps the plain name."""
        if mode is None or mode == self.modes[0]:
            return self.name
        return f"{self.name}@{mode}"

    def label_in(self, mode: Mode | None) -> str:
        """The label, saying how its writes committed."""
        return self.label + MODE_NOTES[mode]

    @property
    def run_modes(self) -> tuple[Mode | None, ...]:
        """Modes this scenario is timed in (None: it only reads, commits do not apply)."""
        return self.modes if self.writes else (None,)

    @property
    def module(self) -> str:
        return self.variants[0].fn.__module__ if self.variants else ""

    @property
    def doc(self) -> str:
        """The scenario module's docstring: its first paragraph is the label."""
        return inspect.getdoc(sys.modules[self.module]) or self.name

    @property
    def label(self) -> str:
        return " ".join(self.doc.split("\n\n")[0].split())

    @property
    def naive_variant(self) -> Variant:
        return next(v for v in self.variants if v.role == "naive")

    @property
    def reference_variant(self) -> Variant:
        """The variant whose result and effect are the right ones (the naive, unless declared)."""
        if self.correct.reference is None:
            return self.naive_variant
        return next(v for v in self.variants if v.name == self.correct.reference)

    def naive(
        self, *, queries: QuerySpec, around: Around = None
    ) -> Callable[[Callable[[int], Any]], Callable[[int], Any]]:
        if any(v.role == "naive" for v in self.variants):
            raise ValueError(f"scenario {self.name!r} already has a naive variant")
        return self._register("naive", queries, ANYWHERE, around)

    def optimized(
        self,
        *,
        queries: QuerySpec,
        applies: Requires = ANYWHERE,
        around: Around = None,
    ) -> Callable[[Callable[[int], Any]], Callable[[int], Any]]:
        """An optimized variant; `applies` narrows where it runs within the scenario."""
        return self._register("optimized", queries, applies, around)

    def _register(
        self, role: Role, queries: QuerySpec, applies: Requires, around: Around
    ) -> Callable[[Callable[[int], Any]], Callable[[int], Any]]:
        def decorate(fn: Callable[[int], Any]) -> Callable[[int], Any]:
            if any(v.name == fn.__name__ for v in self.variants):
                raise ValueError(f"duplicate variant {fn.__name__!r} in {self.name!r}")
            self.variants.append(
                Variant(
                    self.name,
                    fn.__name__,
                    role,
                    fn,
                    queries,
                    applies.under(self.applies),
                    around,
                )
            )
            return fn

        return decorate


@dataclass(frozen=True, repr=False)
class Case:
    """One benchmark: a variant of a scenario at one n, in one mode if it writes."""

    scenario: Scenario
    variant: Variant
    n: int
    mode: Mode | None = None

    def __repr__(self) -> str:
        # pytest-benchmark stores parameters by repr: the id is all a reader needs.
        return self.id

    @property
    def family(self) -> str:
        return self.scenario.family(self.mode)

    @property
    def id(self) -> str:
        return case_id(self.family, self.variant.name, self.n)

    @property
    def wrong_by_design(self) -> bool:
        """A naive variant of a scenario with a reference: it shows what goes wrong (lost
        updates, say), so it is neither held against the reference nor a baseline."""
        return wrong_by_design(
            self.variant.role, self.variant.name, self.scenario.correct.reference
        )

    def call(self, fn: Callable[[int], Any] | None = None) -> Callable[[int], Any]:
        """What is timed: the variant (or `fn`), inside a request transaction in that mode."""
        target = fn or self.variant.fn
        if self.mode != "request":
            return target

        def in_request(n: int) -> Any:
            from django.db import transaction

            with transaction.atomic():
                return target(n)

        return in_request


DEFAULT_PACKAGES = ("ormbench.catalogue.scenarios",)


def case_id(family: str, variant: str, n: int) -> str:
    """A case's name, as the worker's pytest items and the parent's counting plan know it."""
    return f"{family}-{variant}-n{n}"


def discover(packages: Sequence[str] = DEFAULT_PACKAGES) -> dict[str, Scenario]:
    """Import every module of the given packages and return their scenarios by name."""
    for package in packages:
        try:
            pkg = importlib.import_module(package)
        except ModuleNotFoundError:
            raise BenchError(f"no scenario package {package!r} on the Python path") from None
        for info in pkgutil.walk_packages(pkg.__path__, prefix=f"{package}."):
            if info.name not in sys.modules:
                try:
                    importlib.import_module(info.name)
                except ValueError as exc:  # a declaration the Scenario refused
                    raise BenchError(f"{info.name}: {exc}") from None
    found = {
        name: s
        for name, s in _REGISTRY.items()
        if any(s.module.startswith(f"{package}.") for package in packages)
    }
    for scenario in found.values():
        problem = _declaration_problem(scenario)
        if problem:
            raise BenchError(f"{scenario.module}: scenario {scenario.name!r} {problem}")
    return dict(sorted(found.items()))


def _declaration_problem(scenario: Scenario) -> str | None:
    """What is wrong with a scenario's variants, once its module is imported. In a user's
    project a lone naive variant is a single benchmark (timed, its queries and effect held to
    its declaration); the bundled catalogue always compares."""
    if not any(v.role == "naive" for v in scenario.variants):
        return "has no naive variant"
    if len(scenario.variants) < 2 and not project.current().external:
        return "has nothing to compare its naive with"
    reference = scenario.correct.reference
    if reference is not None and reference not in {v.name for v in scenario.variants}:
        return f"has no variant {reference!r} (its reference)"
    return None


def cases(scenarios: Mapping[str, Scenario], scale: str, flip: bool = False) -> list[Case]:
    """Every (scenario, mode, n, variant) at this scale's sizes.

    The variants of a scenario take turns going first: declared order at its first size,
    reversed at the next, and so on (`flip` starts reversed, as every other process of a
    comparison does), so that drift within a run weighs on naive and optimized alike.
    """
    return [
        Case(scenario, variant, n, mode)
        for scenario in scenarios.values()
        for mode in scenario.run_modes
        for i, n in enumerate(scenario.sizes_at(scale))
        for variant in (scenario.variants[::-1] if (i % 2 == 1) != flip else scenario.variants)
    ]

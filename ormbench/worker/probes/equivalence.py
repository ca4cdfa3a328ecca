"""Strict comparison of what two variants returned, naming the first difference.

Python's `==` is too forgiving for a benchmark's correctness check: `True == 1`,
`Decimal("2.5") == 2.5`, and two model instances are equal when their primary keys are, whatever
their other fields hold. Here types must match exactly, sequences are compared in order (unless
the scenario declares its results unordered), and model instances by every concrete field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

SHOWN = 120  # characters of a value shown in a difference; the run file keeps the full text


def first_difference(
    expected: Any,
    actual: Any,
    *,
    unordered: bool = False,
    names: tuple[str, str] = ("naive", "variant"),
    path: str = "result",
) -> str | None:
    """None when `actual` is strictly the same as `expected`, else where and how it differs,
    naming the two sides as `names` says."""
    expected, actual = plain(expected), plain(actual)
    if unordered:
        expected, actual = _sorted(expected), _sorted(actual)
    return _Differ(*names).diff(expected, actual, path)


def plain(value: Any) -> Any:
    """The value with model instances spelled out as (model, every concrete field's value)."""
    meta = getattr(value, "_meta", None)
    if meta is not None and hasattr(meta, "concrete_fields"):
        fields = tuple((f.attname, plain(getattr(value, f.attname))) for f in meta.concrete_fields)
        return _Instance(meta.label, fields)
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # values_list(named=True)
        return type(value)(*(plain(v) for v in value))
    if isinstance(value, list | tuple):
        return type(value)(plain(v) for v in value)
    if isinstance(value, set | frozenset):
        return type(value)(plain(v) for v in value)
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    return value


class _Instance(tuple):  # type: ignore[type-arg]
    """A model instance as its label and field values, so a wrong field is a difference."""

    def __new__(cls, label: str, fields: tuple[tuple[str, Any], ...]) -> _Instance:
        return super().__new__(cls, (label, fields))

    def __repr__(self) -> str:
        label, fields = self
        return f"<{label} {', '.join(f'{k}={v!r}' for k, v in fields)}>"


class _Differ:
    """Walks two plain values side by side; `a` and `b` name the sides in what it says."""

    def __init__(self, a: str, b: str) -> None:
        self.a, self.b = a, b

    def diff(self, expected: Any, actual: Any, path: str) -> str | None:
        if type(expected) is not type(actual):
            return (
                f"{path}: {self.a} {_show(expected)} ({type(expected).__name__}), "
                f"{self.b} {_show(actual)} ({type(actual).__name__})"
            )
        if isinstance(expected, _Instance):
            for (name, want), (_, got) in zip(expected[1], actual[1], strict=True):
                found = self.diff(want, got, f"{path}.{name}")
                if found:
                    return f"{found} (in {expected[0]})"
            return None
        if isinstance(expected, list | tuple):
            for index, (want, got) in enumerate(zip(expected, actual, strict=False)):
                here = f"{path}[{index}]"
                found = self.diff(want, got, here)
                if (
                    found
                    and isinstance(want, list | tuple | dict)
                    and not isinstance(want, _Instance)
                ):
                    # the whole item reads better than its innermost part; say where it differs
                    where = found.split(":", 1)[0]
                    shown = f"{self.a} {_show(want)}, {self.b} {_show(got)}"
                    return f"{here}: {shown} (differs at {where})"
                if found:
                    return found
            if len(expected) != len(actual):
                index = min(len(expected), len(actual))
                extra = expected[index] if len(expected) > index else actual[index]
                side = self.a if len(expected) > index else self.b
                return (
                    f"{path}: {self.a} has {len(expected)} items, {self.b} {len(actual)}; "
                    f"first unmatched [{index}] only in {side}: {_show(extra)}"
                )
            return None
        if isinstance(expected, dict):
            for key in sorted(set(expected) | set(actual), key=repr):
                if key not in expected or key not in actual:
                    side = self.a if key in expected else self.b
                    return f"{path}[{key!r}]: only in {side}"
                found = self.diff(expected[key], actual[key], f"{path}[{key!r}]")
                if found:
                    return found
            return None
        if isinstance(expected, set | frozenset):
            return (
                self.diff(_sorted(list(expected)), _sorted(list(actual)), path)
                if expected != actual
                else None
            )
        if expected != actual and not (
            expected != expected and actual != actual
        ):  # NaN == NaN here
            return f"{path}: {self.a} {_show(expected)}, {self.b} {_show(actual)}"
        return None


def _sorted(value: Any) -> Any:
    """An unordered result in a canonical order (by repr: values of mixed types sort too)."""
    if isinstance(value, list | tuple):
        return type(value)(sorted(value, key=repr))
    return value


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= SHOWN else f"{text[: SHOWN - 3]}..."


def refuse_lazy(scenario: str, fn: Callable[[int], Any], result: Any) -> None:
    """A variant must return plain data: a lazy QuerySet would be evaluated outside its timing."""
    from django.db.models.query import QuerySet

    if isinstance(result, QuerySet):
        raise TypeError(
            f"{scenario}/{fn.__name__} returned a lazy QuerySet: "
            "return plain data (a list) so that it is evaluated and timed"
        )

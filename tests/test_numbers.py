"""How durations read: three significant digits in a unit, never exponent notation."""

from __future__ import annotations

import pytest

from ormbench.present.numbers import linear, ratio, seconds


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0.0000012, "1.2 µs"), (0.00125, "1.25 ms"), (12.5, "12.5 s"), (1090.4, "1090 s")],
)
def test_durations_read_in_units(value: float, shown: str) -> None:
    assert seconds(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"), [(1070.4, "1 070x"), (12.74, "12.7x"), (0.6412, "0.641x"), (1.0, "1x")]
)
def test_ratios_never_read_in_exponent_notation(value: float, shown: str) -> None:
    assert ratio(value) == shown


@pytest.mark.parametrize(
    ("fixed", "per_n", "shown"),
    [(3, -7.92e-18, "3"), (3.07e-14, 1.0, "n"), (1, 1, "1 + n"), (2, 0.5, "2 + 0.5·n"),
     (0, 0, "0"), (1, -9.89e-20, "1")],
)  # fmt: skip
def test_a_fitted_count_reads_as_a_reader_writes_it(fixed: float, per_n: float, shown: str) -> None:
    assert linear(fixed, per_n) == shown

"""How durations read: three significant digits in a unit, never exponent notation."""

from __future__ import annotations

import pytest

from ormbench.present.numbers import seconds


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0.0000012, "1.2 µs"), (0.00125, "1.25 ms"), (12.5, "12.5 s"), (1090.4, "1090 s")],
)
def test_durations_read_in_units(value: float, shown: str) -> None:
    assert seconds(value) == shown

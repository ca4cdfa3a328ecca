"""The one test function the plugin parametrizes over every selected case."""

from __future__ import annotations

from typing import Any

import pytest

from ormbench.declare.scenario import Case
from ormbench.worker.measure import Harness


def test_case(benchmark: Any, harness: Harness, case: Case) -> None:
    reason = harness.unsupported_reason(case)
    if reason:
        pytest.skip(reason)
    harness.measure(benchmark, case)

"""Pure functions over measured figures: naive against optimized, run A against run B."""

from __future__ import annotations

import math
from collections.abc import Sequence


def crossover(
    ns: Sequence[int], naive: Sequence[float], optimized: Sequence[float]
) -> float | None:
    """The n where the optimized variant starts (or stops) beating the naive one.

    Times are interpolated linearly in log-log space between the two measured sizes around the
    first sign change of log(naive / optimized); None when one side wins at every size.
    """
    points = list(zip(ns, naive, optimized, strict=True))
    for (n0, a0, b0), (n1, a1, b1) in zip(points, points[1:], strict=False):
        d0, d1 = math.log(a0 / b0), math.log(a1 / b1)
        if d0 == 0:
            return float(n0)
        if d0 * d1 < 0:
            t = d0 / (d0 - d1)
            return math.exp(math.log(n0) + t * (math.log(n1) - math.log(n0)))
    return None

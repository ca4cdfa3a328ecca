"""How numbers read, everywhere the suite shows them."""

from __future__ import annotations


def seconds(value: float) -> str:
    """A duration with a unit that keeps three significant digits."""
    if value >= 1000:
        return f"{value:.0f} s"  # .3g would print 1.09e+03
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value / 1e-9:.3g} ns"


def clock(value: float) -> str:
    """Elapsed or remaining time as m:ss, for progress lines."""
    minutes, rest = divmod(round(value), 60)
    return f"{minutes}:{rest:02d}"


def ratio(value: float) -> str:
    return f"{value:.3g}x"


def size(n_bytes: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.3g} {unit}"
    return f"{n_bytes:.0f} B"

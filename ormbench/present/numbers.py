"""How numbers read, everywhere the suite shows them."""

from __future__ import annotations

import math


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
    """ "12.7x", "10x", "1 070x": three significant digits, thousands apart, never exponent
    notation."""
    return f"{value:,.0f}x".replace(",", " ") if abs(value) >= 1000 else f"{value:.3g}x"


def _plain(value: float) -> str:
    """Three significant digits without exponent notation: 1070, 12.7, 0.0123."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    digits = max(0, 2 - math.floor(math.log10(abs(value))))
    return f"{round(value, digits):.{digits}f}"


def _short(value: float) -> str:
    """Like `_plain`, without trailing zeros: 3, 0.5, 12.7."""
    if isinstance(value, int):
        return str(value)
    return _plain(value).rstrip("0").rstrip(".")


def linear(fixed: float, per_n: float) -> str:
    """A fitted count a + b·n as a reader writes it: "3", "n", "1 + n", "2 + 0.5·n"; a
    coefficient within a millionth of a whole number is that number (a fit's rounding)."""
    terms = []
    a, b = (round(x) if abs(x - round(x)) < 1e-6 else x for x in (fixed, per_n))
    if a:
        terms.append(_short(a))
    if b:
        terms.append("n" if b == 1 else f"{_short(b)}·n")
    return " + ".join(terms).replace("+ -", "- ") or "0"


def size(n_bytes: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.3g} {unit}"
    return f"{n_bytes:.0f} B"


def count(value: float) -> str:
    """An instruction or cycle count, four significant digits: 13.98 M, 812.4 k."""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= scale:
            return f"{value / scale:.4g} {unit}"
    return f"{value:.0f}"


def percent(value: float) -> str:
    """A small relative figure that keeps two significant digits: 0.052%, 1.3%, 14%."""
    shown = value * 100
    return f"{shown:.2g}%" if shown < 10 else f"{shown:.0f}%"

"""One look for every chart: sizes, fonts, colours per database and per variant role."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: no display, no GUI toolkit

import matplotlib.pyplot as plt  # noqa: E402

from ormbench.servers import registry  # noqa: E402

plt.rcParams.update(
    {
        "figure.dpi": 110,
        "savefig.dpi": 110,
        "font.size": 9,
        "axes.titlesize": 11,
        "axes.titleweight": "bold",
        "axes.labelsize": 9,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "legend.fontsize": 8,
        "legend.frameon": False,
    }
)

NAIVE_COLOR = "#c44e52"
OPTIMIZED_COLORS = ["#4c72b0", "#55a868", "#8172b2", "#ccb974", "#64b5cd", "#937860"]
INVALID_COLOR = "#9e9e9e"


def database_color(name: str) -> str:
    """The backend's colour; grey for a database no backend knows (an old run's)."""
    found = registry.BACKENDS.get(name)
    return found.color if found else "#8c8c8c"


def variant_colors(variants: list[str], naive: str) -> dict[str, str]:
    """The naive variant is always red; optimized ones take the palette in order."""
    others = [v for v in variants if v != naive]
    return {
        naive: NAIVE_COLOR,
        **{v: OPTIMIZED_COLORS[i % len(OPTIMIZED_COLORS)] for i, v in enumerate(others)},
    }


def figure(width: float, height: float, margins: dict[str, float] | None = None) -> Any:
    """Laid out by matplotlib's constrained layout, or by fixed margins (fractions of the
    figure) where many charts of one shape are drawn: the layout pass is half a chart's cost."""
    if margins is None:
        return plt.figure(figsize=(width, height), layout="constrained")
    fig = plt.figure(figsize=(width, height))
    fig.subplots_adjust(**margins)
    return fig


def save(fig: Any, path: Path) -> None:
    fig.savefig(path, format="png", facecolor="white")
    plt.close(fig)


def time_axis(axis: Any) -> None:
    """Tick labels in µs, ms or s (numbers.seconds), not seconds with a 10^-3 offset."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    from ormbench.present import numbers

    axis.set_major_formatter(
        FuncFormatter(lambda value, _: numbers.seconds(value) if value > 0 else "0")
    )
    axis.set_minor_formatter(NullFormatter())

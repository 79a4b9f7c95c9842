"""Headless figure rendering: every chart has a title, labelled axes and a one-sentence reading."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SPECIES_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02")
DPI = 80


@dataclass(frozen=True)
class Chart:
    """One rendered chart: a stable key (file name), its title, what it shows in one sentence, PNG bytes."""

    key: str
    title: str
    reading: str
    png: bytes


class UnlabelledChartError(ValueError):
    """A chart axis without a title or an axis label: the report refuses it."""


def pyplot() -> Any:
    """matplotlib's pyplot on the non-interactive Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def colour(index: int) -> str:
    return SPECIES_COLOURS[index % len(SPECIES_COLOURS)]


def check_labelled(fig: Figure, key: str) -> None:
    """Raise when a visible axes with content lacks an x label, a y label or a title (its own or the figure's)."""
    for ax in fig.get_axes():
        if not ax.get_visible() or not ax.has_data() or ax.get_label() == "<colorbar>":
            continue
        missing = [name for name, text in (("x label", ax.get_xlabel()), ("y label", ax.get_ylabel())) if not text]
        if missing:
            raise UnlabelledChartError(f"chart {key!r}: an axes lacks its {' and '.join(missing)}")
    if not fig.get_suptitle():
        raise UnlabelledChartError(f"chart {key!r} has no title")


def finish(fig: Figure, *, key: str, title: str, reading: str) -> Chart:
    """Title the figure, check its labels, render it to PNG and free it."""
    plt = pyplot()
    try:
        fig.suptitle(title, fontsize=12)
        check_labelled(fig, key)
        # tight_layout draws the figure once more; on many-panel grids fixed spacing is ~30 % cheaper.
        if len(fig.get_axes()) > 4:
            fig.subplots_adjust(left=0.08, right=0.98, bottom=0.07, top=0.92, hspace=0.5, wspace=0.4)
        else:
            fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI)
    finally:
        plt.close(fig)
    return Chart(key=key, title=title, reading=reading, png=buffer.getvalue())

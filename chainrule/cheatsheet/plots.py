"""Plot helpers: figures drawn with matplotlib's object API on the Agg canvas.

pyplot is never imported, so building the page neither needs a display nor changes the
backend of a notebook that imports chainrule.cheatsheet.
"""
import os

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

DPI = 120
# One palette for every figure, so a colour means the same thing across the page.
BLUE, ORANGE, GREEN, RED, PURPLE, GREY = ("#2f6db5", "#e08a1e", "#2e9e5b", "#c8453c",
                                          "#7b5ea7", "#8a8f98")
PALETTE = [BLUE, ORANGE, GREEN, RED, PURPLE, GREY]

STYLE = {
    "font.size": 10, "axes.titlesize": 10.5, "axes.titleweight": "bold",
    "axes.labelsize": 10, "legend.fontsize": 8.5, "legend.frameon": False,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
    "grid.color": "#e6e8eb", "grid.linewidth": 0.8, "axes.edgecolor": "#9aa0a6",
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE), "lines.linewidth": 1.8,
    "figure.facecolor": "white", "axes.facecolor": "white",
}


def style():
    """A context in which figures are drawn in the page's style (rc settings restored after)."""
    return matplotlib.rc_context(STYLE)


def figure(ncols=1, nrows=1, width=10.0, height=3.3, **subplot_kw):
    """A constrained-layout Figure and its axes (a flat list); draw inside ``style()``."""
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False, **subplot_kw).ravel().tolist()
    return fig, axes


def save(fig, out_dir, name):
    """Write ``fig`` as ``out_dir/name`` (PNG, no timestamp so rebuilds are identical)."""
    fig.savefig(os.path.join(out_dir, name), dpi=DPI, metadata={"Software": None})
    fig.clear()
    return name


def panel_label(ax, letter):
    """Prefix the panel's title with its (a), (b), ... tag, which the captions refer to."""
    ax.set_title(f"({letter})  {ax.get_title()}")

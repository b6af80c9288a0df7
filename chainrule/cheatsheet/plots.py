"""Plot helpers: figures drawn with matplotlib's object API on the Agg canvas.

pyplot is never imported, so building the page neither needs a display nor changes the
backend of a notebook that imports chainrule.cheatsheet.
"""
import os

import matplotlib
import numpy as np
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
    """Write ``fig`` as ``out_dir/name`` (PNG, no timestamp so rebuilds are identical).

    Raises ValueError first if a legend covers plotted data or a curve leaves its axes (see
    ``layout_problems``): a plot that hides its own data is a bug of the page.
    """
    problems = layout_problems(fig)
    if problems:
        raise ValueError(f"cheatsheet: plot {name}: " + "; ".join(problems))
    # The check laid the figure out already; keeping that layout saves a second pass.
    fig.set_layout_engine("none")
    fig.savefig(os.path.join(out_dir, name), dpi=DPI, metadata={"Software": None})
    fig.clear()
    return name


def panel_label(ax, letter):
    """Prefix the panel's title with its (a), (b), ... tag, which the captions refer to."""
    ax.set_title(f"({letter})  {ax.get_title()}")


def allow_clipping(ax, reason):
    """Let curves in ``ax`` run past its limits on purpose (``reason`` documents why)."""
    ax._cheatsheet_clipping_allowed = reason


def layout_problems(fig, samples=24):
    """What hides data in ``fig``: legends over plotted points or lines, curves cut off.

    Lays the figure out (no rasterizing) and samples every line segment, scatter point and
    text written on the axes in display coordinates. A legend that covers any of them is moved to the first clear spot
    inside its axes (its own placement is tried first); one with no clear spot is reported.
    For axes not marked by ``allow_clipping``, data lines with points outside the limits are
    reported. Returns a list of sentences, empty when the plot shows all its data.
    """
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    points = _drawn_points(fig, renderer, samples)
    problems = []
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is not None and not _place_clear(legend, renderer, points):
            problems.append(f"no spot inside '{ax.get_title()}' where its legend leaves the "
                            "data clear: shorten it or move it out of the axes")
    for ax in fig.axes:
        if getattr(ax, "_cheatsheet_clipping_allowed", None):
            continue
        (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
        for line in ax.get_lines():
            if line.get_transform() is not ax.transData or not len(line.get_xydata()):
                continue  # axhline/axvline and the like span the axes by construction
            x, y = line.get_xydata().T
            finite = np.isfinite(x) & np.isfinite(y)
            out = finite & ((y < y0) | (y > y1) | (x < x0) | (x > x1))
            if out.any():
                problems.append(f"'{ax.get_title()}': {out.sum()} points of "
                                f"{line.get_label()} lie outside the axes")
    return problems


def _drawn_points(fig, renderer, samples):
    # (label, display xy) of everything drawn as data, lines sampled along their segments,
    # keeping only what is visible inside its own axes.
    points = []
    for ax in fig.axes:
        clip = ax.get_window_extent(renderer)
        name = ax.get_title() or "axes"
        for line in ax.get_lines():
            xy = line.get_xydata()
            if len(xy) == 0 or not line.get_visible():
                continue
            if len(xy) > 1 and line.get_linestyle() not in ("None", "", " "):
                t = np.linspace(0, 1, samples, endpoint=False)[None, :, None]
                xy = np.vstack([(xy[:-1, None, :] * (1 - t) + xy[1:, None, :] * t)
                                .reshape(-1, 2), xy[-1:]])
            shown = line.get_transform().transform(xy)
            points.append((f"{name} / {line.get_label()}", shown[_in_box(shown, clip)]))
        for text in ax.texts:  # annotations written on the plot count as content too
            if text.get_visible() and text.get_text():
                b = text.get_window_extent(renderer)
                grid = np.stack(np.meshgrid(np.linspace(b.x0, b.x1, 5),
                                            np.linspace(b.y0, b.y1, 3)), -1).reshape(-1, 2)
                points.append((f"{name} / text {text.get_text()!r}", grid))
        for coll in ax.collections:
            offsets = coll.get_offsets()
            if type(coll).__name__ == "PathCollection" and len(offsets):
                shown = coll.get_offset_transform().transform(offsets)
                points.append((f"{name} / points", shown[_in_box(shown, clip)]))
    return points


_ANCHORS = [("upper right" if x > 0.9 else "upper left" if x < 0.1 else "upper center",
             (x, y)) for y in np.linspace(0.98, 0.1, 12) for x in np.linspace(0.98, 0.02, 9)]


def _place_clear(legend, renderer, points):
    # The legend's own place first, then a grid of spots from the top down: the first whose
    # box covers no drawn point wins. Moving a legend inside its axes changes no layout.
    frame = legend.axes.get_window_extent(renderer)

    def clear():
        box = legend.get_window_extent(renderer)
        within = (box.x0 >= frame.x0 - 1 and box.x1 <= frame.x1 + 1
                  and box.y0 >= frame.y0 - 1 and box.y1 <= frame.y1 + 1)
        return within and not any(_in_box(xy, box, margin=2).any() for _, xy in points)

    if clear():
        return True
    for loc, anchor in _ANCHORS:
        if hasattr(legend, "set_loc"):
            legend.set_loc(loc)
        else:  # matplotlib before 3.8
            legend._loc = legend.codes[loc]
        legend.set_bbox_to_anchor(anchor, transform=legend.axes.transAxes)
        if clear():
            return True
    return False


def _in_box(xy, box, margin=0.0):
    return ((xy[:, 0] > box.x0 - margin) & (xy[:, 0] < box.x1 + margin)
            & (xy[:, 1] > box.y0 - margin) & (xy[:, 1] < box.y1 + margin))

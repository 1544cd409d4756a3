"""The shared look of every figure, and byte-identical saving.

The book's matplotlib figures use ``#2A6EA6`` for the first line and
``#FFA933`` for the second, with a grid on. Figures are saved with the Agg
backend, a fixed font, and no date or version in the metadata, so a rebuild
gives the same bytes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from ..io import atomic_path  # noqa: E402

BLUE = "#2A6EA6"
ORANGE = "#FFA933"
GREEN = "#3A9A3A"
RED = "#C0392B"
GREY = "#777777"
COLORS = [BLUE, ORANGE, GREEN, RED, "#8E44AD", GREY]

RC = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.grid": True,
    "axes.prop_cycle": matplotlib.cycler(color=COLORS),
    "savefig.dpi": 100,
    "svg.hashsalt": "nnsci",
    "path.simplify": False,
}
plt.rcParams.update(RC)

# Metadata that would change between builds is left out.
PNG_METADATA = {"Software": None}


def checkerboard(shape, colors=("w", "b")):
    """valley.py's facecolours: ``colors[(i + j) % 2]`` for each facet (i, j)."""
    import numpy as np

    i, j = np.indices(shape)
    return np.array(colors)[(i + j) % 2]


def new_figure(*args, **kwargs):
    """``plt.subplots`` under the shared style."""
    with plt.rc_context(RC):
        return plt.subplots(*args, **kwargs)


def save(fig, out, **kwargs):
    """Save ``fig`` to ``out`` atomically and byte-reproducibly, then close it."""
    with atomic_path(out) as tmp:
        fmt = str(out).rsplit(".", 1)[-1].lower()
        meta = PNG_METADATA if fmt == "png" else {"Creator": None} if fmt == "pdf" else None
        fig.savefig(tmp, format=fmt, metadata=meta, **kwargs)
    plt.close(fig)


def plot_function(out, z, y, title, xlim, ylim, yticks, xticks=None, xlabel="z", figsize=(5.2, 3.6)):
    """One function y(z) in the book's blue, on fixed axes (tanh, ReLU, sigma' ...)."""
    fig, ax = new_figure(figsize=figsize)
    ax.plot(z, y, color=BLUE)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    if xticks is not None:
        ax.set_xticks(xticks)
    ax.set_yticks(yticks)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    fig.tight_layout()
    save(fig, out)


def animate(out, steps, draw, duration_ms=40, reuse=False):
    """An animated GIF with one frame per step: ``draw(step)`` returns the figure to render. A new
    figure per frame is closed once rendered; ``reuse``: draw updates one figure, closed at the end."""
    frames, fig = [], None
    for step in steps:
        fig = draw(step)
        frames.append(canvas_rgb(fig))
        if not reuse:
            plt.close(fig)
    if reuse and fig is not None:
        plt.close(fig)
    save_gif(frames, out, duration_ms=duration_ms)


def valley_axes(ax, label_c=True):
    """The book's valley plots (valley.py): the box [-1, 1]^2 x [0, 2], three ticks per axis, C."""
    from matplotlib.ticker import LinearLocator

    ax.set_xlim(-1, 1)
    ax.set_ylim(-1, 1)
    ax.set_zlim(0, 2)
    for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
        axis.set_major_locator(LinearLocator(3))
    if label_c:
        ax.text(1.79, 0, 1.62, "$C$", fontsize=20)


def save_gif(frames, out, duration_ms=40, loop=0):
    """Write a list of RGB uint8 arrays as an animated GIF, atomically.

    Pillow writes no timestamps, so the bytes depend only on the frames."""
    from PIL import Image

    images = [Image.fromarray(f) for f in frames]
    with atomic_path(out) as tmp:
        images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:],
                       duration=duration_ms, loop=loop, optimize=False)


def canvas_rgb(fig):
    """The figure rendered by Agg as an RGB uint8 array (one GIF frame)."""
    import numpy as np

    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()

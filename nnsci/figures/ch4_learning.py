"""Universality shown by learning (beyond the book): learned fits of f beside the bump construction.

The fits are retrained here rather than read from a file: they are seeded and deterministic, and all
of them take seconds (nnsci/experiments/ch4_learning.py), so the figure and the table agree."""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import NullLocator

from ..config import root_seed
from ..experiments import ch4_learning as cl
from . import figure
from .style import BLUE, GREY, ORANGE, new_figure, save

LOOK = {  # method -> (label, colour)
    "spread": ("learned, spread start", BLUE),
    "default": ("learned, default start", ORANGE),
    "bumps": ("hand-built bumps", GREY),
}


@figure("ch4.learning")
def learning(out, inputs, scale):
    """Five panels, one per hidden-layer size, with f and the three approximations (seed 0);
    a sixth with max (dashed) and mean (solid) |g - f| against the number of neurons."""
    x, y = cl.points()
    fits, bumps = cl.fits(scale, root_seed(inputs))
    fig, axes = new_figure(2, 3, figsize=(13, 7.5))
    axes = axes.ravel()
    for ax, n in zip(axes, cl.NEURONS):
        ax.plot(x, y, color="black", lw=2.2, label="f")
        ax.plot(x, bumps[n], color=LOOK["bumps"][1], lw=1.0, label=LOOK["bumps"][0])
        for start in ("default", "spread"):
            ax.plot(x, fits[(start, n)][0], color=LOOK[start][1], lw=1.4, label=LOOK[start][0])
        ax.set_title(f"{n} hidden neurons")
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.1, 1.1)
    axes[0].legend(loc="upper left", fontsize=8)

    ax = axes[len(cl.NEURONS)]
    for method in ("spread", "default", "bumps"):
        if method == "bumps":
            errs = np.array([cl.errors(bumps[n], y) for n in cl.NEURONS])
        else:
            errs = np.array([np.mean([cl.errors(g, y) for g in fits[(method, n)]], axis=0) for n in cl.NEURONS])
        label, color = LOOK[method]
        ax.plot(cl.NEURONS, errs[:, 0], "o--", color=color, lw=1.2, ms=4)
        ax.plot(cl.NEURONS, errs[:, 1], "o-", color=color, lw=1.6, ms=4, label=label)
    ax.axhline(0.1 / np.pi, color="black", lw=0.8, ls=":")
    ax.text(2, 0.1 / np.pi * 1.08, "mean |0.05 cos 50x|", fontsize=7)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(cl.NEURONS, [str(n) for n in cl.NEURONS])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlabel("hidden neurons")
    ax.set_title("|g - f|: max (dashed), mean (solid); colours as left")
    fig.suptitle(f"Learning f with one hidden layer: {cl.epochs_at(scale)} epochs of SGD, "
                 f"seed 0 drawn, errors averaged over {cl.seeds_at(scale)} seeds", fontsize=11)
    fig.tight_layout()
    save(fig, out)

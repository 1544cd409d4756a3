"""Per-epoch test accuracy of chapter 1's networks, every seed (beyond the book: it printed transcripts)."""

from __future__ import annotations

from ..config import load_experiments, load_scale
from ..experiments import run_ids
from ..experiments.summary import accuracy_percent, load_runs
from . import figure
from .style import COLORS, new_figure, save


def accuracy_figure(out, inputs, scale, experiment):
    results = inputs.get("results", "results")
    runs = load_runs(results, run_ids(experiment, scale))
    fig, ax = new_figure(figsize=(6, 4))
    for k, m in enumerate(runs):
        acc = accuracy_percent(m)
        ax.plot(range(len(acc)), acc, color=COLORS[k % len(COLORS)], lw=1.2, label=f"seed {k}")
    spec = load_experiments("ch1")[experiment]
    ax.set_title(f"{experiment}: {spec['net']}, eta = {spec['eta']:g}")
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Test accuracy (%)")
    ax.legend(loc="lower right", fontsize=8)
    save(fig, out)


def _register(exp):
    name = "ch1.accuracy_" + exp.split(".", 1)[1].replace(".", "_")
    spec = load_experiments("ch1")[exp]
    doc = (f"Beyond the book's figures (it printed {exp}'s runs as transcripts): test accuracy per "
           f"epoch of every seed of {exp}, {spec.get('description', '')}.")
    figure(name, doc=doc)(lambda out, inputs, scale: accuracy_figure(out, inputs, scale, exp))


for _exp in load_experiments("ch1"):
    _register(_exp)

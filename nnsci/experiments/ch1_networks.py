"""Chapter 1's trained networks: ours beside the book's (docs/fidelity.md, "network.py: chapter 1")."""

from __future__ import annotations

import pandas as pd

from .. import claims
from ..config import load_experiments
from .summary import book_value
from ..tables import table
from . import run_ids
from .summary import load_runs, seed_statistics

# The epochs whose test counts the book printed in its transcripts.
TRANSCRIPT_EPOCHS = {"ch1.net30": [0, 1, 2, 27, 28, 29], "ch1.eta0.001": [0, 1, 2, 27, 28, 29],
                     "ch1.eta100": [0, 1, 2, 3, 27, 28, 29]}


def _fmt(v, sd=None):
    return f"{v:.2f}" if sd is None else f"{v:.2f} ± {sd:.2f}"


# The book's search: eta = 0.001, then x10 while the network gets better.
ETA_LADDER = ["ch1.eta0.001", "ch1.eta0.01", "ch1.eta0.1", "ch1.eta1.0", "ch1.eta10.0"]


def eta_search(numbers):
    """(the eta where the x10 ladder stops improving, a sentence of its steps), from the peak
    accuracy (mean over seeds) each rung's runs reached."""
    specs = load_experiments("ch1")
    peaks = [(specs[e]["eta"], numbers[f"{e}.best_mean"]) for e in ETA_LADDER]
    stop = len(peaks) - 1
    for i in range(len(peaks) - 1):
        if not peaks[i + 1][1] > peaks[i][1]:
            stop = i
            break
    return peaks[stop][0], ", ".join(f"eta {e:g}: {p:.2f}%" for e, p in peaks)


@table("ch1.networks")
def networks_table(inputs, scale):
    """Chapter 1's networks (network.py, every seed): first-epoch, last-epoch and best test accuracy
    against the book's printed transcripts."""
    results = inputs.get("results", "results")
    rows, numbers, stats = [], {}, {}
    for exp, spec in load_experiments("ch1").items():
        runs = load_runs(results, run_ids(exp, scale))
        st = seed_statistics(runs)
        stats[exp] = st
        book_best = book_value(f"{exp}.best")
        rows.append({
            "run": exp,
            "net": str(spec["net"]),
            "eta": spec["eta"],
            "epochs": st["epochs"],
            "seeds": st["seeds"],
            "book peak %": "" if book_best is None else f"{book_best:g}",
            "ours: best of first 3, peak %": _fmt(st["book_statistic"]),
            "at epoch": st["book_statistic_epoch"],
            "its final epoch %": _fmt(st["final_of_book_seed"]),
            "peak % over seeds": _fmt(st["best_mean"], st["best_sd"]),
            "final % over seeds": _fmt(st["final_mean"], st["final_sd"]),
            "epoch-0 counts": " ".join(str(c) for c in st["first_epoch_counts"]),
        })
        numbers[f"{exp}.best"] = round(st["book_statistic"], 2)
        numbers[f"{exp}.best_epoch"] = st["book_statistic_epoch"]
        numbers[f"{exp}.best_mean"] = round(st["best_mean"], 4)
        numbers[f"{exp}.final_mean"] = round(st["final_mean"], 4)
        chosen = runs[st["book_statistic_seed"]]
        for e in TRANSCRIPT_EPOCHS.get(exp, []):
            if e < len(chosen["evaluation_accuracy"]):
                numbers[f"{exp}.epoch{e}"] = {"value": int(chosen["evaluation_accuracy"][e]),
                                              "of": int(chosen["n_evaluation"])}
    # chapter 3's "the error rate falls from 3.41%": 100 minus chapter 1's [784, 100, 10] peak
    numbers["ch3.ce100.error_rate_before"] = round(100.0 - numbers["ch1.net100.best"], 2)
    eta, search = eta_search(numbers)
    numbers["ch1.eta_search.eta"] = eta
    notes = f"""\
**The eta search** (the book: start at eta = 0.001, multiply by 10 while the network gets better;
it "ends near eta = 1.0"): peak accuracy, mean over seeds, {search}: the search stops at
**eta = {eta:g}**.

The book's chapter 1 numbers are the best of three runs, and its "peak" is the best epoch; so
"best of first 3" is the best epoch of the best of our first three seeds. The book's network.py was
unseeded, so no single run can be matched exactly: compare statistics. Accuracy is on the 10,000
test images after each epoch. Our arithmetic is float32 (the book's float64); the book's transcripts
for eta = 0.001 and eta = 100 are compared by the epoch counts of the chosen seed (numbers `.epochK`).
"""
    return pd.DataFrame(rows), notes, numbers, [eta_claim(stats["ch1.eta0.01"], stats["ch1.eta0.001"])]


def eta_claim(fast, slow):
    """Chapter 1's remark: raising eta from 0.001 to 0.01 gives better results (peak accuracy, mean
    over seeds, higher by more than the sum of the two sds)."""
    return claims.claim("ch1.eta0.01.better", "eta = 0.01 does better than eta = 0.001",
                        "peak test accuracy, mean over seeds",
                        f"eta 0.01: {_fmt(fast['best_mean'], fast['best_sd'])}, "
                        f"eta 0.001: {_fmt(slow['best_mean'], slow['best_sd'])}",
                        "0.01 > 0.001 by more than the sum of the sds",
                        claims.verdict(fast["best_mean"], slow["best_mean"], ">", fast["best_sd"], slow["best_sd"]))

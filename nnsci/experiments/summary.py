"""Statistics over the seeds of one experiment, the way the book reports and beyond.

The book's chapter 1 numbers are the best of three runs, and "peak" means the
best epoch; so the book's statistic is the best epoch of the best of our first
three seeds. Beside it we report the mean and standard deviation over all
seeds, which the book never had, for the best and for the final epoch."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import NnsciError
from ..io import read_json


def load_runs(results, run_ids):
    out = []
    for r in run_ids:
        p = Path(results) / "runs" / r / "metrics.json"
        if not p.is_file():
            raise NnsciError(f"{p}: missing (train run {r} first)")
        out.append(read_json(p))
    return out


def accuracy_percent(metrics, key="evaluation_accuracy"):
    """Per-epoch accuracy in percent of the evaluated set."""
    n = metrics["n_evaluation"] if key.startswith("evaluation") else metrics["n_training"]
    return 100.0 * np.asarray(metrics[key], dtype=float) / n


def seed_statistics(runs, key="evaluation_accuracy", book_of=3):
    """Best-of-first-``book_of`` (the book's statistic) and mean/sd over all seeds."""
    curves = [accuracy_percent(m, key) for m in runs]
    best = np.array([c.max() for c in curves])
    best_epoch = np.array([int(np.argmax(c)) for c in curves])
    final = np.array([c[-1] for c in curves])
    k = min(book_of, len(curves))
    i = int(np.argmax(best[:k]))
    return {
        "book_statistic": float(best[i]),
        "book_statistic_epoch": int(best_epoch[i]),
        "book_statistic_seed": i,
        "best_mean": float(best.mean()),
        "best_sd": float(best.std(ddof=1)) if len(best) > 1 else 0.0,
        "final_mean": float(final.mean()),
        "final_sd": float(final.std(ddof=1)) if len(final) > 1 else 0.0,
        "final_of_book_seed": float(final[i]),
        "seeds": len(curves),
        "epochs": len(curves[0]),
        "first_epoch_counts": [int(m[key][0]) for m in runs],
    }


def book_value(number_id):
    """The book's printed value of a number (config/reference/book.yaml), or None."""
    from ..reference import load_book

    entry = load_book().get(number_id)
    return None if entry is None else entry["value"]


def in_book(number_id) -> bool:
    """Does config/reference/book.yaml print this number?"""
    return book_value(number_id) is not None

"""Chapter 6's claims read from its curves: table ``ch6.claims``.

- ``ch6.relu.speedup`` and ``_high`` (the book: ReLU trains "3-5 times" faster than sigmoid): for each
  seed, the epochs the sigmoid net ch6.conv2 needs to reach its best validation accuracy over the
  epochs the ReLU net ch6.relu needs to reach that same accuracy (nnsci.claims.speedup_to_reach);
  the lowest and the highest over seeds;
- ``ch6.training_factor`` (the book: "perhaps 30 times" longer training than before, putting together
  ReLU's speed-up and the final net's data): the final net ch6.dropout sees EXPANSION times the
  training images for its epochs, against the 30 epochs of the earlier chapters (ch1.net30), and ReLU
  trains (mean over seeds) ch6.relu.speedup times faster: the product;
- the tanh problem ("tanh trains a little faster, with similar accuracy") and the omitFC exercise
  (does the fully-connected layer help?), as claims with a stated test and a verdict."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import claims as C
from ..config.experiment_files import load_experiments
from ..tables import table
from . import run_ids
from .ch6 import book_statistic
from .summary import load_runs

SIGMOID, RELU, TANH, WITH_FC, WITHOUT_FC = "ch6.conv2", "ch6.relu", "ch6.tanh", "ch6.conv1", "ch6.omitFC"
RUNS = (SIGMOID, RELU, TANH, WITH_FC, WITHOUT_FC)
SIMILAR_MARGIN = 0.5   # "similar accuracy": mean test accuracies within half a point
LEARNED = 90.0         # accuracies are compared only when both nets reach this mean test accuracy
EXPANSION = 5          # the expanded set: each training image and its four one-pixel shifts (data.augment.expand)


def data_factor():
    """How many more image-epochs the final net (ch6.dropout: the expanded set, its epochs) trains on
    than the earlier chapters' nets (ch1.net30: the 50,000 images, 30 epochs), at the book's settings."""
    specs = load_experiments()
    final, early = specs["ch6.dropout"], specs["ch1.net30"]
    return EXPANSION * final["epochs"] / early["epochs"]


def learned(*stats):
    """Have all the compared nets learned (mean test accuracy at least LEARNED)? At small scales the
    sigmoid nets are still at chance, and a comparison of them decides nothing."""
    return all(st["mean"] >= LEARNED for st in stats)


def speedups(results, scale, slow, fast):
    """Per seed pair (s0 with s0, ...): ``speedup_to_reach`` of the validation curves; None where the
    fast net never reaches the slow one's best."""
    pairs = zip(load_runs(results, run_ids(slow, scale)), load_runs(results, run_ids(fast, scale)))
    return [C.speedup_to_reach(s["evaluation_accuracy"], f["evaluation_accuracy"]) for s, f in pairs]


def _mean_sd(values):
    v = np.array(values, dtype=float)
    return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0


def tanh_claims(results, scale):
    """tanh against sigmoid: faster (mean speed-up over seeds above 1 by more than its sd) and with
    similar accuracy (mean test accuracies within SIMILAR_MARGIN points)."""
    ups = [u for u in speedups(results, scale, SIGMOID, TANH) if u is not None]
    up, up_sd = _mean_sd(ups) if ups else (None, 0.0)
    t, s = (book_statistic(load_runs(results, run_ids(e, scale))) for e in (TANH, SIGMOID))
    faster = C.claim("ch6.tanh.faster", "tanh trains a little faster than sigmoid",
                     "epochs sigmoid needs to reach its best validation accuracy / epochs tanh needs, mean over seeds",
                     "never reaches it" if up is None else f"{up:.2f} ± {up_sd:.2f} ({len(ups)} seeds)",
                     "> 1 by more than its sd", C.verdict(up, 1.0, ">", up_sd))
    same = C.claim("ch6.tanh.similar_accuracy", "with similar final accuracy",
                   "test accuracy at the best-validation epoch, mean over seeds",
                   f"tanh {t['mean']:.2f} ± {t['sd']:.2f}, sigmoid {s['mean']:.2f} ± {s['sd']:.2f}",
                   f"within {SIMILAR_MARGIN} points, both at least {LEARNED:g}%",
                   C.similar(t["mean"], s["mean"], SIMILAR_MARGIN) if learned(t, s) else C.UNDECIDED)
    return [faster, same], {"ch6.tanh.speedup_mean": round(up, 4)} if up is not None else {}


def omit_fc_claim(results, scale):
    """The omitFC exercise: does the fully-connected layer help? ch6.conv1 against ch6.omitFC."""
    a, b = (book_statistic(load_runs(results, run_ids(e, scale))) for e in (WITH_FC, WITHOUT_FC))
    return C.claim("ch6.omitFC.fc_helps", "the fully-connected layer helps (the exercise asks)",
                   "test accuracy at the best-validation epoch, mean over seeds",
                   f"with FC {a['mean']:.2f} ± {a['sd']:.2f}, without {b['mean']:.2f} ± {b['sd']:.2f}",
                   f"with > without by more than the sum of the sds, both at least {LEARNED:g}%",
                   C.verdict(a["mean"], b["mean"], ">", a["sd"], b["sd"]) if learned(a, b) else C.UNDECIDED)


@table("ch6.claims")
def claims_table(inputs, scale):
    """ReLU's speed-up over sigmoid, the tanh problem and the omitFC exercise."""
    results = inputs.get("results", "results")
    ups = speedups(results, scale, SIGMOID, RELU)
    numbers = {}
    reached = [u for u in ups if u is not None]
    if reached:
        numbers["ch6.relu.speedup"] = round(min(reached), 4)
        numbers["ch6.relu.speedup_high"] = round(max(reached), 4)
        numbers["ch6.training_factor"] = round(data_factor() * float(np.mean(reached)), 4)
    found, tanh_numbers = tanh_claims(results, scale)
    numbers.update(tanh_numbers)
    found.append(omit_fc_claim(results, scale))
    rows = [{"seed": f"s{k}", "ReLU speed-up over sigmoid": "never reaches it" if u is None else f"{u:.2f}"}
            for k, u in enumerate(ups)]
    notes = """\
ReLU speed-up (ch6.relu.speedup, _high): for each seed, the epochs ch6.conv2 (sigmoid) needs to first
reach its best validation accuracy, over the epochs ch6.relu needs to first reach that accuracy; the
lowest and highest over seeds. Training factor (ch6.training_factor): the final net's image-epochs over
chapter 1's (""" + f"{data_factor():.4g}" + """) times the mean ReLU speed-up. The claims: """ + "; ".join(f"{c['id']}: {c['verdict']}" for c in found) + "."
    return pd.DataFrame(rows), notes, numbers, found

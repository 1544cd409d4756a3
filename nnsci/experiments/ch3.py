"""Chapter 3's tables: the replicas and our seeds (``ch3.results``) and the more-data curves with
P3.7's fits (``ch3.more_data``). The runs are chapter 3's (ch3_runs), the statistics ch3_stats'."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import claims
from ..tables import table
from . import run_ids
from .ch3_runs import MORE_DATA_SIZES, REPLICA_SINGLE, book_more_data, more_data_curves, our_experiments
from .ch3_stats import _count, fit_with_band, overfitting_numbers, replica_comparison_rows
from .summary import book_value, load_runs, seed_statistics


def _fmt(v, sd=None, d=2):
    if v is None:
        return ""
    return f"{v:.{d}f}" if sd is None else f"{v:.{d}f} ± {sd:.{d}f}"


def _book_cell(number_id):
    v = book_value(number_id)
    return "" if v is None else f"{v:g}"


# ---------------------------------------------------------------------------------------------
# The results table
def replica_rows(results, scale, numbers):
    rows = []
    for exp in REPLICA_SINGLE:
        m = load_runs(results, run_ids(exp, scale))[0]
        overfitting_numbers(exp, m, numbers)
        st = seed_statistics([m])
        bid = "ch3.overfit_full.best_test" if exp == "ch3.overfit_full" else f"{exp}.best"
        rows.append(_replica_row(exp, m, st, _book_cell(bid)))
    for exp in ("ch3.winit30", "ch3.winit100"):
        for rid in run_ids(exp, scale):
            m = load_runs(results, [rid])[0]
            ev = m["evaluation_accuracy"]
            key = f"{exp}.{rid.rsplit('.', 1)[1]}"
            numbers[f"{key}.epoch0"] = _count(ev[0], m["n_evaluation"])
            if len(ev) >= 30:
                numbers[f"{key}.epoch29"] = _count(ev[29], m["n_evaluation"])
            rows.append(_replica_row(rid, m, seed_statistics([m]), ""))
    for rid in run_ids("ch3.multi_eta", scale):
        m = load_runs(results, [rid])[0]
        tc = m["training_cost"]
        numbers[f"{rid}.epoch0"] = round(float(tc[0]), 6)
        if len(tc) >= 30:
            numbers[f"{rid}.epoch29"] = round(float(tc[29]), 6)
        if rid.endswith("eta2.5"):
            numbers[f"{rid}.max"] = round(float(max(tc)), 6)
        rows.append({"run": rid, "kind": "replica", "n train": m["n_training"], "epochs": len(tc),
                     "book": "", "best %": "", "at epoch": "", "final %": "",
                     "final training cost": _fmt(float(tc[-1]), d=4)})
    return rows


def _replica_row(run, m, st, book):
    return {"run": run, "kind": "replica", "n train": m["n_training"], "epochs": st["epochs"], "book": book,
            "best %": _fmt(st["book_statistic"]), "at epoch": st["book_statistic_epoch"],
            "final %": _fmt(st["final_mean"])}


OUR_BOOK_IDS = {"ch3.ce30": "ch3.ce30.best", "ch3.ce100": "ch3.ce100.best", "ch3.l2_100": "ch3.l2_100.best",
                "ch3.l2_100_tuned": "ch3.l2_100_tuned.best", "ch3.overfit_full_ours": "ch3.overfit_full.best_test",
                "ch3.l2_full_ours": "ch3.l2_full.best"}
HP_TRANSCRIPT = {"ch3.hp.bad": [0, 1, 2, 27, 28, 29], "ch3.hp.784_10_a": [0, 1, 2],
                 "ch3.hp.784_10_b": [0, 1, 2, 3], "ch3.hp.784_10_c": [0, 1, 2, 3], "ch3.hp.784_10_d": [0, 1, 2, 3]}


def our_rows(results, scale, numbers):
    """One row per our-seed experiment with an accuracy monitor (not more_data_ours)."""
    rows = []
    for exp in our_experiments():
        if exp.startswith("ch3.more_data_ours."):
            continue
        runs = load_runs(results, run_ids(exp, scale))
        row = {"run": exp, "kind": f"ours ({len(runs)} seeds)", "n train": runs[0]["n_training"],
               "epochs": max(m["epochs_run"] for m in runs), "book": _book_cell(OUR_BOOK_IDS.get(exp, ""))}
        if runs[0]["evaluation_accuracy"]:
            st = seed_statistics(runs)
            row.update({"best %": _fmt(st["book_statistic"]), "at epoch": st["book_statistic_epoch"],
                        "final %": _fmt(st["final_of_book_seed"]),
                        "best % over seeds": _fmt(st["best_mean"], st["best_sd"]),
                        "final % over seeds": _fmt(st["final_mean"], st["final_sd"]),
                        "epochs run over seeds": _fmt(np.mean([m["epochs_run"] for m in runs]),
                                                      np.std([m["epochs_run"] for m in runs], ddof=1)
                                                      if len(runs) > 1 else 0.0, 1)})
            numbers[f"{exp}.best_mean"] = round(st["best_mean"], 4)
            numbers[f"{exp}.final_mean"] = round(st["final_mean"], 4)
            if exp in OUR_BOOK_IDS and not exp.endswith("_ours"):   # the replicas own overfit_full's, l2_full's ids
                numbers[OUR_BOOK_IDS[exp]] = round(st["book_statistic"], 4)
            elif exp in OUR_BOOK_IDS:
                numbers[f"{exp}.best"] = round(st["book_statistic"], 4)
            if exp == "ch3.ce100":   # the book: "the error rate drops from 3.41% to 3.18%"
                numbers["ch3.ce100.error_rate"] = round(100.0 - st["book_statistic"], 4)
            chosen = runs[0]["evaluation_accuracy"]   # a transcript is one run: seed 0
            for e in HP_TRANSCRIPT.get(exp, []):
                if e < len(chosen):
                    numbers[f"{exp}.epoch{e}"] = _count(chosen[e], runs[0]["n_evaluation"])
        if runs[0]["training_cost"] and not runs[0]["evaluation_accuracy"]:
            final = [m["training_cost"][-1] for m in runs]
            row["final training cost"] = _fmt(float(np.mean(final)), float(np.std(final, ddof=1))
                                              if len(final) > 1 else 0.0, 4)
            numbers[f"{exp}.final_cost_mean"] = round(float(np.mean(final)), 6)
        if exp == "ch3.halve_eta":
            row["final eta over seeds"] = " ".join(f"{m['eta'][-1]:.4g}" for m in runs)
        rows.append(row)
    return rows


THRESHOLD_DECADES = (0.01, 0.1, 1.0, 10.0)
THRESHOLD_STEPS = (1.0, 2.0, 5.0)


def errors_removed_one_in(inputs, error_after):
    """"One in 14 of the original errors removed": chapter 1's [784, 100, 10] error rate
    (ch3.ce100.error_rate_before of ``--input ch1_networks``, chapter 1's metrics) over the drop to
    ``error_after``; None without that input or when the error does not drop."""
    if "ch1_networks" not in inputs or error_after is None:
        return None
    from ..io import read_json

    before = read_json(inputs["ch1_networks"])["numbers"]["ch3.ce100.error_rate_before"]
    return before / (before - error_after) if before > error_after else None


def cost_falls(results, scale, eta):
    """Does the mean training cost over seeds of the ch3.eta_threshold run at ``eta`` fall at every epoch?"""
    runs = load_runs(results, run_ids(f"ch3.eta_threshold.eta{eta:g}" if eta < 1 else
                                      f"ch3.eta_threshold.eta{eta:.1f}", scale))
    cost = np.sum(np.array([m["training_cost"] for m in runs]), axis=0) / len(runs)
    return bool(np.all(np.diff(cost) < 0))


def eta_threshold(results, scale):
    """The book's threshold procedure: raise eta by powers of 10 while the training cost still falls in
    the first epochs; the last that falls is the threshold's order. Then raise it within that decade
    (1, 2, 5 times the order) while the cost still falls: the refined threshold; use half of it.
    Returns (order, refined, use, a sentence of what fell)."""
    falls = {e * k: cost_falls(results, scale, round(e * k, 10)) for e in THRESHOLD_DECADES for k in THRESHOLD_STEPS
             if round(e * k, 10) <= THRESHOLD_DECADES[-1]}
    def last_falling(ladder):
        """Climb ``ladder`` while the cost falls: the last rung that fell (the first rung if none)."""
        last = ladder[0]
        for eta in ladder:
            if not falls.get(eta):
                break
            last = eta
        return last

    order = last_falling(THRESHOLD_DECADES)
    refined = round(last_falling([order * k for k in THRESHOLD_STEPS if order * k in falls]), 10)
    text = ", ".join(f"{e:g}: {'falls' if f else 'does not fall'}" for e, f in sorted(falls.items()))
    return order, refined, refined / 2, text


def problem_notes(results, scale):
    """Say, from the runs, what the problems found (P3.1, P3.3/3.4, E3.5, P3.6)."""
    def stat(exp):
        st = seed_statistics(load_runs(results, run_ids(exp, scale)))
        return st["best_mean"], st["best_sd"], st["final_mean"]

    lines = []
    base = stat("ch3.unregularized")
    l1 = {e: stat(e) for e in ("ch3.l1_0.5", "ch3.l1_2")}
    best = max(l1, key=lambda e: l1[e][0])
    beats = l1[best][0] > base[0]
    lines.append(f"- P3.1 (L1): best lambda_1 here is {best.split('_', 1)[1]} with peak validation accuracy "
                 f"{l1[best][0]:.2f} ± {l1[best][1]:.2f}% against {base[0]:.2f} ± {base[1]:.2f}% unregularised: "
                 f"it {'beats' if beats else 'does NOT beat'} the unregularised run at this scale.")
    for a, b in (("ch3.early_stop", "ch3.windowed"), ("ch3.early_stop_b", "ch3.windowed_b"),
                 ("ch3.early_stop_c", "ch3.windowed_c")):
        ra, rb = (load_runs(results, run_ids(x, scale)) for x in (a, b))
        ea, eb = (np.mean([m["epochs_run"] for m in r]) for r in (ra, rb))
        lines.append(f"- P3.4 {a} vs {b}: no-improvement-in-10 stops after {ea:.1f} epochs (peak "
                     f"{stat(a)[0]:.2f}%), windowed after {eb:.1f} (peak {stat(b)[0]:.2f}%).")
    h = load_runs(results, run_ids("ch3.halve_eta", scale))
    lines.append(f"- E3.5 halve-eta: {np.mean([m['epochs_run'] for m in h]):.1f} epochs on average, peak "
                 f"{stat('ch3.halve_eta')[0]:.2f}%; stopped by the 1/128 rule in "
                 f"{sum(m['stopped_early'] for m in h)} of {len(h)} seeds.")
    w = stat("ch3.winit30_new")
    for e in ("ch3.momentum0.5", "ch3.momentum0.9"):
        s = stat(e)
        lines.append(f"- P3.6 {e}: peak {s[0]:.2f} ± {s[1]:.2f}% against {w[0]:.2f} ± {w[1]:.2f}% without "
                     f"momentum (ch3.winit30_new, same eta 0.1).")
    return "\n".join(lines)


def parameter_counts():
    """ch3.params: weights and biases of [784,30,10] (23,860) and [784,100,10] (79,510)."""
    from ..engine import Network

    return {"ch3.params.net30": Network([784, 30, 10]).n_params,
            "ch3.params.net100": Network([784, 100, 10]).n_params}


@table("ch3.results")
def results_table(inputs, scale):
    """Every training run of chapter 3: the book's numbers (printed, or from its stored series)
    beside ours, the replicas of the book's seeded scripts and our seeded runs."""
    results = inputs.get("results", "results")
    numbers = {}
    rows = replica_rows(results, scale, numbers) + our_rows(results, scale, numbers)
    removed = errors_removed_one_in(inputs, numbers.get("ch3.ce100.error_rate"))
    if removed is not None:
        numbers["ch3.ce100.errors_removed_one_in"] = round(removed, 4)
    numbers.update(parameter_counts())
    order, refined, use, falls = eta_threshold(results, scale)
    numbers.update({"ch3.eta_threshold.order": order, "ch3.eta_threshold.refined": refined,
                    "ch3.eta_threshold.use": use})
    comp = replica_comparison_rows(results, scale)
    for r in comp:
        if r["same data"]:
            numbers[f"{r['run']}.{r['monitor']}.book_epochs_exact"] = r["exact"]
    notes = ["**Replicas against the author's stored series** (docs/fidelity.md, \"Replica mode\"; "
             "accuracies must be equal, costs equal to the stored decimals; at small scales the "
             "data are capped, and a monitor on other data than the book's is not compared):", "",
             "| run | monitor | n train | n eval | epochs compared | exact | first miss | max abs diff |",
             "|---|---|---|---|---|---|---|---|"]
    for r in comp:
        if not r["same data"]:
            notes.append(f"| {r['run']} | {r['monitor']} | {r['n_train']} | {r['n_eval']} | "
                         f"not comparable (other data than the book's) | | | |")
            continue
        notes.append(f"| {r['run']} | {r['monitor']} | {r['n_train']} | {r['n_eval']} | {r['compared']} | "
                     f"{r['exact']} | {'' if r['first_miss'] is None else r['first_miss']} | {r['max_diff']:.4g} |")
    notes += ["", f"**The eta threshold** (the book: order 0.1, refined 0.5, use 0.25): the mean training cost "
              f"over seeds in the first epochs at eta = {falls}; so the order is {order:g}, the refined "
              f"threshold {refined:g}, and the eta to use {use:g}."]
    notes += ["", "**Problems** (our seeds):", "", problem_notes(results, scale), "", """\
Conventions. "best %" is the best epoch's accuracy (replica: its one run; ours: the best of the
first three seeds, the book's statistic) and "at epoch" counts from 0 as the stored JSONs do;
"final %" is the last epoch. Replica runs use the book's streams in float64 (rng: nielsen);
our-seed runs use float32 and 5 seeds (fewer at small scales). Accuracy is on the run's own
evaluation set (test or validation, as the book's call). The hp.* numbers `.epochK` are seed 0's
transcript. The gap of overfit_full is 97.86 - 95.33 = 2.53 (the book prints 1.53, a misprint)."""]
    return pd.DataFrame(rows), "\n".join(notes), numbers, [l2_claim(results, scale)]


MIN_SEEDS_FOR_SD = 3   # an sd of fewer seeds decides nothing


def l2_claim(results, scale):
    """"Regularised runs are more easily replicable": the sd over seeds of the peak accuracy of
    ch3.l2_full_ours (lambda 5) below that of ch3.overfit_full_ours (lambda 0)."""
    l2, plain = (seed_statistics(load_runs(results, run_ids(e, scale)))
                 for e in ("ch3.l2_full_ours", "ch3.overfit_full_ours"))
    seeds = min(len(run_ids(e, scale)) for e in ("ch3.l2_full_ours", "ch3.overfit_full_ours"))
    verdict = (claims.UNDECIDED if seeds < MIN_SEEDS_FOR_SD
               else claims.verdict(l2["best_sd"], plain["best_sd"], "<"))
    return claims.claim("ch3.l2.reproducible", "L2-regularised runs are more reproducible run to run",
                        "sd over seeds of the peak test accuracy",
                        f"lambda 5: {l2['best_sd']:.3f}, lambda 0: {plain['best_sd']:.3f} ({seeds} seeds)",
                        f"lambda 5's sd < lambda 0's, with at least {MIN_SEEDS_FOR_SD} seeds each", verdict)


@table("ch3.more_data")
def more_data_table(inputs, scale):
    """The more-data curves (figures 3.21-3.26): validation accuracy by training-set size of the
    replicated script, our seeds, the SVM and the book's stored curves."""
    curves = more_data_curves(inputs, scale)
    numbers, rows = {}, []
    rep = dict(zip(curves["replica"]["n"].astype(int), curves["replica"]["acc"]))
    ours = {int(n): (a, s) for n, a, s in zip(curves["ours"]["n"], curves["ours"]["acc"], curves["ours"]["seeds"])}
    svm = dict(zip(curves["svm"]["n"].astype(int), curves["svm"]["acc"])) if "svm" in curves else {}
    for size, nn_book, svm_book in zip(MORE_DATA_SIZES, book_more_data("nn"), book_more_data("svm")):
        if size not in rep and size not in ours and size not in svm:
            continue
        o = ours.get(size)
        rows.append({"size": size, "book NN %": nn_book, "replica NN %": _fmt(rep.get(size)),
                     "replica vs book": "" if size not in rep else
                     ("exact" if round(rep[size], 2) == nn_book else f"{rep[size] - nn_book:+.2f}"),
                     "ours NN % (seeds)": "" if o is None else _fmt(o[0], float(np.std(o[1], ddof=1))
                                                                   if len(o[1]) > 1 else 0.0),
                     "book SVM %": svm_book, "our SVM %": _fmt(svm.get(size))})
        if size in rep:
            numbers[f"ch3.more_data.nn.size{size}"] = round(rep[size], 4)
        if size in svm:
            numbers[f"ch3.more_data.svm.size{size}"] = round(svm[size], 4)
        if o is not None:
            numbers[f"ch3.more_data_ours.size{size}.mean"] = round(float(o[0]), 4)
    fit_rows = []
    for name in ("book_nn", "book_svm", "replica", "ours", "svm"):
        if name not in curves:
            continue
        f = fit_with_band(curves[name])
        if f is None:
            fit_rows.append(f"| {name} | too few distinct sizes ({len(curves[name]['n'])}) | | | |")
            continue
        numbers[f"ch3.p3_7.{name}.asymptote"] = round(f["a"], 4)
        fit_rows.append(f"| {name} | {f['a']:.2f} [{f['a_lo']:.2f}, {f['a_hi']:.2f}] | {f['b']:.4g} | "
                        f"{f['c']:.3f} | {np.sqrt(f['sse'] / len(curves[name]['n'])):.3f} |")
    notes = f"""\
Sizes: more_data.py's nine, each trained for 1,500,000/size epochs with lambda = size/10,000; a scale
that caps the training set (ci: {scale.train_size_max}) collapses the larger sizes onto the cap,
so only the distinct sizes are trained (ours) or shown (the replica still trains all nine in the
script's order, to keep its random streams). Accuracy is on the validation data, once, after the last
epoch (from the saved weights), as more_data.py measured it. SVM: `rule svm`, the 2014 defaults.

**P3.7, beyond the book: acc(n) = a - b n^-c** fitted by least squares (a grid over c, linear in a, b),
the asymptote a (bounded by 100%) with a 68% bootstrap interval (over seeds for ours, over points
otherwise):

| curve | asymptote a (%) | b | c | rms residual |
|---|---|---|---|---|
""" + "\n".join(fit_rows) + """

An asymptote is an extrapolation of a handful of points: read it as "where this curve is heading"
under the model, not as a prediction of what more data would give."""
    return pd.DataFrame(rows), notes, numbers

"""Chapter 6: the vote and its tie rule, the seed and epoch selection, the arithmetic of section 4.5,
the scale's caps, and the strict check's chapter 6 numbers. Expected values come from the book
(book.yaml), Python's Counter semantics or hand-made metrics."""

from __future__ import annotations

import numpy as np
import pytest

from nnsci.config import Scale, load_config, load_scale
from nnsci.engine.trainer import History, best_validation
from nnsci.errors import NnsciError
from nnsci.experiments import ch6 as X
from nnsci.reference import load_book


# -- the vote ---------------------------------------------------------------------------------


def test_vote_is_the_plurality_label():
    # five networks, four images
    p = [[3, 1, 7, 0],
         [3, 2, 7, 1],
         [5, 2, 1, 2],
         [3, 2, 1, 3],
         [5, 9, 7, 4]]
    assert X.vote(p).tolist() == [3, 2, 7, 0]


def test_vote_tie_goes_to_the_lowest_indexed_network_among_those_tied():
    # 2-2-1 ties: the label first met, reading the networks in order, wins
    p = [[8, 4, 6],
         [4, 8, 6],
         [4, 8, 1],
         [8, 4, 1],
         [0, 0, 2]]
    # image 0: 8 (net 0) and 4 (net 1) tie with two votes: 8. image 1: 4 (net 0) wins.
    # image 2: 6 and 1 tie: 6 (net 0). All five differ -> net 0's label.
    assert X.vote(p).tolist() == [8, 4, 6]
    assert X.vote([[1, 2], [3, 4], [5, 6], [7, 8], [9, 0]]).tolist() == [1, 2]
    # a tie where net 0 is not among those tied: 4 (net 1) and 9 (net 2) tie, net 0's 7 has one vote
    assert X.vote([[7], [4], [9], [9], [4]]).tolist() == [4]


def test_vote_refuses_a_bad_shape():
    with pytest.raises(NnsciError):
        X.vote([1, 2, 3])


def test_pairs_in_book_counts_each_book_pair_once():
    book = X.book_error_pairs()
    assert len(book) == load_book()["ch6.ensemble.errors"]["value"] == 33
    assert book[:4] == [(6, 0), (5, 3), (8, 9), (6, 5)] and book[-1] == (4, 9)
    # (6, 0) is three times in the book, (5, 6) once, (1, 2) never
    assert X.pairs_in_book([(6, 0)] * 4 + [(5, 6), (5, 6), (1, 2)], book) == 3 + 1


# -- selection: hand-made metrics ----------------------------------------------------------------


def best(val, test=None):
    """The trainer's network3 bookkeeping over a run's epochs: (epoch, validation, test) at best."""
    hist = History()
    for e, v in enumerate(val):
        best_validation(hist, e, v, None if test is None else test[e])
    return hist.best_epoch, hist.best_evaluation_accuracy, hist.test_accuracy_at_best


def run(val, test, n=100):
    """Hand-made metrics as train.py writes them: the per-epoch counts and the trainer's statistic."""
    e, v, t = best(val, test)
    return {"run": "x", "evaluation_accuracy": val, "test_accuracy": test, "n_evaluation": n, "n_test": n,
            "best_epoch": e, "best_evaluation_accuracy": v, "test_accuracy_at_best": t}


def test_the_best_validation_epoch_is_the_last_epoch_reaching_the_best_so_far():
    assert best([90, 95, 93, 95, 94])[0] == 3   # a tie with the best: the later one
    assert best([90, 95, 96, 95])[0] == 2
    assert best([97, 90, 91])[0] == 0
    assert best([50])[0] == 0
    assert best([90, 95, 93, 95, 94], [1, 2, 3, 4, 5]) == (3, 95, 4)


def test_book_statistic_takes_the_best_validation_seed_among_the_first_three():
    runs = [run([90, 94, 93], [80, 85, 99]),      # s0: best validation 94 at epoch 1, test 85
            run([91, 96, 96], [70, 75, 77]),      # s1: 96 at epoch 2 (the later tie), test 77
            run([95, 92, 90], [88, 70, 60]),      # s2: 95 at epoch 0, test 88
            run([99, 99, 99], [99, 99, 99])]      # s3: better, but not among s0-s2
    st = X.book_statistic(runs)
    assert st["seed"] == 1 and st["epoch"] == 2
    assert st["value"] == pytest.approx(77.0)
    tests = [85.0, 77.0, 88.0, 99.0]
    assert st["mean"] == pytest.approx(np.mean(tests))
    assert st["sd"] == pytest.approx(np.std(tests, ddof=1))
    assert st["seeds"] == 4


def test_book_statistic_ties_go_to_the_lowest_seed_index():
    runs = [run([90, 96], [80, 81]), run([96, 95], [90, 91]), run([96, 96], [70, 72])]
    st = X.book_statistic(runs)
    assert (st["seed"], st["epoch"], st["value"]) == (0, 1, pytest.approx(81.0))


def test_book_statistic_needs_the_per_epoch_test_accuracy():
    with pytest.raises(NnsciError, match="test"):
        X.book_statistic([{"run": "x", "evaluation_accuracy": [1], "n_evaluation": 10}])


# -- section 4.5 ----------------------------------------------------------------------------------


def test_arithmetic_matches_the_book():
    book = load_book()
    rows = {key: value for key, _, value in X.arithmetic()}
    compared = 0
    for key, value in rows.items():
        if key in book:
            assert value == pytest.approx(book[key]["value"]), key
            compared += 1
    assert compared >= 16
    # every computed analytic number of chapter 6 is among them
    wanted = {k for k, e in book.items() if k.startswith("ch6.") and e["kind"] == "computed"
              and e["match"] == "analytic"}
    assert wanted <= set(rows)


def test_arithmetic_table_emits_the_book_ids():
    df, notes, numbers = X.arithmetic_table({}, load_scale("ci"))
    assert numbers["ch6.params.fc30"] == 23550 and numbers["ch6.params.ratio"] == 45.3
    assert numbers["ch6.init.conv1_sd"] == 0.0894 and numbers["ch6.init.conv2_sd"] == 0.0632


# -- the scale ------------------------------------------------------------------------------------


def test_convnet_caps_and_the_expanded_set():
    s = Scale.from_mapping({"train_size_max": 2000, "eval_size_max": 1000, "convnet_train_size_max": 200,
                            "convnet_eval_size_max": 100, "epochs_factor": 0.1, "epochs_min": 2,
                            "epochs_max": 3, "convnet_epochs_max": 2})
    assert s.size(None, "train") == 2000 and s.size(None, "train", convnet=True) == 200
    assert s.size(None, "expanded", convnet=True) == 1000        # five times the raw cap
    assert s.size(None, "eval", convnet=True) == 100
    assert s.net_epochs(60) == 3 and s.net_epochs(60, convnet=True) == 2
    assert s.net_epochs(60, convnet=True, expanded=True) == 2             # no expanded cap set
    one = Scale.from_mapping({"convnet_epochs_max": 3, "expanded_epochs_max": 1})
    assert one.net_epochs(40, convnet=True, expanded=True) == 1 and one.net_epochs(60, convnet=True) == 3
    full = load_scale("full")
    assert full.size(None, "expanded", convnet=True) is None and full.net_epochs(60, True) == 60
    assert full.net_epochs(40, True, expanded=True) == 40
    quick = load_scale("quick")    # the expanded set: five times the raw cap, each image seen once
    assert quick.size(None, "expanded", convnet=True) == 5 * quick.size(None, "train", convnet=True)
    assert quick.net_epochs(40, True, expanded=True) == 1


def test_sweep_points_keep_the_ends():
    s = Scale.from_mapping({"sweep_points_max": 2})
    assert s.sweep_points([0, 1, 2, 3, 4]) == [0, 4]
    assert Scale.from_mapping({"sweep_points_max": 3}).sweep_points([0, 1, 2, 3, 4]) == [0, 2, 4]
    assert Scale.from_mapping({}).sweep_points([1, 2]) == [1, 2]


def test_runs_at_each_scale():
    from nnsci.experiments import run_ids, sweep_experiments

    assert run_ids("ch6.dropout", "full") == [f"ch6.dropout.s{k}" for k in range(5)]
    assert run_ids("ch6.conv2", "full") == ["ch6.conv2.s0", "ch6.conv2.s1", "ch6.conv2.s2"]
    assert len(sweep_experiments("ch6.regularized_dbl_conv", "full")) == 8
    assert len(sweep_experiments("ch6.dbl_conv_relu", "full")) == 9
    assert len(sweep_experiments("ch6.dbl_conv_relu", "ci")) == 2
    assert run_ids("ch6.dbl_conv_relu.lmbda_0.1", "full") == [f"ch6.dbl_conv_relu.lmbda_0.1.s{k}" for k in range(3)]
    assert run_ids("ch6.dbl_conv_relu.lmbda_0.1", "quick") == ["ch6.dbl_conv_relu.lmbda_0.1.s0"]


def test_every_run_has_network3s_conventions():
    from nnsci.config import load_experiments
    from nnsci.experiments.spec import scaled, validate

    for exp, spec in load_experiments("ch6").items():
        s = scaled(validate(spec, exp), "full")
        assert s["cost"] == "log_likelihood" and s["init"] == ["network3"] and s["mini_batch"] == 10, exp
        assert s["options"]["l2"] == "penalty" and s["options"]["shuffle"] is False, exp
        assert s["test"] == {"set": "test"} and s["eval"] == {"set": "validation"}, exp
        assert s["epochs"] == (40 if exp == "ch6.dropout" else 60), exp


# -- the check ------------------------------------------------------------------------------------


def test_chapter6_is_enforced():
    assert "ch6" in load_config()["enforce_chapters"]


def test_strict_check_fails_on_a_missing_chapter6_number(tmp_path):
    import json

    from nnsci import check as C
    from nnsci import paths

    results = tmp_path / "results"
    (results / "ch6" / "metrics").mkdir(parents=True)
    df, notes, numbers = X.arithmetic_table({}, load_scale("ci"))
    (results / "ch6" / "metrics" / "arithmetic.json").write_text(
        json.dumps({"table": "ch6.arithmetic", "scale": "ci", "numbers": numbers}))
    ref = tmp_path / "ref"
    (ref / "ci").mkdir(parents=True)
    out = tmp_path / "report.md"
    inputs = {"book": str(paths.REFERENCE_DIR / "book.yaml"), "reference": str(ref)}
    ok = C.check("ci", out, results=results, exact=False, enforce=["ch6"], inputs=inputs)
    assert ok is False   # the trained networks' numbers (ch6.conv1, ch6.ensemble, ...) are missing
    text = out.read_text()
    assert "## Missing book numbers" in text and "ch6.conv1" in text
    assert "ch6.params.fc30" not in text.split("## Missing book numbers", 1)[1].split("\n## ", 1)[0]


# -- the claims read from the curves (nnsci/experiments/ch6_claims.py) ------------------------------


def test_claims_table_from_hand_made_curves(tmp_path):
    """ReLU reaches sigmoid's best (60) in 2 epochs, sigmoid in 6 (s0) and 4 (s1): speed-ups 3 and 2;
    tanh reaches it in 3 epochs (2x, 1.33x); with FC 97 against 91 without."""
    import json

    from nnsci.experiments import ch6_claims as CL
    from nnsci.experiments import run_ids

    scale = load_scale("ci")
    curves = {CL.SIGMOID: [[10, 20, 30, 40, 50, 60], [10, 20, 40, 60, 55, 50]],
              CL.RELU: [[30, 60, 61, 62, 62, 62], [30, 60, 61, 62, 62, 62]],
              CL.TANH: [[30, 50, 60, 60, 60, 60], [30, 50, 60, 60, 60, 60]],
              CL.WITH_FC: [[97] * 6, [97] * 6], CL.WITHOUT_FC: [[91] * 6, [91] * 6]}
    for exp, seeds in curves.items():
        for rid, val in zip(run_ids(exp, scale), seeds):
            (tmp_path / "runs" / rid).mkdir(parents=True)
            (tmp_path / "runs" / rid / "metrics.json").write_text(json.dumps(run(val, val)))
    df, notes, numbers, found = CL.claims_table({"results": str(tmp_path)}, scale)
    assert numbers["ch6.relu.speedup"] == pytest.approx(2.0)
    assert numbers["ch6.relu.speedup_high"] == pytest.approx(3.0)
    verdicts = {c["id"]: c["verdict"] for c in found}
    # tanh speed-ups 2 and 4/3: mean 1.67 +- 0.47, above 1 by more than its sd
    assert verdicts["ch6.tanh.faster"] == "holds"
    assert numbers["ch6.tanh.speedup_mean"] == pytest.approx(5 / 3, abs=1e-4)
    # tanh and sigmoid at 60%: still learning, so "similar accuracy" is not decided
    assert verdicts["ch6.tanh.similar_accuracy"] == "not decided at this scale"
    assert verdicts["ch6.omitFC.fc_helps"] == "holds"   # 97 against 91, both learned

"""Chapter 7 (beyond the book): the learning-rate choice on hand-made metrics, the table arithmetic
(mean ± sd), the matrix expansion of config/experiments/ch7.yaml (configurations x seeds) and the
scale's chapter 7 caps. Fast: nothing trains."""

from __future__ import annotations

import pytest

from nnsci.config import Scale, expand_matrix, load_experiments
from nnsci.engine.trainer import History, best_validation
from nnsci.errors import NnsciError
from nnsci.experiments import ch7 as X
from nnsci.experiments import grid_experiments, n_seeds, run_ids, training_families
from nnsci.experiments.spec import scaled


# -- the learning-rate choice --------------------------------------------------------------------


def test_choose_rate_takes_the_best_mean_validation():
    points = [(1e-4, [80.0, 82.0]), (1e-3, [90.0, 88.0]), (3e-3, [95.0, 80.0])]
    assert X.choose_rate(points) == 1          # means 81, 89, 87.5


def test_choose_rate_tie_goes_to_the_smaller_rate():
    assert X.choose_rate([(3e-3, [90.0, 90.0]), (1e-3, [89.0, 91.0]), (1e-2, [50.0])]) == 1
    assert X.choose_rate([(0.5, [70.0])]) == 0
    with pytest.raises(NnsciError):
        X.choose_rate([])
    with pytest.raises(NnsciError):
        X.choose_rate([(0.1, [])])


def metrics(val, test, n=100, run="x"):
    """Hand-made metrics as train.py writes them, with the trainer's best-validation statistic."""
    hist = History()
    for e, v in enumerate(val):
        best_validation(hist, e, v, test[e])
    return {"run": run, "evaluation_accuracy": val, "test_accuracy": test, "n_evaluation": n, "n_test": n,
            "epochs_run": len(val), "best_epoch": hist.best_epoch,
            "best_evaluation_accuracy": hist.best_evaluation_accuracy, "test_accuracy_at_best": hist.test_accuracy_at_best}


def test_run_summary_reads_validation_for_the_epoch_and_test_for_the_number():
    s = X.run_summary(metrics([50, 70, 70, 60], [40, 65, 68, 90]))
    assert s["best_validation"] == 70.0
    assert s["best_epoch"] == 2                 # the later of two equal best epochs
    assert s["test_at_best"] == 68.0            # not the better test accuracy of epoch 3
    assert s["final_test"] == 90.0


def test_the_choice_never_reads_the_test_set():
    # rate A has the better test accuracy but the worse validation accuracy: B is chosen
    a = [X.run_summary(metrics([60, 61], [99, 99])), X.run_summary(metrics([62, 60], [99, 99]))]
    b = [X.run_summary(metrics([70, 75], [10, 10])), X.run_summary(metrics([74, 72], [10, 10]))]
    assert X.choose_rate([(0.1, [s["best_validation"] for s in a]),
                          (0.2, [s["best_validation"] for s in b])]) == 1


# -- the table arithmetic ------------------------------------------------------------------------


def test_mean_sd_is_the_sample_standard_deviation():
    m, s = X.mean_sd([90.0, 92.0, 94.0])
    assert m == pytest.approx(92.0) and s == pytest.approx(2.0)
    assert X.mean_sd([97.5]) == (97.5, 0.0)
    assert X.pm([1.0, 2.0, 3.0, 4.0]) == "2.50 ± 1.29"
    assert X.pm([95.123], digits=1) == "95.1 ± 0.0"
    with pytest.raises(NnsciError):
        X.mean_sd([])


def test_describe_depth():
    assert X.describe_depth("d4") == (4, "none")
    assert X.describe_depth("d8_bn") == (8, "BatchNorm")
    assert X.describe_depth("d4_ln") == (4, "LayerNorm")


# -- the matrix expansion -------------------------------------------------------------------------


def test_expand_matrix_is_the_product_of_its_axes_with_merged_overrides():
    spec = {"eta": 1.0, "options": {"optimizer": "adam", "beta1": 0.9}, "grid": "{parent}", "family": "f_{0}",
            "matrix": [{"a": None, "b": {"dataset": "fashion-mnist", "options": {"beta1": 0.8}}},
                       {"lr_1e-1": {"eta": 0.1}, "lr_1e0": {"eta": 1.0}}]}
    out = dict(expand_matrix("ch7.x", spec))
    assert list(out) == ["ch7.x.a.lr_1e-1", "ch7.x.a.lr_1e0", "ch7.x.b.lr_1e-1", "ch7.x.b.lr_1e0"]
    b = out["ch7.x.b.lr_1e-1"]
    assert b["eta"] == 0.1 and b["dataset"] == "fashion-mnist"
    assert b["options"] == {"optimizer": "adam", "beta1": 0.8}          # merged, not replaced
    assert out["ch7.x.a.lr_1e0"]["options"] == {"optimizer": "adam", "beta1": 0.9}
    assert b["grid"] == "ch7.x.b" and b["family"] == "f_b"
    assert "matrix" not in b and "dataset" not in out["ch7.x.a.lr_1e0"]
    assert spec["options"]["beta1"] == 0.9                               # the entry is not changed
    assert expand_matrix("ch7.y", {"eta": 1}) == [("ch7.y", {"eta": 1})]
    with pytest.raises(NnsciError):
        expand_matrix("ch7.z", {"matrix": []})
    with pytest.raises(NnsciError):
        expand_matrix("ch7.z", {"matrix": [{"a": 3}]})


def test_chapter7_specs_expand_to_the_issues_configurations():
    specs = load_experiments("ch7")
    grads = X.gradient_experiments()
    assert len(grads) == 2 * 18 and len(set(grads)) == 36
    assert all(g in specs for g in grads)
    assert specs["ch7.grad.mnist.sigmoid.d8_bn"]["init"] == "glorot"
    assert specs["ch7.grad.fashion.gelu.d4"]["init"] == "he"
    assert specs["ch7.grad.fashion.gelu.d4"]["dataset"] == "fashion-mnist"
    layers = specs["ch7.grad.mnist.relu.d8_ln"]["net"]["layers"]
    assert len(layers) == 9 and all(ly["fc"].get("norm") == "layer" for ly in layers[:-1])
    opt = [e for e in specs if e.startswith("ch7.opt.")]
    assert len(opt) == len(X.OPTIMIZERS) * 2 * 2 * 4                    # optimisers x data x nets x rates
    assert specs["ch7.opt.sgd.mnist.net30.lr_5e-1"]["eta"] == 0.5       # the book's SGD at the book's eta
    assert specs["ch7.opt.adamw_cosine.fashion.net100.lr_1e-3"]["options"]["schedule"]["kind"] == "cosine"
    assert all(s.get("beyond") for e, s in specs.items())


def test_seeds_and_grid_points_at_each_scale():
    full = Scale.from_mapping({}, name="full")
    ci = Scale.from_mapping({"beyond_seeds_max": 2, "grid_points_max": 2, "seeds_max": 5,
                             "beyond_train_size_max": 500, "beyond_epochs_max": 2}, name="t")
    grid = "ch7.opt.adam.mnist.net30"
    assert [e.rsplit(".", 1)[1] for e in grid_experiments(grid, full)] == ["lr_1e-4", "lr_3e-4", "lr_1e-3", "lr_3e-3"]
    assert [e.rsplit(".", 1)[1] for e in grid_experiments(grid, ci)] == ["lr_1e-4", "lr_3e-3"]
    # configurations x seeds
    assert sum(len(run_ids(e, full)) for e in X.gradient_experiments("mnist")) == 18 * 3
    assert sum(len(run_ids(e, ci)) for e in X.gradient_experiments("mnist")) == 18 * 2
    assert len(run_ids("ch7.opt.adam.mnist.net30.lr_1e-3", full)) == 5
    assert len(run_ids("ch7.modern", full)) == 3
    spec = load_experiments("ch7")["ch7.opt.adam.mnist.net30.lr_1e-3"]
    assert n_seeds(spec, ci) == 2
    s = scaled(spec, ci)
    assert s["epochs"] == 2 and s["train"]["size"] == 500
    assert scaled(spec, full)["epochs"] == 30 and "size" not in scaled(spec, full)["train"]
    # the families train only the grid points the scale keeps
    fam = training_families(ci, "ch7")["ch7.opt_adam_mnist"]
    assert len(fam) == 2 * 2 and all(e.endswith(("lr_1e-4", "lr_3e-3")) for e in fam)
    assert set(X.optimizer_experiments(ci)) <= {e for f in training_families(ci, "ch7").values() for e in f}


def test_fashion_rows_name_existing_book_numbers():
    from nnsci.experiments.summary import book_value

    specs = load_experiments("ch7")
    for exp, (book_id, _) in X.FASHION.items():
        assert exp in specs and specs[exp]["dataset"] == "fashion-mnist"
        assert book_value(book_id) is not None, book_id


def test_a_diverged_seed_is_counted_and_left_out_of_the_speed_means():
    nan = float("nan")
    ok = {"run": "a", "epochs_run": 2, "evaluation_accuracy": [50, 60], "n_evaluation": 100,
          "grad_norms_w": [[1.0, 2.0, 9.0], [1.0, 4.0, 9.0], [1.0, 4.0, 9.0]]}
    bad = {"run": "b", "epochs_run": 2, "evaluation_accuracy": [10, 10], "n_evaluation": 100,
           "grad_norms_w": [[2.0, 2.0, 9.0], [nan, nan, nan], [nan, nan, nan]]}
    g = X.gradient_summary([ok, bad])
    assert g["diverged"] == 1
    assert g["curves"].shape == (2, 2, 2)          # the output layer and the last probe left out
    assert X.finite_mean(g["ratios"][:, 0]) == pytest.approx((2.0 + 1.0) / 2)
    assert X.finite_mean(g["ratios"][:, 1]) == pytest.approx(4.0)
    assert X.finite_mean([nan]) is None

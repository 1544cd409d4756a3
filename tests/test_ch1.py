"""Chapter 1: the figure recipes, the baselines, and the table.

Expected values come from the book (its printed counts, its 10x10 label table,
chapter 3's stored SVM accuracies) or from hand computation."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nnsci import baselines
from nnsci.figures import ch1 as figs

# The labels of figure 1.2 as the Japanese edition typed them out (docs/fidelity.md, "Sources").
BOOK_GRID_LABELS = """0 4 1 9 2 1 3 1 4 3 / 5 3 6 1 7 2 8 6 9 4 / 0 9 1 1 2 4 3 2 7 3 / 8 6 9 0 5 6 0 7 6 1 /
8 7 9 3 9 8 5 9 3 3 / 0 7 4 9 8 0 9 4 1 4 / 4 6 0 4 5 6 1 0 0 1 / 7 1 6 3 0 2 1 1 7 9 /
0 2 6 7 8 3 9 0 4 6 / 7 4 6 8 0 7 8 3 1 5"""


#### Figure recipes, without pixels
def test_grid_quirk_images_1_to_99_then_image_0():
    index = figs.grid_image_indices(10)
    assert index.shape == (10, 10)
    assert index[0, 0] == 1 and index[0, 9] == 10 and index[1, 0] == 11
    assert index[9, 8] == 99
    assert index[9, 9] == 0  # the "5" in the bottom-right cell
    assert sorted(index.ravel().tolist()) == list(range(100))


def test_grid_labels_match_the_book(mnist_npz):
    from nnsci.data.mnist import load_mnist

    labels = load_mnist(mnist_npz)["training_y"]
    book = np.array(BOOK_GRID_LABELS.replace("/", " ").split(), dtype=int).reshape(10, 10)
    np.testing.assert_array_equal(labels[figs.grid_image_indices(10)], book)


def _upstream_quadrants(image):
    """fig/mnist.py's own zeroing (plot_top_left and plot_features), for comparison."""
    top_left = image.copy()
    top_left[14:, :] = 0
    top_left[:, 14:] = 0
    top_right, bottom_left, bottom_right = image.copy(), image.copy(), image.copy()
    top_right[:, :14] = 0
    top_right[14:, :] = 0
    bottom_left[:, 14:] = 0
    bottom_left[:14, :] = 0
    bottom_right[:14, :] = 0
    bottom_right[:, :14] = 0
    return {"top_left": top_left, "top_right": top_right,
            "bottom_left": bottom_left, "bottom_right": bottom_right}


def test_quadrant_masks_partition_the_image():
    masks = {q: figs.quadrant_mask(q) for q in ("top_left", "top_right", "bottom_left", "bottom_right")}
    for m in masks.values():
        assert m.shape == (28, 28) and m.sum() == 14 * 14
    np.testing.assert_array_equal(sum(m.astype(int) for m in masks.values()), np.ones((28, 28)))
    assert masks["top_left"][0, 0] and masks["top_left"][13, 13] and not masks["top_left"][14, 13]
    assert masks["bottom_right"][27, 27] and masks["bottom_right"][14, 14]
    assert masks["top_right"][0, 27] and masks["bottom_left"][27, 0]


def test_keep_quadrant_matches_fig_mnist():
    image = np.arange(1, 28 * 28 + 1, dtype=float).reshape(28, 28)
    for q, expected in _upstream_quadrants(image).items():
        np.testing.assert_array_equal(figs.keep_quadrant(image, q), expected)


def test_function_plot_maths():
    assert figs.sigmoid(np.array([0.0]))[0] == 0.5
    np.testing.assert_allclose(figs.sigmoid(np.array([-5.0, 5.0])), [1 / (1 + np.e ** 5), 1 / (1 + np.e ** -5)])
    np.testing.assert_array_equal(figs.step(np.array([-1.0, -1e-9, 0.0, 2.0])), [0, 0, 1, 1])
    assert figs.valley(0.5, -0.5) == 0.5
    # One gradient step from (v1, v2) with rate eta lands on (1 - 2 eta)(v1, v2).
    v = figs.descent_step((-0.8, -0.45), eta=0.4)
    np.testing.assert_allclose(v, (-0.16, -0.09))


def test_checkerboard_like_valley_py():
    colors = figs.checkerboard((3, 4))
    assert colors[0, 0] == "w" and colors[0, 1] == "b" and colors[1, 0] == "b" and colors[1, 1] == "w"


#### Average darkness
def test_average_darkness_on_crafted_data():
    # Three "digits", four pixels each. Darkness = sum of pixels:
    #   digit 0: 10 and 20 -> mean 15;  digit 1: 100 -> mean 100;  digit 2: 50 and 70 -> mean 60.
    train_x = np.array([[10, 0, 0, 0], [5, 5, 5, 5], [25, 25, 25, 25], [50, 0, 0, 0], [30, 40, 0, 0]],
                       dtype=np.uint8)
    train_y = np.array([0, 0, 1, 2, 2])
    np.testing.assert_allclose(baselines.avg_darknesses(train_x, train_y, n_classes=3), [15, 100, 60])
    # Test darknesses 30 -> 0 (|30-15| = 15); 59 -> 2 (|59-60| = 1); 81 -> 1 (|81-100| = 19 < 21);
    # 80 is 20 from both 100 (digit 1) and 60 (digit 2): the tie goes to the smaller digit, 1.
    test_x = np.array([[30, 0, 0, 0], [59, 0, 0, 0], [81, 0, 0, 0], [40, 40, 0, 0]], dtype=np.uint8)
    pred = baselines.average_darkness_predictions(train_x, train_y, test_x, n_classes=3)
    np.testing.assert_array_equal(pred, [0, 2, 1, 1])
    # The book's k/256 floats choose the same digits.
    pred_f = baselines.average_darkness_predictions(train_x / 256, train_y, test_x / 256, n_classes=3)
    np.testing.assert_array_equal(pred_f, pred)


def test_average_darkness_needs_every_digit():
    from nnsci.errors import NnsciError

    with pytest.raises(NnsciError, match="missing \\[1\\]"):
        baselines.avg_darknesses(np.ones((2, 4), np.uint8), np.array([0, 2]), n_classes=3)


def test_average_darkness_full_data_is_the_books_2225(mnist_npz):
    from nnsci.data.mnist import load_mnist, to_float

    d = load_mnist(mnist_npz)
    pred = baselines.average_darkness_predictions(d["training_x"], d["training_y"], d["test_x"])
    assert int(np.sum(pred == d["test_y"])) == 2225
    pred_f = baselines.average_darkness_predictions(to_float(d["training_x"]), d["training_y"],
                                                    to_float(d["test_x"]))
    np.testing.assert_array_equal(pred_f, pred)


def test_random_guesses_are_uniform_and_seeded():
    s = np.random.SeedSequence(1, spawn_key=(5,))
    g = baselines.random_guesses(100000, s)
    assert g.min() == 0 and g.max() == 9
    assert np.all(np.abs(np.bincount(g) / len(g) - 0.1) < 0.01)
    np.testing.assert_array_equal(g, baselines.random_guesses(100000, np.random.SeedSequence(1, spawn_key=(5,))))
    assert baselines.random_guess_expected_accuracy() == 0.1


#### SVM
def test_svm_has_the_2014_defaults_pinned():
    p = baselines.svm_classifier().get_params()
    assert p["kernel"] == "rbf"
    assert p["C"] == 1.0
    assert p["gamma"] == 1 / 784  # 2014's gamma=0.0 meant 1/n_features; today's default is 'scale'
    assert p["degree"] == 3 and p["coef0"] == 0.0
    assert p["tol"] == 1e-3 and p["shrinking"] is True
    assert p["class_weight"] is None and p["max_iter"] == -1 and p["break_ties"] is False


@pytest.mark.parametrize("size, book_validation", [(100, 2507), (200, 4893)])
def test_svm_small_sizes_match_more_data_svm_json(mnist_npz, tmp_path, size, book_validation):
    """The book's chapter 3 stored SVM validation accuracies: 25.07% at 100, 48.93% at 200."""
    out = tmp_path / f"size{size}.npz"
    baselines.fit_svm(mnist_npz, size, out)
    r = baselines.load_svm_result(out)
    assert r["size"] == size and r["validation_n"] == 10000 and r["test_n"] == 10000
    assert r["validation_correct"] == book_validation
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["params"]["gamma"] == 1 / 784 and meta["size"] == size
    assert meta["validation_correct"] == book_validation
    with np.load(out) as z:
        assert z["test_pred"].shape == (10000,) and z["validation_pred"].dtype == np.uint8


def test_svm_rejects_a_bad_size(mnist_npz, tmp_path):
    from nnsci.errors import NnsciError

    with pytest.raises(NnsciError, match="size must be between 1 and 50000"):
        baselines.fit_svm(mnist_npz, 60000, tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()


#### Figures and the table at ci scale
ALL_FIGURES = ["digits", "mnist_100_digits", "digits_separate", "mnist_first_digit",
               "mnist_top_left_feature", "mnist_other_features", "mnist_complete_zero",
               "mnist_2_and_1", "mnist_really_bad_images", "sigmoid_graph", "step_graph",
               "valley", "valley_with_ball"]


def test_every_ch1_figure_is_registered():
    from nnsci.figures import load_all

    assert {f"ch1.{n}" for n in ALL_FIGURES} <= set(load_all())


@pytest.mark.parametrize("name", ALL_FIGURES)
def test_figure_builds_at_ci_scale(mnist_npz, tmp_path, name):
    from PIL import Image

    from nnsci.figures import make_figure

    out = tmp_path / f"{name}.png"
    make_figure(f"ch1.{name}", out, inputs={"mnist": str(mnist_npz)}, scale="ci")
    with Image.open(out) as im:
        assert im.size[0] > 100 and im.size[1] > 100
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary left behind


@pytest.mark.parametrize("name", ["mnist_100_digits", "mnist_really_bad_images", "valley_with_ball"])
def test_figure_rebuild_is_byte_identical(mnist_npz, tmp_path, name):
    from nnsci.figures import make_figure

    a, b = tmp_path / "a.png", tmp_path / "b.png"
    make_figure(f"ch1.{name}", a, inputs={"mnist": str(mnist_npz)}, scale="ci")
    make_figure(f"ch1.{name}", b, inputs={"mnist": str(mnist_npz)}, scale="ci")
    assert a.read_bytes() == b.read_bytes()


def test_mnist_figure_without_input_is_a_one_line_error(tmp_path):
    from nnsci.errors import NnsciError
    from nnsci.figures import make_figure

    with pytest.raises(NnsciError, match="--input mnist"):
        make_figure("ch1.digits", tmp_path / "d.png", inputs={}, scale="ci")


def test_baselines_table(mnist_npz, tmp_path):
    from nnsci.tables import make_table

    svm = tmp_path / "svm" / "size100.npz"
    baselines.fit_svm(mnist_npz, 100, svm)
    md, metrics = tmp_path / "baselines.md", tmp_path / "baselines.json"
    make_table("ch1.baselines", md, inputs={"mnist": str(mnist_npz), "svm": str(svm), "seed": "7"},
               scale="ci", metrics=metrics)
    numbers = json.loads(metrics.read_text())["numbers"]
    assert numbers["ch1.base.darkness"] == 2225
    assert isinstance(numbers["ch1.base.svm"], int) and 0 <= numbers["ch1.base.svm"] <= 10000
    assert numbers["ch1.base.svm_train_size"] == 100
    assert numbers["ch1.base.svm_validation"] == 2507
    assert 9.0 < numbers["ch1.base.random"] < 11.0
    text = md.read_text()
    assert "2225" in text and "9435" in text and "first 100 training images" in text
    assert md.with_suffix(".csv").exists()


def test_tuned_svm_chooses_on_validation_and_reports_its_pair(mnist_npz, tmp_path):
    from nnsci import svm_tuned
    from nnsci.tables import make_table

    grid = {"C": (1.0, 10.0), "gamma": (0.03, 100.0)}   # gamma 100: every image its own island
    x = np.array([[0.0, 0.0], [0.1, 0.0], [1.0, 1.0], [0.9, 1.0]])
    y = np.array([0, 0, 1, 1])
    scores, best = svm_tuned.grid_search(x, y, np.array([[0.05, 0.05], [0.95, 0.95]]), np.array([0, 1]), grid)
    assert [s[:2] for s in scores] == [(1.0, 0.03), (1.0, 100.0), (10.0, 0.03), (10.0, 100.0)]
    assert best == (1.0, 0.03)   # ties go to the first pair in grid order
    out = tmp_path / "svm" / "tuned_size100.json"
    r = svm_tuned.fit_tuned_svm(mnist_npz, 100, out)
    assert r["grid_size"] == 50 and (r["C"], r["gamma"]) in {(c, g) for c in svm_tuned.GRID["C"]
                                                            for g in svm_tuned.GRID["gamma"]}
    svm = tmp_path / "svm" / "size100.npz"
    baselines.fit_svm(mnist_npz, 100, svm)
    metrics = tmp_path / "baselines.json"
    make_table("ch1.baselines", tmp_path / "baselines.md", scale="ci", metrics=metrics,
               inputs={"mnist": str(mnist_npz), "svm": str(svm), "svm_tuned": str(out), "seed": "7"})
    numbers = json.loads(metrics.read_text())["numbers"]
    assert numbers["ch1.base.svm_tuned"] == pytest.approx(r["test_correct"] / 100, abs=0.005)
    assert numbers["ch1.base.svm_tuned.C"] == r["C"] and numbers["ch1.base.svm_tuned.gamma"] == r["gamma"]
    errors = 10000 - r["test_correct"]
    assert numbers["ch1.base.svm_tuned.error_one_in"] == pytest.approx(10000 / errors, abs=0.005)


#### The chapter's arithmetic (docs/fidelity.md, "Chapter 1's and chapter 2's arithmetic") and E1.1
def test_analytic_numbers_are_the_books():
    from nnsci.experiments import ch1_analytic as a

    _, _, n = a.analytic_table({}, "ci")
    assert [n[f"ch1.nand.z{k}"] for k in ("00", "01", "10", "11")] == [3, 1, 1, -1]
    assert n["ch1.nand.merged_weight"] == -4
    assert n["ch1.nand.half_adder"] == {"value": 4, "of": 4}
    assert n["ch1.cheese.threshold5.agree"] == {"value": 8, "of": 8}
    assert n["ch1.cheese.threshold3.agree"] == {"value": 8, "of": 8}
    assert n["ch1.inputs_64x64"]["value"] == 4096 and n["ch1.bitwise.codes"]["value"] == 16
    assert n["ch1.sgd.speedup"] == 6000 and n["ch1.hessian.entries"] == 1e12
    # a threshold of 7 no longer fires on the weather alone (6 < 7): the rule is not the weather bit
    assert a.cheese_agreement(7, lambda w, p, t: w) < 8


def test_bitwise_layer_decodes_one_hot_outputs():
    from nnsci.experiments import ch1_analytic as a
    from nnsci.experiments.ch1_bitwise import bitwise_digits

    # the worst case by hand: bit 3 of digit 8 (or 9) reads +10 from 8 and 9 and -10 from the eight
    # digits 0-7: 0.99*10 + 0 - 8*0.01*10 = 9.1
    from fractions import Fraction

    assert a.bitwise_worst_margin() == Fraction(91, 10)
    assert a.bitwise_worst_margin(weight=0) is None
    outputs = np.full((10, 10), 0.01)
    outputs[np.arange(10), np.arange(10)] = 0.99
    assert list(bitwise_digits(outputs)) == list(range(10))


def test_eta_search_stops_where_the_ladder_stops_improving(monkeypatch):
    from nnsci.experiments import ch1_networks as c

    peaks = {"ch1.eta0.001": 20.0, "ch1.eta0.01": 60.0, "ch1.eta0.1": 90.0, "ch1.eta1.0": 95.0, "ch1.eta10.0": 94.0}
    eta, text = c.eta_search({f"{e}.best_mean": p for e, p in peaks.items()})
    assert eta == 1.0 and "eta 10: 94.00%" in text
    peaks["ch1.eta10.0"] = 96.0
    assert c.eta_search({f"{e}.best_mean": p for e, p in peaks.items()})[0] == 10.0

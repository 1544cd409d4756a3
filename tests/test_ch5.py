"""Chapter 5's trained results: the speed of learning, its ratio, and the tables.

Expected values come from an independent numpy backpropagation written here, from arithmetic on the
book's stored norms, and from synthetic metrics whose statistics are known by construction."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nnsci.config import load_experiments, run_seed_sequence
from nnsci.engine import Dataset
from nnsci.experiments import ch5

SCALE = {"name": "test", "seeds_max": 2}


# -- an independent backprop: network2.py's, vectorised over examples ------------------------------


def numpy_mean_bias_gradients(weights, biases, x, y):
    """The mean over examples of dC/db^l for a sigmoid net with cross-entropy cost (delta^L = a - y)."""
    sigma = lambda z: 1.0 / (1.0 + np.exp(-z))  # noqa: E731
    a, zs, acts = x.T, [], [x.T]
    for w, b in zip(weights, biases):
        z = w @ a + b[:, None]
        zs.append(z)
        a = sigma(z)
        acts.append(a)
    delta = acts[-1] - y.T
    grads = [delta.mean(axis=1)]
    for l in range(2, len(weights) + 1):
        sp = sigma(zs[-l]) * (1 - sigma(zs[-l]))
        delta = (weights[-l + 1].T @ delta) * sp
        grads.insert(0, delta.mean(axis=1))
    return grads


def _synthetic_images(n, rng):
    x = rng.integers(0, 256, size=(n, 784)).astype(np.float64) / 256
    labels = rng.integers(0, 10, size=n)
    return x, labels


@pytest.mark.parametrize("sizes", [[784, 30, 30, 10], [784, 30, 30, 30, 30, 10]])
def test_hidden_speeds_match_a_plain_numpy_backprop(sizes):
    rng = np.random.default_rng(5)
    x, labels = _synthetic_images(200, rng)
    data = Dataset.classification(x, labels, 10, "float64")
    net = ch5.initial_network(sizes, run_seed_sequence(1, "test"), dtype="float64")
    weights = [net.weights(l).copy() for l in range(1, net.L + 1)]
    biases = [net.biases(l).copy() for l in range(1, net.L + 1)]
    expected = [np.linalg.norm(g) for g in numpy_mean_bias_gradients(weights, biases, x, data.t)[:-1]]
    np.testing.assert_allclose(ch5.hidden_speeds(net, data), expected, rtol=1e-9)
    # the signed vector behind fig5.05
    np.testing.assert_allclose(ch5.mean_bias_gradient(net, data, 1),
                               numpy_mean_bias_gradients(weights, biases, x, data.t)[0], rtol=1e-9, atol=1e-15)


def test_initial_network_is_network2s_default_initialiser():
    net = ch5.initial_network([784, 30, 30, 10], run_seed_sequence(1, "x"), dtype="float64")
    w1 = net.weights(1)
    assert abs(w1.std() * np.sqrt(784) - 1) < 0.02      # W ~ N(0, 1/n_in)
    assert abs(net.biases(1).std() - 1) < 0.5            # b ~ N(0, 1), 30 draws
    assert net.cost_name == "cross_entropy" and net.hidden_name == "sigmoid"


# -- the ratio -----------------------------------------------------------------------------------


def test_speed_ratio_of_the_books_stored_norms():
    # the book's own 4-layer curves (fig/norms_during_training_4_layers.json), epochs 0 and 499; last/first = 96 and 113
    curves = np.array([[0.00298, 0.0171, 0.0695, 0.285], [8.2e-6, 2.6e-5, 1.8e-4, 9.2e-4]])
    np.testing.assert_allclose(ch5.speed_ratio(curves), [0.285 / 0.00298, 9.2e-4 / 8.2e-6])
    assert round(ch5.speed_ratio(curves)[0]) == 96 and round(ch5.speed_ratio(curves)[1]) == 112


def test_speed_curves_drop_the_output_layer_and_the_final_probe():
    # three epochs: probes before epochs 0, 1, 2 and once after; layers 1, 2 hidden and 3 the output
    metrics = {"run": "r", "epochs_run": 3,
               "grad_norms_b": [[1, 2, 9], [3, 4, 9], [5, 6, 9], [7, 8, 9]]}
    np.testing.assert_array_equal(ch5.speed_curves(metrics), [[1, 2], [3, 4], [5, 6]])


# -- the tables from synthetic metrics ----------------------------------------------------------------


def _write_run(results, run_id, acc=None, n_eval=1000, norms=None, epochs=3):
    d = results / "runs" / run_id
    d.mkdir(parents=True)
    m = {"run": run_id, "n_training": 1000, "n_evaluation": n_eval if acc else 0, "epochs_run": epochs,
         "evaluation_accuracy": acc or [], "grad_norms_b": norms or []}
    (d / "metrics.json").write_text(json.dumps(m))


def _norms(n_hidden, epochs, factor):
    """Probe rows where each hidden layer is ``factor`` times slower than the next; output norm 1."""
    return [[factor ** (l - n_hidden) for l in range(1, n_hidden + 1)] + [1.0] for _ in range(epochs + 1)]


def test_depth_table_from_synthetic_runs(tmp_path):
    for i, exp in enumerate(ch5.DEPTHS):
        _write_run(tmp_path, f"{exp}.s0", acc=[900, 950 + i, 940])
        _write_run(tmp_path, f"{exp}.s1", acc=[910, 930, 960])
    df, notes, numbers = ch5.depth_table({"results": str(tmp_path)}, SCALE)
    assert list(df["run"]) == list(ch5.DEPTHS)
    assert numbers["ch5.depth1"] == 96.0 and numbers["ch5.depth1.best_epoch"] == 2   # seed 1 wins
    assert numbers["ch5.depth4"] == 96.0
    assert numbers["ch5.depth2.best_mean"] == pytest.approx((95.1 + 96.0) / 2)
    assert numbers["ch5.depth1.final_mean"] == pytest.approx((94.0 + 96.0) / 2)
    assert "96.48" in df.iloc[0]["book validation %"]


def test_cures_table_ratio_from_synthetic_runs(tmp_path):
    for exp in ch5.cure_experiments():
        n_hidden = len(load_experiments("ch5")[exp]["net"]) - 2
        for s in (0, 1):
            _write_run(tmp_path, f"{exp}.s{s}", acc=[800, 900, 850], norms=_norms(n_hidden, 3, 4.0))
    df, notes, numbers = ch5.cures_table({"results": str(tmp_path)}, SCALE)
    assert numbers["ch5.deep.sigmoid4.ratio.epoch0"] == pytest.approx(4.0 ** 3)
    assert numbers["ch5.deep.sigmoid8.ratio.last"] == pytest.approx(4.0 ** 7)
    assert numbers["ch5.deep.relu4.best_mean"] == pytest.approx(90.0)


def test_gradients_table_from_synthetic_runs_and_images(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {}
    for split, n in (("training", 1000), ("validation", 10), ("test", 10)):
        arrays[f"{split}_x"] = rng.integers(0, 256, size=(n, 784)).astype(np.uint8)
        arrays[f"{split}_y"] = rng.integers(0, 10, size=n).astype(np.uint8)
    np.savez(tmp_path / "mnist.npz", **arrays)
    for exp in ch5.SPEEDS:
        n_hidden = len(load_experiments("ch5")[exp]["net"]) - 2
        for s in (0, 1):
            _write_run(tmp_path, f"{exp}.s{s}", norms=_norms(n_hidden, 60, 5.0), epochs=60)
    df, notes, numbers, found = ch5.gradients_table(
        {"results": str(tmp_path), "mnist": str(tmp_path / "mnist.npz"), "seed": "7"}, SCALE)
    # fig5.05's claim: judged on our draw and on the author's stored bars (sums of |bars| 0.19308 / 0.05607 = 3.44)
    assert found[0]["id"] == "ch5.grad0.2.bars" and "stored bars 3.44" in found[0]["ours"]
    assert numbers["ch5.grad0.2.bars_ratio"] > 0
    # at initialisation: 10 draws of each depth, each earlier layer slower (the book's pattern)
    for n_hidden in (2, 3, 4):
        means = [numbers[f"ch5.grad0.{n_hidden}.layer{l}"] for l in range(1, n_hidden + 1)]
        assert all(a < b for a, b in zip(means, means[1:]))
    # the trained runs: the synthetic ratio is 5^3 at every epoch
    assert numbers["ch5.speed4.ratio.epoch0"] == pytest.approx(125.0)
    assert numbers["ch5.speed4.ratio.epoch59"] == pytest.approx(125.0)
    assert numbers["ch5.speed4.ratio"] == pytest.approx(125.0)
    assert numbers["ch5.speed4_sgd.ratio.epoch0"] == pytest.approx(125.0)
    assert numbers["ch5.speed2.epoch50.layer1"] == pytest.approx(0.2)
    assert numbers["ch5.speed3.epoch59.layer2"] == pytest.approx(0.2)
    assert "ch5.speed2.min.layer1" in numbers


def test_factor16_and_the_identity_neuron():
    """ch5.factor16: two layers of sigma' <= 1/4 make dC/db1 at least 16x smaller (the book's 16);
    the identity neuron's error falls like w1^2 (Taylor: max |D - (2/w1) tanh(w1 D/2)| on |D| <= 1/2
    is (w1^2/12)(1/8) = w1^2/96 to leading order)."""
    from nnsci.experiments import ch5_analytic as a

    assert a.factor_two_layers() == 16.0
    for w1 in (0.1, 0.01):
        assert a.identity_error(w1) == pytest.approx(w1 ** 2 / 96, rel=1e-3)

"""Chapter 3's trained results: the replica's seeding, more_data's schedule, P3.7's fit, the table.

Expected values come from the book's stored data (overfitting.json's first test and training counts,
config/reference/book_series.yaml), from more_data.py's code (docs/fidelity.md, "Chapter 3's figures"), or from
synthetic data with known parameters."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nnsci.config import load_experiments
from nnsci.experiments import ch3, ch3_runs, ch3_stats


#### The replica: overfitting.py's seeding and init-block order
def test_overfitting_replica_first_epochs_match_the_book(mnist_npz, tmp_path):
    """[784,30,10] CE, constructor draw then large_weight_initializer, training_data[:1000], eta 0.5,
    test data: overfitting.json's first three test counts 5887, 6505, 6970 and training 690, 749, 812."""
    from nnsci.engine import NielsenStreams
    from nnsci.experiments.spec import BOOK_SEED, RunSpec
    from nnsci.experiments.train import DataStore, train_one

    run = RunSpec.build(load_experiments("ch3")["ch3.overfit1000"], "ch3.overfit1000").scaled({"epochs_max": 3})
    assert run.spec["epochs"] == 3 and run.spec["eval"] == {"set": "test"}
    m = train_one(run, NielsenStreams(BOOK_SEED), DataStore({"mnist": str(mnist_npz)}),
                  "cpu", tmp_path, {"rng": "nielsen"})
    assert m["evaluation_accuracy"] == [5887, 6505, 6970]
    assert m["training_accuracy"] == [690, 749, 812]
    assert m["training_cost"][0] == pytest.approx(1.8434, abs=5e-5)   # overfitting.json, 4 decimals
    assert m["evaluation_cost"][0] == pytest.approx(2.0763, abs=5e-5)


def test_replica_seedings_follow_the_scripts():
    """One seeding per run function: overfitting.py's four runs are separate experiments; more_data,
    multiple_eta and weight_initialization (per call) are scripts; only the last two share one list."""
    specs = load_experiments("ch3")
    for e in ch3_runs.REPLICA_SINGLE:
        assert specs[e]["rng"] == "nielsen" and "runs" not in specs[e]
        assert specs[e]["init"] == ["default", "large"] and specs[e]["dtype"] == "float64"
    assert specs["ch3.more_data"].get("list", "slice") == "slice"
    assert specs["ch3.multi_eta"]["list"] == "shared" and specs["ch3.winit30"]["list"] == "shared"
    # more_data: the constructor's draw once, then large_weight_initializer for every size
    inits = [r.get("init", specs["ch3.more_data"]["init"]) for r in specs["ch3.more_data"]["runs"]]
    assert inits[0] == ["default", "large"] and all(i == ["large"] for i in inits[1:])
    # weight_initialization: new (default, block 1) then old (large, block 2) on the same object
    assert [r["init"] for r in specs["ch3.winit30"]["runs"]] == [["default"], ["large"]]
    assert [r["eta"] for r in specs["ch3.multi_eta"]["runs"]] == [0.025, 0.25, 2.5]


#### more_data.py's schedule
def test_more_data_schedule_is_the_scripts():
    """num_epochs = 1500000/size and lambda = size*0.0001 (more_data.py), for the nine sizes."""
    epochs = [15000, 7500, 3000, 1500, 750, 300, 150, 75, 30]   # 1,500,000 / size
    assert [ch3_runs.more_data_epochs_and_lambda(s)[0] for s in ch3_runs.MORE_DATA_SIZES] == epochs
    assert ch3_runs.more_data_epochs_and_lambda(50000)[1] == pytest.approx(5.0)
    specs = load_experiments("ch3")
    for run, size in zip(specs["ch3.more_data"]["runs"], ch3_runs.MORE_DATA_SIZES):
        e, lam = ch3_runs.more_data_epochs_and_lambda(size)
        assert run["train"]["size"] == size and run["epochs"] == e and run["lmbda"] == pytest.approx(lam)
        ours = specs[f"ch3.more_data_ours.n{size}"]
        assert ours["train"]["size"] == size and ours["epochs"] == e and ours["lmbda"] == pytest.approx(lam)


def test_capped_sizes_collapse_and_deduplicate():
    from nnsci.config import Scale

    capped = Scale(name="t").capped_sizes
    assert capped(ch3_runs.MORE_DATA_SIZES, 2000) == [(100, 100), (200, 200), (500, 500), (1000, 1000),
                                                          (2000, 2000)]
    assert capped([100, 5000, 10000], 3000) == [(100, 100), (5000, 3000)]
    assert capped(ch3_runs.MORE_DATA_SIZES, None)[-1] == (50000, 50000)
    assert Scale(name="t", train_size_max=3000).capped_sizes([100, 5000, 10000]) == [(100, 100), (5000, 3000)]


def test_training_families_cover_every_chapter3_experiment_once():
    from nnsci.experiments import training_families

    for scale in ({"train_size_max": 2000}, {}):
        fam = training_families(scale, "ch3")
        listed = [e for v in fam.values() for e in v]
        assert len(listed) == len(set(listed))
        assert sorted(listed) == sorted(ch3_runs.REPLICAS + ch3_runs.trained_our_experiments(scale))
    capped = training_families({"train_size_max": 2000}, "ch3")["ch3.more_data"]
    assert capped == [f"ch3.more_data_ours.n{s}" for s in (100, 200, 500, 1000, 2000)]
    assert len(training_families({}, "ch3")["ch3.more_data"]) == 9


#### P3.7: the saturating power law
def test_power_law_fit_recovers_known_parameters():
    n = np.array(ch3_runs.MORE_DATA_SIZES, float)
    truth = {"a": 97.0, "b": 400.0, "c": 0.55}
    f = ch3_stats.fit_power_law(n, ch3_stats.power_law(n, truth))
    assert f["a"] == pytest.approx(97.0, abs=0.02)
    assert f["b"] == pytest.approx(400.0, rel=0.01)
    assert f["c"] == pytest.approx(0.55, abs=0.003)
    # with noise, the bootstrap interval holds the truth
    rng = np.random.default_rng(1)
    seeds = ch3_stats.power_law(n, truth)[:, None] + rng.normal(0, 0.2, (len(n), 5))
    boot = ch3_stats.bootstrap_power_law(n, seeds.mean(axis=1), seeds, reps=60)
    assert np.percentile(boot["a"], 2.5) - 0.5 < 97.0 < np.percentile(boot["a"], 97.5) + 0.5


def test_power_law_asymptote_is_bounded_by_100():
    n = np.array([100, 200, 500, 1000, 2000], float)
    acc = 30 + 10 * np.log(n)       # grows without bound: the free fit would pass 100
    f = ch3_stats.fit_power_law(n, acc)
    assert f["a"] <= 100.0


def test_power_law_needs_four_sizes():
    from nnsci.errors import NnsciError

    with pytest.raises(NnsciError, match="at least 4"):
        ch3_stats.fit_power_law([100, 200, 500], [60, 70, 80])


#### The table, from synthetic metrics
def _write_run(results, run, spec, n_train, n_eval, ev, tr=None, ec=None, tc=None, epochs_run=None):
    d = results / "runs" / run
    d.mkdir(parents=True)
    m = {"run": run, "spec": spec, "n_training": n_train, "n_evaluation": n_eval,
         "epochs_run": epochs_run or len(ev or tc), "stopped_early": False,
         "training_cost": tc or [], "training_accuracy": tr or [], "evaluation_cost": ec or [],
         "evaluation_accuracy": ev or [], "eta": [0.5] * len(ev or tc), "seconds_per_epoch": []}
    (d / "metrics.json").write_text(json.dumps(m))


def test_results_table_builds_from_synthetic_metrics(tmp_path):
    from nnsci.experiments import run_ids

    scale = {"seeds_max": 2}
    specs = load_experiments("ch3")
    book = ch3_runs.book_series()
    # overfit1000 shaped like the book's landmarks: 400 epochs, peak 8227 at 374
    ev = [8000] * 400
    for e, v in book["ch3.overfit1000"]["evaluation_accuracy"].items():
        ev[e] = v
    tr = [1000] * 400
    tr[:3] = [690, 749, 812]
    for e in range(3, 67):
        tr[e] = 999
    ec = [1.5] * 400
    ec[0], ec[14], ec[399] = 2.0763, 1.2028, 1.7731
    tc = [0.01] * 400
    tc[0], tc[199], tc[399] = 1.8434, 0.00977, 0.0042
    _write_run(tmp_path, "ch3.overfit1000", specs["ch3.overfit1000"], 1000, 10000, ev, tr, ec, tc)
    for e in ("ch3.l2_1000", "ch3.overfit_full", "ch3.l2_full"):
        _write_run(tmp_path, e, specs[e], 1000, 10000, [8000, 8100], [900, 950], [1.0, 0.9], [0.5, 0.4])
    for rid in run_ids("ch3.winit30", scale) + run_ids("ch3.winit100", scale):
        _write_run(tmp_path, rid, {}, 50000, 10000, [9000, 9100])
    for rid in run_ids("ch3.multi_eta", scale):
        _write_run(tmp_path, rid, {}, 50000, 0, [], tc=[0.8, 0.7])
    for exp in ch3_runs.our_experiments():
        for k, rid in enumerate(run_ids(exp, scale)):
            if exp.startswith("ch3.eta"):
                _write_run(tmp_path, rid, specs[exp], 50000, 0, [], tc=[0.6, 0.5 + k / 100])
            else:
                _write_run(tmp_path, rid, specs[exp], 50000, 10000, [9000 + k, 9500 + 10 * k, 9400])
    ch1_networks = tmp_path / "networks.json"   # chapter 1's metrics: the error rate before, 100 - 93.00
    ch1_networks.write_text(json.dumps({"table": "ch1.networks", "scale": "ci",
                                        "numbers": {"ch3.ce100.error_rate_before": 7.0}}))
    df, notes, numbers, found = ch3.results_table({"results": str(tmp_path), "ch1_networks": str(ch1_networks)},
                                                  scale)
    # "improvement stops around epoch 280": the first epoch within 10 images of the best 8227
    assert numbers["ch3.overfit1000.plateau_epoch"] == 280
    # ce100's best of 3 is 95.10: the error drops from 7.00 to 4.90, one in 7 / 2.1 removed
    assert numbers["ch3.ce100.errors_removed_one_in"] == pytest.approx(7.0 / 2.1, abs=1e-4)
    assert [c["id"] for c in found] == ["ch3.l2.reproducible"]
    assert found[0]["verdict"] == "not decided at this scale"   # 2 seeds decide nothing about an sd
    assert numbers["ch3.overfit1000.best"] == {"value": 8227, "of": 10000}
    assert numbers["ch3.overfit1000.best_epoch"] == 374
    assert numbers["ch3.overfit1000.gap"] == pytest.approx(17.73)
    assert numbers["ch3.overfit1000.test_acc.epoch2"] == {"value": 6970, "of": 10000}
    assert numbers["ch3.overfit1000.train_acc.first_full_epoch"] == 67
    # the book's "error rate 3.18%" is 100 minus the best-of-three accuracy
    assert numbers["ch3.ce100.error_rate"] == pytest.approx(100.0 - numbers["ch3.ce100.best"])
    assert numbers["ch3.overfit1000.test_cost.min_epoch"] == 14
    assert numbers["ch3.overfit1000.evaluation_accuracy.book_epochs_exact"] == 7
    assert numbers["ch3.ce30.best"] == pytest.approx(95.10)   # best of first 3 seeds: 9510/10000
    assert numbers["ch3.hp.bad.epoch0"] == {"value": 9000, "of": 10000}
    # the book's overfit_full ids are the replica's; our seeds get their own
    assert numbers["ch3.overfit_full.best_test"] == {"value": 8100, "of": 10000}
    assert numbers["ch3.overfit_full_ours.best"] == pytest.approx(95.10)
    assert numbers["ch3.params.net30"] == 23860 and numbers["ch3.params.net100"] == 79510
    assert "ch3.overfit1000" in set(df["run"]) and "ch3.momentum0.9" in set(df["run"])
    assert "P3.1 (L1)" in notes and "does NOT beat" in notes   # equal synthetic curves: no gain


def test_figure_runs_are_registered_figures_of_chapter3_experiments():
    from nnsci.config import load_experiments as load
    from nnsci.figures import FIGURES, load_all

    load_all()
    specs = load("ch3")
    for name, experiments in ch3_runs.FIGURE_RUNS.items():
        assert f"ch3.{name}" in FIGURES
        assert all(e in specs for e in experiments)


def test_more_data_curves_file_round_trips_exactly(tmp_path, monkeypatch):
    """The four more_data figures and the table read one curves file: the floats must come back
    bit for bit (the table's numbers are compared exactly)."""
    curves = {"ours": {"n": np.array([100.0, 200.0]), "acc": np.array([0.1 + 0.2, 1 / 3]),
                       "seeds": np.array([[0.3, 0.30000000000000004], [1 / 3, 2 / 3]])},
              "book_nn": {"n": np.array([100.0]), "acc": np.array([69.09])}}
    real = ch3_runs.more_data_curves
    monkeypatch.setattr(ch3_runs, "more_data_curves", lambda inputs, scale: curves)
    ch3_runs.write_more_data_curves(tmp_path / "c.json", {}, {})
    back = real({"curves": str(tmp_path / "c.json")}, {})
    for name, c in curves.items():
        for k, v in c.items():
            assert back[name][k].tobytes() == v.tobytes()


def test_eta_threshold_procedure_on_synthetic_costs(tmp_path):
    """Costs that fall for eta <= 0.5 and rise above it: the book's answer, order 0.1, refined 0.5, use 0.25."""
    from nnsci.experiments import run_ids

    scale = {"seeds_max": 2}
    for exp in load_experiments("ch3"):
        if exp.startswith("ch3.eta_threshold."):
            eta = float(exp.rsplit(".eta", 1)[1])
            tc = [1.0, 0.9, 0.8] if eta <= 0.5 else [1.0, 1.1, 0.9]
            for rid in run_ids(exp, scale):
                _write_run(tmp_path, rid, {}, 50000, 0, [], tc=tc)
    order, refined, use, _ = ch3.eta_threshold(str(tmp_path), scale)
    assert (order, refined, use) == (0.1, 0.5, 0.25)
    # the search climbs and stops at the first eta whose cost does not fall: a larger eta that
    # happens to fall again (a huge first-epoch cost falling back) is never reached
    import shutil

    for rid in run_ids("ch3.eta_threshold.eta10.0", scale):
        shutil.rmtree(tmp_path / "runs" / rid)
        _write_run(tmp_path, rid, {}, 50000, 0, [], tc=[9.0, 5.0, 4.0])
    assert ch3.eta_threshold(str(tmp_path), scale)[:3] == (0.1, 0.5, 0.25)

"""The run spec: built once (RunSpec.build), scaled once, the scale's caps keyed on the declared kind
of network; an experiment file's `defaults:`. Expected values are made up for the test."""

from __future__ import annotations

import pytest

from nnsci import paths
from nnsci.config import Scale, load_experiments
from nnsci.errors import NnsciError
from nnsci.experiments.spec import RunSpec, validate

DENSE_BY_LAYER = {"input": 784, "layers": [{"fc": {"n": 30}}, {"fc": {"n": 10}}]}
SPEC = {"net": DENSE_BY_LAYER, "eta": 0.1, "epochs": 60, "train": {"set": "training"},
        "eval": {"set": "validation"}}
CAPS = Scale.from_mapping({"train_size_max": 2000, "eval_size_max": 1000, "convnet_train_size_max": 200,
                           "convnet_eval_size_max": 100, "convnet_epochs_max": 2, "epochs_max": 5}, name="t")


def test_a_dense_net_given_layer_by_layer_is_scaled_as_dense():
    s = RunSpec.build(SPEC, "ch9.dense").scaled(CAPS).spec
    assert (s["epochs"], s["train"]["size"], s["eval"]["size"]) == (5, 2000, 1000)


def test_the_convnet_caps_follow_the_declared_kind():
    run = RunSpec.build({**SPEC, "kind": "convnet"}, "ch9.conv").scaled(CAPS)
    assert (run.spec["epochs"], run.spec["train"]["size"], run.spec["eval"]["size"]) == (2, 200, 100)
    assert run.kind == "convnet" and run.scale == "t"
    assert "kind" not in run.spec   # the stored spec is the same whether a file declares it or not
    with pytest.raises(NnsciError, match="kind"):
        RunSpec.build({**SPEC, "kind": "recurrent"}, "ch9.bad")


def test_a_run_is_scaled_once():
    run = RunSpec.build(SPEC, "ch9.x").scaled(CAPS)
    with pytest.raises(NnsciError, match="already scaled"):
        run.scaled(CAPS)


def test_the_run_spec_carries_the_engine_options():
    o = RunSpec.build({**SPEC, "lmbda": 5.0, "options": {"momentum": 0.5, "shuffle": False}}, "ch9.o").options()
    assert (o.lmbda, o.momentum, o.shuffle, o.l2) == (5.0, 0.5, False, "decay")
    assert validate(SPEC, "ch9.v")["mini_batch"] == 10   # the mapping form: defaults filled


@pytest.fixture
def experiments_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "EXPERIMENTS_DIR", tmp_path)
    return tmp_path


def test_defaults_are_merged_under_every_entry(experiments_dir):
    (experiments_dir / "ch9.yaml").write_text("""\
defaults:
  eta: 0.1
  epochs: 60
  options: {l2: penalty, shuffle: false}
ch9.a:
  net: [784, 10]
  train: {set: training}
ch9.b:
  net: [784, 10]
  epochs: 40
  train: {set: training}
  options: {dropout_mask: shared}
""")
    e = load_experiments("ch9")
    assert list(e) == ["ch9.a", "ch9.b"]
    assert e["ch9.a"] == {"net": [784, 10], "eta": 0.1, "epochs": 60, "train": {"set": "training"},
                          "options": {"l2": "penalty", "shuffle": False}}
    assert e["ch9.b"]["epochs"] == 40
    assert e["ch9.b"]["options"] == {"l2": "penalty", "shuffle": False, "dropout_mask": "shared"}


def test_bad_defaults_are_one_line_naming_them(experiments_dir):
    (experiments_dir / "ch9.yaml").write_text("defaults:\n  etta: 0.1\nch9.a: {net: [784, 10], eta: 1, "
                                              "epochs: 1, train: {set: training}}\n")
    with pytest.raises(NnsciError, match="defaults.*etta"):
        load_experiments("ch9")


def test_chapter_6_declares_its_defaults_once():
    text = (paths.EXPERIMENTS_DIR / "ch6.yaml").read_text()
    assert text.count("options: {l2: penalty, shuffle: false, drop_last: true}") == 1
    assert all(s["kind"] == "convnet" and s["options"]["l2"] == "penalty" for s in load_experiments("ch6").values())

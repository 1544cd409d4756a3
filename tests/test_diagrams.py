"""The book's diagrams: each builds, a rebuild gives the same bytes, the networks have the layer sizes
of their run specs and the neurons the book's numbers (the builders' data, not pixels)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from nnsci.config import load_scale
from nnsci.figures import FIGURES, load_all
from nnsci.figures.chapter_diagrams import DIAGRAMS
from nnsci.figures.diagram_catalog import DIAGRAMS as CATALOG
from nnsci.figures.diagrams import activation_curve, circuit_outputs, perceptron_output

ROOT = Path(__file__).resolve().parents[1]
IDS = [f"{ch}.{name}" for ch, items in CATALOG.items() for name, _ in items]


def spec_net(chapter, experiment):
    return yaml.safe_load((ROOT / "config/experiments" / f"{chapter}.yaml").read_text())[experiment]["net"]


def test_catalog_is_the_registry():
    load_all()
    assert set(DIAGRAMS) == set(IDS)
    assert all(i in FIGURES for i in IDS)
    figs = [f for items in CATALOG.values() for _, f in items]
    assert len(figs) == len(set(figs))
    for ch, items in CATALOG.items():
        for name, fig in items:
            assert DIAGRAMS[f"{ch}.{name}"]()["title"].startswith(fig + ":"), name
            assert FIGURES.describe(f"{ch}.{name}").startswith(fig + ":"), name


@pytest.mark.parametrize("name", IDS)
def test_builds_and_rebuilds_byte_identical(tmp_path, name):
    load_all()
    scale = load_scale("ci")
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    FIGURES[name](a, {}, scale)
    FIGURES[name](b, {}, scale)
    assert a.read_bytes().startswith(b"\x89PNG")
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize("name, chapter, experiment", [
    ("ch1.digit_network", "ch1", "ch1.net30"),
    ("ch5.shallow_network", "ch5", "ch5.depth1"),
    ("ch5.deep_network", "ch5", "ch5.depth4"),
    ("ch5.deep_wide_network", "ch5", "ch5.deep.sigmoid8"),
])
def test_network_has_its_specs_sizes(name, chapter, experiment):
    d = DIAGRAMS[name]()
    assert d["spec"] == experiment
    assert d["sizes"] == spec_net(chapter, experiment)


def test_the_books_sizes():
    assert DIAGRAMS["ch1.digit_network"]()["sizes"] == [784, 30, 10]
    assert DIAGRAMS["ch1.bitwise_network"]()["sizes"] == [784, 30, 10, 4]
    assert DIAGRAMS["ch5.deep_network"]()["sizes"] == [784, 30, 30, 30, 30, 10]
    assert DIAGRAMS["ch5.deep_wide_network"]()["sizes"] == [784] + [30] * 8 + [10]
    assert DIAGRAMS["ch6.fully_connected"]()["sizes"] == [28 * 28, 100, 10]
    assert DIAGRAMS["ch4.basic_network"]()["sizes"] == [1, 3, 1]
    assert DIAGRAMS["ch4.vector_valued_network"]()["sizes"] == [3, 5, 2]
    assert DIAGRAMS["ch4.bigger_network"]()["sizes"] == [1, 5, 1]
    assert DIAGRAMS["ch4.two_hidden_neurons"]()["sizes"] == [1, 2, 1]
    assert DIAGRAMS["ch5.chain_network"]()["neurons"] == 4


def test_nand_perceptron_computes_nand():
    d = DIAGRAMS["ch1.nand_perceptron"]()
    assert d["weights"] == [-2, -2] and d["bias"] == 3 and d["activation"] == "step"
    table = {x: perceptron_output(d["weights"], d["bias"], x) for x in [(0, 0), (0, 1), (1, 0), (1, 1)]}
    assert table == {(0, 0): 1, (0, 1): 1, (1, 0): 1, (1, 1): 0}


@pytest.mark.parametrize("name, f", [
    ("sigmoid", lambda z: 1 / (1 + math.exp(-z))),
    ("step", lambda z: 0.0 if z < 0 else 1.0),
    ("tanh", math.tanh),
])
def test_activation_curves(name, f):
    z, a = activation_curve(name, n=11)
    assert [round(v, 12) for v in a] == [round(f(v), 12) for v in z]


@pytest.mark.parametrize("name", ["ch1.adder_perceptrons", "ch1.adder_merged"])
def test_adder_of_nand_perceptrons_adds(name):
    d = DIAGRAMS[name]()
    assert set(d["gates"].values()) == {3}
    assert {w for _, _, w in d["edges"]} == ({-2, -4} if name.endswith("merged") else {-2})
    for x1 in (0, 1):
        for x2 in (0, 1):
            v = circuit_outputs(d, {"x1": x1, "x2": x2})
            assert (v["carry"], v["sum"]) == divmod(x1 + x2, 2)


def test_tower_n_dim_bias_is_minus_five_halves_h():
    d = DIAGRAMS["ch4.tower_n_dim"]()
    assert d["sizes"] == [3, 6, 1] and d["output_bias"] == -2.5


def test_receptive_fields_are_the_toy_nets_plan():
    # fig6.13's toy net: 28x28 input, 5x5 fields -> 3 maps of 24x24, 2x2 max-pooling -> 3 maps of 12x12
    d = DIAGRAMS["ch6.conv_pool"]()
    assert [(ly["maps"], ly["side"]) for ly in d["layers"]] == [(1, 28), (3, 24), (3, 12)]
    assert [link["k"] for link in d["links"]] == [5, 2]
    assert DIAGRAMS["ch6.field_second"]()["links"][0]["at"] == (0, 1)
    assert [ly["side"] for ly in DIAGRAMS["ch6.max_pooling"]()["layers"]] == [24, 12]


def test_notation_marks_name_existing_neurons():
    # w^3_24: from neuron 4 of layer 2 to neuron 2 of layer 3 (0-based (1, 3) -> (2, 1))
    d = DIAGRAMS["ch2.weight_notation"]()
    (l, j, k), = d["edge_marks"]
    assert (l, j, k) == (1, 3, 1) and j < d["sizes"][l] and k < d["sizes"][l + 1]
    assert set(DIAGRAMS["ch2.bias_notation"]()["neuron_marks"]) == {(1, 2), (2, 0)}

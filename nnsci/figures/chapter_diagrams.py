"""The book's diagrams of networks and neurons (figures/diagram_catalog.py lists them by chapter).

Each diagram is a data function here, ``DIAGRAMS[id]() -> dict``: a network's layer sizes come from
the layer plan that training compiles from the run spec of config/experiments/ (or, for chapter 4's
small sketches, from the sizes the book's text gives); a neuron's weights and bias are the book's.
figures/diagrams.py draws the dict. Docstrings start with the book's figure number."""

from __future__ import annotations

from . import figure
from .diagrams import draw, plan_sizes, spec_plan

DIAGRAMS = {}


def diagram(name):
    """Register ``data()`` as the diagram ``name``: its figure draws ``data()``."""

    def register(data):
        DIAGRAMS[name] = data
        figure(name, doc=data.__doc__)(lambda out, inputs, scale: draw(out, data()))
        return data

    return register


def spec_network(chapter, experiment, title, names=None):
    sizes = plan_sizes(spec_plan(chapter, experiment))
    return {"kind": "network", "sizes": sizes, "spec": experiment, "title": title, "names": names}


def small_network(sizes, title):
    """A sketch of the sizes the book's text gives, compiled to a plan like any spec's net."""
    from ..engine.plan import compile_net

    return {"kind": "network", "sizes": plan_sizes(compile_net(list(sizes))), "title": title,
            "names": ["inputs"] + ["hidden"] * (len(sizes) - 2) + ["output"]}


# -- chapter 1 ------------------------------------------------------------------------------


@diagram("ch1.perceptron")
def perceptron():
    """fig1.03: a perceptron with three binary inputs x1, x2, x3 and the step rule."""
    return {"kind": "neuron", "inputs": ["x1", "x2", "x3"], "activation": "step",
            "title": "fig1.03: a perceptron"}


@diagram("ch1.nand_perceptron")
def nand_perceptron():
    """fig1.05: the NAND perceptron: weights -2, -2 and bias 3."""
    return {"kind": "neuron", "inputs": ["x1", "x2"], "weights": [-2, -2], "bias": 3,
            "activation": "step", "title": "fig1.05: a NAND gate as a perceptron (weights -2, -2, bias 3)"}


HALF_ADDER_AT = {"x1": (0.0, 1.0), "x2": (0.0, -1.0), "g1": (1.6, 0.0), "g2": (3.2, 1.0),
                 "g3": (3.2, -1.0), "sum": (4.8, 0.0), "carry": (3.2, -2.4)}


def half_adder(merged):
    """The adder of x1 and x2 built from NAND perceptrons (weights -2, bias 3); the carry perceptron
    takes the first gate's output twice, or once with the merged weight -4."""
    edges = [("x1", "g1", -2), ("x2", "g1", -2), ("x1", "g2", -2), ("g1", "g2", -2), ("g1", "g3", -2),
             ("x2", "g3", -2), ("g2", "sum", -2), ("g3", "sum", -2)]
    edges += [("g1", "carry", -4)] if merged else [("g1", "carry", -2), ("g1", "carry", -2)]
    return {"kind": "circuit", "at": HALF_ADDER_AT, "edges": edges,
            "gates": {"g1": 3, "g2": 3, "g3": 3, "sum": 3, "carry": 3},
            "outputs": {"sum": "sum: x1 ⊕ x2", "carry": "carry bit: x1x2"}}


@diagram("ch1.adder_perceptrons")
def adder_perceptrons():
    """fig1.07: the adder circuit of NAND gates as perceptrons, each with weights -2 and bias 3."""
    return half_adder(False) | {"title": "fig1.07: the adder as NAND perceptrons (weights -2, bias 3)"}


@diagram("ch1.adder_merged")
def adder_merged():
    """fig1.08: the same adder with the carry perceptron's two -2 inputs merged into one weight -4."""
    return half_adder(True) | {"title": "fig1.08: the two -2 weights merged into one weight -4"}


@diagram("ch1.sigmoid_neuron")
def sigmoid_neuron():
    """fig1.12: a sigmoid neuron: inputs x1, x2, x3, weights w1, w2, w3, bias b, output σ(w·x + b)."""
    return {"kind": "neuron", "inputs": ["x1", "x2", "x3"], "weights": ["w1", "w2", "w3"], "bias": "b",
            "activation": "sigmoid", "output": "σ(w·x + b)", "title": "fig1.12: a sigmoid neuron"}


@diagram("ch1.digit_network")
def digit_network():
    """fig1.20: the digit network from ch1.net30's plan, [784, 30, 10] (the book draws n = 15 hidden neurons)."""
    return spec_network("ch1", "ch1.net30", "fig1.20: the digit network, ch1.net30's plan")


@diagram("ch1.bitwise_network")
def bitwise_network():
    """fig1.24: the exercise's network: ch1.net30's plan with a fourth layer of 4 output bits."""
    d = spec_network("ch1", "ch1.net30", "fig1.24: ch1.net30's plan and the 4-bit layer of the exercise",
                     names=["input layer", "hidden layer", "old output layer", "new output layer"])
    d["sizes"] = d["sizes"] + [4]
    return d


# -- chapter 2 ------------------------------------------------------------------------------

NOTATION_NET = [3, 4, 2]  # a small net with the neurons the notation names (the 4th of layer 2)


@diagram("ch2.weight_notation")
def weight_notation():
    """fig2.01: the notation w^l_jk: w^3_24 is the weight from the 4th neuron of layer 2 to the 2nd
    neuron of layer 3 (on a [3, 4, 2] network)."""
    d = small_network(NOTATION_NET, "fig2.01: w³₂₄, from the 4th neuron of layer 2 to the 2nd of layer 3")
    return d | {"names": ["layer 1", "layer 2", "layer 3"], "edge_marks": {(1, 3, 1): "w³₂₄"}}


@diagram("ch2.bias_notation")
def bias_notation():
    """fig2.02: the notation b^l_j and a^l_j: b^2_3, the bias of the 3rd neuron of layer 2, and a^3_1,
    the activation of the 1st neuron of layer 3 (on a [3, 4, 2] network)."""
    d = small_network(NOTATION_NET, "fig2.02: b²₃ and a³₁")
    return d | {"names": ["layer 1", "layer 2", "layer 3"], "neuron_marks": {(1, 2): "b²₃", (2, 0): "a³₁"}}


# -- chapter 3 ------------------------------------------------------------------------------


@diagram("ch3.one_input_neuron")
def one_input_neuron():
    """fig3.01: the neuron of the saturation demos: input 1, weight w, bias b, output a = σ(w + b)."""
    return {"kind": "neuron", "inputs": ["1"], "weights": ["w"], "bias": "b", "activation": "sigmoid",
            "output": "a = σ(w + b)", "title": "fig3.01: one input, one neuron"}


@diagram("ch3.neuron_inputs")
def neuron_inputs():
    """fig3.05: a neuron with inputs x1, x2, x3, weights w1, w2, w3 and bias b: a = σ(z), z = Σ w_j x_j + b."""
    return {"kind": "neuron", "inputs": ["x1", "x2", "x3"], "weights": ["w1", "w2", "w3"], "bias": "b",
            "activation": "sigmoid", "output": "a = σ(z)", "title": "fig3.05: a neuron with several inputs"}


# -- chapter 4 ------------------------------------------------------------------------------


@diagram("ch4.basic_network")
def basic_network():
    """fig4.02: one input x, a hidden layer of 3 neurons, one output f(x)."""
    return small_network([1, 3, 1], "fig4.02: x -> 3 hidden neurons -> f(x)")


@diagram("ch4.vector_valued_network")
def vector_valued_network():
    """fig4.03: 3 inputs, 5 hidden neurons, 2 outputs f1(x1, x2, x3), f2(x1, x2, x3)."""
    return small_network([3, 5, 2], "fig4.03: a vector-valued function of 3 inputs")


@diagram("ch4.bigger_network")
def bigger_network():
    """fig4.04: one input, 5 hidden neurons, one output (more hidden neurons, a better approximation)."""
    return small_network([1, 5, 1], "fig4.04: x -> 5 hidden neurons -> f(x)")


@diagram("ch4.two_hidden_neurons")
def two_hidden_neurons():
    """fig4.06: one input, 2 hidden neurons, one output: the network of the one-input section."""
    return small_network([1, 2, 1], "fig4.06: x -> 2 hidden neurons -> output")


@diagram("ch4.two_inputs")
def two_inputs():
    """fig4.20: a neuron with two inputs x, y, weights w1, w2 and bias b."""
    return {"kind": "neuron", "inputs": ["x", "y"], "weights": ["w1", "w2"], "bias": "b",
            "activation": "sigmoid", "title": "fig4.20: a neuron with two inputs"}


@diagram("ch4.tower_n_dim")
def tower_n_dim():
    """fig4.34: a tower in 3 dimensions: 6 step neurons s1, t1, ..., s3, t3 (two per input), output
    weights +h, -h, and the output bias (-m + 1/2)h = -5h/2 for m = 3 inputs."""
    from ..universality import tower_output_bias

    return {"kind": "sketch", "sizes": [3, 6, 1], "names": ["x1", "x2", "x3"],
            "edges": [(0, j // 2, j) for j in range(6)] + [(1, j, 0) for j in range(6)],
            "inside": {(1, j): f"{'st'[j % 2]}{j // 2 + 1}" for j in range(6)},
            "edge_text": {(1, j, 0): "h" if j % 2 == 0 else "\u2212h" for j in range(6)},
            "beside": {(2, 0): f"b = {tower_output_bias(1, 3):g}h"},
            "output_bias": tower_output_bias(1, 3), "title": "fig4.34: a tower over 3 inputs"}


# -- chapter 5 ------------------------------------------------------------------------------


@diagram("ch5.shallow_network")
def shallow_network():
    """fig5.03: a network with a single hidden layer, from ch5.depth1's plan [784, 30, 10]."""
    return spec_network("ch5", "ch5.depth1", "fig5.03: one hidden layer, ch5.depth1's plan")


@diagram("ch5.deep_network")
def deep_network():
    """fig5.04: a network with many hidden layers, from ch5.depth4's plan [784, 30, 30, 30, 30, 10]."""
    return spec_network("ch5", "ch5.depth4", "fig5.04: many hidden layers, ch5.depth4's plan")


@diagram("ch5.chain_network")
def chain_network():
    """fig5.09: the chain of four neurons, one per layer: weights w1..w4, biases b1..b4, the cost C."""
    return {"kind": "chain", "neurons": 4, "title": "fig5.09: one neuron per layer"}


@diagram("ch5.deep_wide_network")
def deep_wide_network():
    """fig5.13: a deep network with many neurons per layer, from ch5.deep.sigmoid8's plan (8 hidden layers of 30)."""
    return spec_network("ch5", "ch5.deep.sigmoid8", "fig5.13: a deep net, ch5.deep.sigmoid8's plan")


# -- chapter 6 ------------------------------------------------------------------------------


@diagram("ch6.fully_connected")
def fully_connected():
    """fig6.04: a fully connected network, from ch6.base's plan: 28×28 = 784 inputs, 100 sigmoid, 10 softmax."""
    return spec_network("ch6", "ch6.base", "fig6.04: fully connected layers, ch6.base's plan")


def toy_fields(title, stages, at=(0, 0), one_map=False):
    """Layers of fig6.13's toy net (its plan: input, ``conv``olution, ``pool``ing) as squares of neurons,
    with the plan's k x k field (into the convolution) and pool x pool unit (into the pooling) at ``at``;
    ``one_map``: only the first feature map."""
    from ..experiments.ch6 import toy_plan

    ly = toy_plan().layers[0]
    shapes = {"input": (1, ly.in_shape[1]), "conv": ly.conv_shape[:2], "pool": ly.out_shape[:2]}
    names = {"input": "input neurons", "conv": "first hidden layer", "pool": "max-pooling layer"}
    layers = [{"maps": m, "side": s, "label": f"{m}×{s}×{s} {names[st]}" if m > 1 else f"{s}×{s} {names[st]}"}
              for st in stages for m, s in [(1, shapes[st][1]) if one_map else shapes[st]]]
    links = [{"k": ly.k, "at": at} if b == "conv" else {"k": ly.pool, "at": at, "per_map": True}
             for b in stages[1:]]
    return {"kind": "fields", "layers": layers, "links": links, "title": title}


@diagram("ch6.input_neurons")
def input_neurons():
    """fig6.05: the input as a 28×28 square of neurons (the toy net's plan)."""
    return toy_fields("fig6.05: 28×28 input neurons", ["input"])


@diagram("ch6.receptive_field")
def receptive_field():
    """fig6.06: one 5×5 local receptive field of the input and the hidden neuron it feeds."""
    return toy_fields("fig6.06: a 5×5 local receptive field", ["input", "conv"], at=(9, 9), one_map=True)


@diagram("ch6.field_first")
def field_first():
    """fig6.07: the field at the top-left corner feeds the first hidden neuron of the 24×24 layer."""
    return toy_fields("fig6.07: the top-left field, the first hidden neuron", ["input", "conv"], one_map=True)


@diagram("ch6.field_second")
def field_second():
    """fig6.08: the field slid one pixel to the right feeds the second hidden neuron."""
    return toy_fields("fig6.08: slid by one pixel, the second hidden neuron", ["input", "conv"], at=(0, 1), one_map=True)


@diagram("ch6.feature_maps")
def feature_maps():
    """fig6.09: three feature maps, 28×28 -> 3×24×24 (the toy net's plan)."""
    return toy_fields("fig6.09: three feature maps", ["input", "conv"])


@diagram("ch6.max_pooling")
def max_pooling():
    """fig6.11: 2×2 max-pooling, 24×24 hidden neurons -> 12×12 (the toy net's plan, one map)."""
    return toy_fields("fig6.11: 2×2 max-pooling", ["conv", "pool"], one_map=True)


@diagram("ch6.conv_pool")
def conv_pool():
    """fig6.12: convolution then max-pooling, 28×28 -> 3×24×24 -> 3×12×12 (the toy net's plan)."""
    return toy_fields("fig6.12: convolution, then max-pooling", ["input", "conv", "pool"])

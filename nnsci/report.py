"""The whole book as Snakemake's HTML report (``snakemake --report results/report.html``).

Every figure and table the rules build is marked with ``report()`` (``book_report`` in
workflow/rules/common.smk), filed under its chapter (the report's category) and the book's section
(its subcategory), both from here. Its caption is written after the build by ``nnsci
report-captions`` (rule ``report_captions``, nnsci/captions.py), one directory per chapter (and one
for the check, one for the run times), so that a chapter's target builds its own captions and a
one-chapter build gives a one-chapter report (``snakemake chapter2 --report r.zip``).
"""

from __future__ import annotations

import re
from pathlib import Path

# The book's chapters: the report's categories.
CHAPTERS = {
    "ch1": "Using neural nets to recognize handwritten digits",
    "ch2": "How the backpropagation algorithm works",
    "ch3": "Improving the way neural networks learn",
    "ch4": "A visual proof that neural nets can compute any function",
    "ch5": "Why are deep neural networks hard to train?",
    "ch6": "Deep learning",
    "ch7": "Ten years later (beyond the book)",
}
BOOK = "The whole book"  # the category of the check and the run times
CHECK_SECTION, TIMES_SECTION = "Check against the book", "Run time and memory"
INTRODUCTION, WHOLE_CHAPTER = "Introduction", "The whole chapter"

# The book's section of each figure and table (the report's subcategories), in the book's order.
SECTIONS = {
    "ch1": {
        INTRODUCTION: ["digits", "mnist_100_digits"],
        "Perceptrons": ["perceptron", "nand_perceptron", "adder_*", "analytic"],
        "Sigmoid neurons": ["sigmoid_neuron", "sigmoid_graph", "step_graph"],
        "A simple network to classify handwritten digits": [
            "digits_separate", "mnist_first_digit", "mnist_top_left_feature", "mnist_other_features",
            "digit_network", "mnist_complete_zero", "bitwise_network", "bitwise"],
        "Learning with gradient descent": ["valley", "valley_with_ball"],
        "Implementing our network to classify digits": [
            "networks", "baselines", "mnist_2_and_1", "mnist_really_bad_images", "accuracy_*"],
    },
    "ch2": {
        "Warm up: a fast matrix-based approach to computing the output from a neural network": [
            "weight_notation", "bias_notation"],
        "In what sense is backpropagation a fast algorithm?": ["backprop_cost"]},
    "ch3": {
        "The cross-entropy cost function": ["one_input_neuron", "saturation*", "neuron_inputs", "demos"],
        "Overfitting and regularization": [
            "overfitting*", "regularized*", "simple_model", "polynomial_fit", "linear_fit", "l1",
            "more_data*"],
        "Weight initialization": ["wide_gaussian", "narrow_gaussian", "weight_initialization_*"],
        "How to choose a neural network's hyper-parameters?": [
            "multiple_eta", "early_stopping", "halve_eta"],
        "Other techniques": ["valley_sgd", "valley_momentum", "momentum", "tanh", "relu"],
        WHOLE_CHAPTER: ["results"],
    },
    "ch4": {
        INTRODUCTION: ["function", "basic_network", "vector_valued_network"],
        "Two caveats": ["bigger_network"],
        "Universality with one input and one output": [
            "two_hidden_neurons", "basic_manipulation", "create_step_function", "high_weight_function", "step",
            "step_parameterization", "two_hn_network", "bump_function", "bump_fn", "double_bump",
            "five_bumps", "inverted_function", "design_function", "design_function_solved"],
        "Many input variables": [
            "two_inputs", "ti_graph", "step_3d", "ti_graph_redux", "y_step", "bump_3d", "bump_3d_y", "xy_bump",
            "tower", "many_towers", "tower_construction", "tower_construction_movie",
            "the_two_towers", "tower_n_dim"],
        "Extension beyond sigmoid neurons": ["sigmoid", "sigmoid_like", "ramping"],
        "Fixing up the step functions": ["failure", "series_of_bumps", "half_bumps", "shifted_bumps"],
        WHOLE_CHAPTER: ["numbers", "learning"],
    },
    "ch5": {
        INTRODUCTION: ["shallow_network", "deep_network"],
        "The vanishing gradient problem": [
            "initial_gradient", "training_speed_*", "depth", "gradients"],
        "What's causing the vanishing gradient problem? Unstable gradients in deep neural nets": [
            "chain_network", "sigmoid_prime", "exploding_gradient", "interval_width", "analytic"],
        "Unstable gradients in more complex networks": ["deep_wide_network"],
        "Other obstacles to deep learning": ["cures"],
    },
    "ch6": {
        INTRODUCTION: ["digits"],
        "Introducing convolutional networks": [
            "fully_connected", "input_neurons", "receptive_field", "field_first", "field_second",
            "feature_maps", "net_full_layer_0", "net_full_layer_1", "max_pooling", "conv_pool", "toy_conv",
            "arithmetic"],
        "Convolutional neural networks in practice": [
            "simple_conv", "tanh", "results", "claims", "ensemble", "ensemble_errors", "lambda_sweep", "sweeps"],
    },
    "ch7": {
        "Optimisers and learning-rate schedules": ["optimizers", "lr_grid"],
        "Unstable gradients revisited: initialisation, activations, normalisation": ["gradients*"],
        "Chapter 6's final network with today's recipe": ["modern"],
        "Fashion-MNIST": ["fashion"],
    },
}

# workflow/report/caption.rst reads the captions there: CAPTION_DIR/<group>/, a group being a chapter
# (ch1, ...), the check or the run times (the second part of a report file's path: results/<group>/...)
CAPTION_DIR = "results/report/captions"
CAPTION_GROUPS = (*CHAPTERS, "check", "benchmarks")
FIGURE_RE = re.compile(r"\b(?:[Ff]igure|fig)\s?(\d)\.0?(\d+)")


# ---- which file is what ------------------------------------------------------------------------

def result_kind(path) -> tuple[str, str]:
    """``(kind, id)`` of a report file: ``("figure", "ch3.more_data")``, ``("table", "ch1.baselines")``,
    ``("check", "check")``, ``("benchmarks", "jobs")``; ValueError for any other path."""
    parts = Path(path).as_posix().split("/")
    if len(parts) == 4 and parts[0] == "results" and parts[1] in CHAPTERS:
        name = parts[3].rsplit(".", 1)[0]
        if parts[2] == "figures":
            return "figure", f"{parts[1]}.{name}"
        if parts[2] == "tables" and parts[3].endswith(".md"):
            return "table", f"{parts[1]}.{name}"
    if parts[:2] == ["results", "check"] and parts[-1] == "report.md":
        return "check", "check"
    if len(parts) == 3 and parts[:2] == ["results", "benchmarks"] and parts[2].endswith(".md"):
        return "benchmarks", parts[2][:-3]
    raise ValueError(f"{path}: not a figure or table of the book")


def chapter(path) -> str | None:
    kind, rid = result_kind(path)
    return rid.split(".", 1)[0] if kind in ("figure", "table") else None


def category(path) -> str:
    """The report category: ``Chapter 3. Improving the way neural networks learn``."""
    ch = chapter(path)
    return f"Chapter {ch[2:]}. {CHAPTERS[ch]}" if ch else BOOK


def section(path) -> str:
    """The book's section the file belongs to (the report's subcategory)."""
    kind, rid = result_kind(path)
    if kind == "check":
        return CHECK_SECTION
    if kind == "benchmarks":
        return TIMES_SECTION
    ch, name = rid.split(".", 1)
    for title, names in SECTIONS[ch].items():
        if any(n == name or (n.endswith("*") and name.startswith(n[:-1])) for n in names):
            return title
    raise KeyError(f"{rid}: no section in nnsci.report.SECTIONS")


def describe(path) -> str:
    """What the file shows, from the registry that builds it."""
    kind, rid = result_kind(path)
    if kind == "figure":
        from .figures import FIGURES
        return FIGURES.describe(rid)
    if kind == "table":
        from .tables import TABLES
        return TABLES.describe(rid)
    if kind == "check":
        return ("The check: every number the book prints that we compute, and every number stored as "
                "this scale's reference, beside ours (config/reference; nnsci check).")
    return {"jobs": "Wall time and peak memory of every training and SVM job (their Snakemake "
                    "benchmark files; nnsci benchmarks).",
            }.get(rid, "Run times of the jobs.")


def book_figure(path) -> str:
    """``"Figure 3.8"`` where the file is a figure of the book (from its description), else ``""``."""
    kind, _ = result_kind(path)
    m = FIGURE_RE.match(describe(path)) if kind == "figure" else None
    return f"Figure {m.group(1)}.{m.group(2)}" if m else ""


def labels(path) -> dict:
    """The report's columns for the file: what it is and the book's figure."""
    kind, rid = result_kind(path)
    return {"id": rid, "kind": kind, "book figure": book_figure(path) or "-"}


def caption_group(path) -> str:
    """The group whose caption directory (``CAPTION_DIR/<group>``) holds the file's caption: its
    chapter, ``check`` or ``benchmarks``."""
    result_kind(path)  # ValueError for a file that is not in the report
    return Path(path).parts[1]

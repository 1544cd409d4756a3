# Config helpers shared by every chapter's rules. Logic lives in nnsci/; this file only wires.

import shlex

import nnsci.config
import nnsci.cpu_target
import nnsci.experiments
import nnsci.plan
import nnsci.provenance
import nnsci.report
import nnsci.resources

nnsci.cpu_target.exit_if_invalid()   # a bad NNSCI_CPU_TARGET: one line, before any rule runs

SCALE = config["scale"]
ENGINE = config["engine"]
SCALE_SPEC = nnsci.config.load_scale(SCALE)
RESOURCES = nnsci.resources.load_resources()

# Options every training call gets, so a step run by hand is the same step.
RUN_OPTS = (
    f"--scale {SCALE} --engine {ENGINE} --threads {config['threads']} --seed {config['seed']}"
)

MNIST = "resources/mnist/mnist.npz"
EXPANDED = "resources/mnist/expanded.npz"
# Fashion-MNIST (a run spec's `dataset: fashion-mnist`): the same four file names, the same split.
FASHION_MNIST = "resources/fashion-mnist/fashion-mnist.npz"
FASHION_EXPANDED = "resources/fashion-mnist/expanded.npz"
MNIST_FILES = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
]


wildcard_constraints:
    run=r"ch\d\.[A-Za-z0-9_.\-]+",
    name=r"[A-Za-z0-9_\-]+",


def engine_hash():
    """Hash of the engine sources the configured backend's numerics depend on."""
    return nnsci.provenance.engine_source_hash(ENGINE)


def job_resources(kind):
    """mem_mb, runtime and (training under engine=cuda) gpu of a kind of job at this scale
    (config/resources.yaml, set from measured benchmarks): what a scheduler places the job by."""
    return nnsci.resources.job_resources(kind, SCALE, ENGINE, RESOURCES)


def run_ids(experiment):
    """The run ids (one per seed, at this scale) of one experiment of config/experiments."""
    return nnsci.experiments.run_ids(experiment, SCALE_SPEC)


def run_metrics(*experiments):
    """metrics.json of every run of the given experiments."""
    return [f"results/runs/{r}/metrics.json" for e in experiments for r in run_ids(e)]


# The data files by the keys of nnsci.experiments.spec.data_key (`nnsci train --input KEY=PATH`).
DATA_FILES = {
    "mnist": MNIST,
    "expanded": EXPANDED,
    "fashion-mnist": FASHION_MNIST,
    "fashion-mnist-expanded": FASHION_EXPANDED,
}


def run_data(wildcards):
    """The data files a training run reads, by the sets its spec names."""
    return {k: DATA_FILES[k] for k in nnsci.experiments.data_inputs(wildcards.run)}


def captions(group):
    """The directory of the report's captions of a chapter (``ch3``), of the check or of the run
    times, which report.smk writes. Each chapter's target names its own, so a one-chapter build
    gives a one-chapter report."""
    return f"{nnsci.report.CAPTION_DIR}/{group}"


def book_report(path):
    """Mark a figure or table for `snakemake --report`: filed under its chapter and the book's
    section, with labels and a caption (workflow/report/caption.rst reads what rule report_captions
    wrote), all from nnsci/report.py. The marked file must be the rule's first output."""

    def concrete(wildcards):
        return path.format(**dict(wildcards.items()))

    return report(
        path,
        caption="../report/caption.rst",
        category=nnsci.report.category(path),
        subcategory=lambda wildcards: nnsci.report.section(concrete(wildcards)),
        labels=lambda wildcards: nnsci.report.labels(concrete(wildcards)),
    )

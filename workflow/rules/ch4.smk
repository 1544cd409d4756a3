# Chapter 4: rules that train, draw and tabulate; `rule chapter4` names everything it builds.
# No network is trained: every figure is a construction of nnsci.universality, drawn from no input.

import re

import nnsci.figures.ch4_catalog
import nnsci.figures.diagram_catalog

CH4_FIGURES = nnsci.figures.ch4_catalog.figure_files()  # e.g. function.png, create_step_function.gif
# The network and neuron diagrams (figures/diagram_catalog.py).
CH4_FIGURES += [f"{n}.png" for n in nnsci.figures.diagram_catalog.diagram_names("ch4")]

CH4_TARGETS = expand("results/ch4/figures/{f}", f=CH4_FIGURES)
CH4_TARGETS += [
    "results/ch4/tables/numbers.md",
    "results/ch4/tables/numbers.csv",
    "results/ch4/metrics/numbers.json",
]


rule ch4_figure:
    conda:
        "../../environment.yml"
    output:
        book_report("results/ch4/figures/{name}"),
    wildcard_constraints:
        name="|".join(re.escape(f) for f in CH4_FIGURES),
    params:
        figure=lambda w: f"ch4.{w.name.rsplit('.', 1)[0]}",
        # Animations depend on the scale's frame count; a change of it redraws them.
        frames=lambda w: SCALE_SPEC.gif_frames_max if w.name.endswith(".gif") else None,
        scale=SCALE,
    log:
        "logs/ch4/figures/{name}.log",
    threads: 1
    resources:
        **job_resources("figure"),
    shell:
        "nnsci figure {params.figure} --out {output} --scale {params.scale} > {log} 2>&1"


rule ch4_numbers:
    conda:
        "../../environment.yml"
    output:
        md=book_report("results/ch4/tables/numbers.md"),
        csv="results/ch4/tables/numbers.csv",
        metrics="results/ch4/metrics/numbers.json",
    log:
        "logs/ch4/tables/numbers.log",
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("table"),
    shell:
        "nnsci table ch4.numbers --out {output.md} --metrics {output.metrics}"
        " --scale {params.scale} > {log} 2>&1"


# ---------------------------------------------------------------------------------------
# Universality shown by learning (beyond the book): one-hidden-layer nets trained on f beside the
# bump construction (nnsci/experiments/ch4_learning.py, figures/ch4_learning.py). No MNIST; the
# fits are seeded from the root seed and take seconds, so the table and the figure each refit.
CH4_TARGETS += [
    "results/ch4/figures/learning.png",
    "results/ch4/tables/learning.md",
    "results/ch4/tables/learning.csv",
    "results/ch4/metrics/learning.json",
]


rule ch4_learning_figure:
    conda:
        "../../environment.yml"
    output:
        book_report("results/ch4/figures/learning.png"),
    log:
        "logs/ch4/figures/learning.log",
    params:
        seed=config["seed"],
        scale=SCALE,  # the scale sets the epochs and seeds: a change refits
        engine_hash=engine_hash(),
    threads: 1
    resources:
        **job_resources("learning"),
    shell:
        "nnsci figure ch4.learning --out {output} --input seed={params.seed} --scale {params.scale}"
        " > {log} 2>&1"


rule ch4_learning_table:
    conda:
        "../../environment.yml"
    output:
        md=book_report("results/ch4/tables/learning.md"),
        csv="results/ch4/tables/learning.csv",
        metrics="results/ch4/metrics/learning.json",
    log:
        "logs/ch4/tables/learning.log",
    params:
        seed=config["seed"],
        scale=SCALE,  # the scale sets the epochs and seeds: a change refits
        engine_hash=engine_hash(),
    threads: 1
    resources:
        **job_resources("learning"),
    shell:
        "nnsci table ch4.learning --out {output.md} --metrics {output.metrics}"
        " --input seed={params.seed} --scale {params.scale} > {log} 2>&1"


# ---------------------------------------------------------------- end of the learning block


rule chapter4:
    input:
        CH4_TARGETS,
        captions("ch4"),

# Chapter 5: rules that train, draw and tabulate; `rule chapter5` names everything it builds.

import nnsci.figures.diagram_catalog

CH5_TARGETS = []


# ---------------------------------------------------------------------------------------
# Figures and a table that need no trained network: sigma' (5.11), the |w sigma'(wa+b)| >= 1
# problem and the exploding-gradient construction (nnsci/demos.py, figures/ch5_demos.py,
# experiments/ch5_analytic.py). None depends on the scale.
CH5_DEMO_PLOTS = ["sigmoid_prime", "interval_width", "exploding_gradient"]
# The network diagrams (figures/diagram_catalog.py), drawn from the run specs' layer plans.
CH5_DEMO_PLOTS += nnsci.figures.diagram_catalog.diagram_names("ch5")

CH5_TARGETS += expand("results/ch5/figures/{name}.png", name=CH5_DEMO_PLOTS)
CH5_TARGETS += [
    "results/ch5/tables/analytic.md",
    "results/ch5/tables/analytic.csv",
    "results/ch5/metrics/analytic.json",
]


rule ch5_demo_plot:
    conda:
        "../../environment.yml"
    output:
        book_report("results/ch5/figures/{name}.png"),
    log:
        "logs/ch5/figures/{name}.log",
    wildcard_constraints:
        name="|".join(CH5_DEMO_PLOTS),
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("figure"),
    shell:
        "nnsci figure ch5.{wildcards.name} --out {output} --scale {params.scale} > {log} 2>&1"


rule ch5_analytic_table:
    conda:
        "../../environment.yml"
    output:
        md=book_report("results/ch5/tables/analytic.md"),
        csv="results/ch5/tables/analytic.csv",
        metrics="results/ch5/metrics/analytic.json",
    log:
        "logs/ch5/tables/analytic.log",
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("table"),
    shell:
        "nnsci table ch5.analytic --out {output.md} --metrics {output.metrics}"
        " --scale {params.scale} > {log} 2>&1"


# ---------------------------------------------------------------- end of the no-network block


# ---------------------------------------------------------------------------------------
# Trained results (docs/fidelity.md, "Chapter 5: the speed of learning"): the depth table, the speed of learning
# (fig5.05-08) and, beyond the book, what cures the vanishing gradient. Runs are the generic
# `rule train`'s (config/experiments/ch5.yaml); the initial gradients need no training, only
# the first 1,000 MNIST training images and the root seed (nnsci/experiments/ch5.py).
import nnsci.experiments.ch5

CH5_CURES = nnsci.experiments.ch5.cure_experiments()
# figure name -> the experiments whose runs it draws
CH5_RUN_FIGURES = {
    "training_speed_2_layers": ["ch5.speed2"],
    "training_speed_3_layers": ["ch5.speed3"],
    "training_speed_4_layers": ["ch5.speed4"],
    "training_speed_4_layers_sgd": ["ch5.speed4_sgd"],
    "cures": CH5_CURES,
}
CH5_TRAINED_TABLES = {
    "depth": list(nnsci.experiments.ch5.DEPTHS),
    "gradients": list(nnsci.experiments.ch5.SPEEDS),
    "cures": CH5_CURES,
}

CH5_TARGETS += expand(
    "results/ch5/figures/{name}.png", name=["initial_gradient"] + list(CH5_RUN_FIGURES)
)
CH5_TARGETS += expand(
    "results/ch5/tables/{name}.{ext}", name=list(CH5_TRAINED_TABLES), ext=["md", "csv"]
)
CH5_TARGETS += expand("results/ch5/metrics/{name}.json", name=list(CH5_TRAINED_TABLES))


rule ch5_initial_gradient:
    conda:
        "../../environment.yml"
    input:
        mnist=MNIST,
    output:
        book_report("results/ch5/figures/initial_gradient.png"),
    log:
        "logs/ch5/figures/initial_gradient.log",
    params:
        seed=config["seed"],
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("figure"),
    shell:
        "nnsci figure ch5.initial_gradient --out {output} --input mnist={input.mnist}"
        " --input seed={params.seed} --scale {params.scale} > {log} 2>&1"


rule ch5_run_figure:
    conda:
        "../../environment.yml"
    input:
        lambda wildcards: run_metrics(*CH5_RUN_FIGURES[wildcards.name]),
    output:
        book_report("results/ch5/figures/{name}.png"),
    log:
        "logs/ch5/figures/{name}.log",
    wildcard_constraints:
        name="|".join(CH5_RUN_FIGURES),
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("figure"),
    shell:
        "nnsci figure ch5.{wildcards.name} --out {output} --scale {params.scale} > {log} 2>&1"


rule ch5_trained_table:
    conda:
        "../../environment.yml"
    input:
        runs=lambda wildcards: run_metrics(*CH5_TRAINED_TABLES[wildcards.name]),
        mnist=MNIST,
    output:
        md=book_report("results/ch5/tables/{name}.md"),
        csv="results/ch5/tables/{name}.csv",
        metrics="results/ch5/metrics/{name}.json",
    log:
        "logs/ch5/tables/{name}.log",
    wildcard_constraints:
        name="|".join(CH5_TRAINED_TABLES),
    params:
        seed=config["seed"],
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("table"),
    shell:
        "nnsci table ch5.{wildcards.name} --out {output.md} --metrics {output.metrics}"
        " --input mnist={input.mnist} --input seed={params.seed} --scale {params.scale} > {log} 2>&1"


# ---------------------------------------------------------------- end of the trained-results block


rule chapter5:
    input:
        CH5_TARGETS,
        captions("ch5"),

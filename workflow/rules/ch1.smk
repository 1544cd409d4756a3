# Chapter 1: rules that train, draw and tabulate; `rule chapter1` names everything it builds.

import nnsci.figures.diagram_catalog

CH1_TARGETS = []

# Figures drawn from the MNIST training images (fig/mnist.py) and figures that
# need no data (function plots, the valley). Names are the book's file names.
CH1_MNIST_FIGURES = [
    "digits",
    "mnist_100_digits",
    "digits_separate",
    "mnist_first_digit",
    "mnist_top_left_feature",
    "mnist_other_features",
    "mnist_complete_zero",
    "mnist_2_and_1",
    "mnist_really_bad_images",
]
CH1_PLOT_FIGURES = ["sigmoid_graph", "step_graph", "valley", "valley_with_ball"]
# The perceptron, neuron and network diagrams (figures/diagram_catalog.py), drawn from the run specs.
CH1_PLOT_FIGURES += nnsci.figures.diagram_catalog.diagram_names("ch1")

# The SVM baseline's training-set size: the book's 50,000, capped by the scale.
SVM_SIZE = SCALE_SPEC.svm_size(50000)

CH1_TARGETS += expand(
    "results/ch1/figures/{name}.png", name=CH1_MNIST_FIGURES + CH1_PLOT_FIGURES
)
CH1_TARGETS += [
    "results/ch1/tables/baselines.md",
    "results/ch1/tables/baselines.csv",
    "results/ch1/metrics/baselines.json",
]


rule ch1_mnist_figure:
    conda:
        "../../environment.yml"
    input:
        mnist=MNIST,
    output:
        book_report("results/ch1/figures/{name}.png"),
    log:
        "logs/ch1/figures/{name}.log",
    wildcard_constraints:
        name="|".join(CH1_MNIST_FIGURES),
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("figure"),
    shell:
        "nnsci figure ch1.{wildcards.name} --out {output} --input mnist={input.mnist}"
        " --scale {params.scale} > {log} 2>&1"


rule ch1_plot_figure:
    conda:
        "../../environment.yml"
    output:
        book_report("results/ch1/figures/{name}.png"),
    log:
        "logs/ch1/figures/{name}.log",
    wildcard_constraints:
        name="|".join(CH1_PLOT_FIGURES),
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("figure"),
    shell:
        "nnsci figure ch1.{wildcards.name} --out {output} --scale {params.scale} > {log} 2>&1"


# One SVM fit per training-set size (the first `size` training images), kept for
# chapter 1's baseline and chapter 3's accuracy-versus-size comparison.
rule svm:
    conda:
        "../../environment.yml"
    input:
        MNIST,
    output:
        npz="results/svm/size{size}.npz",
        json="results/svm/size{size}.json",
    log:
        "logs/svm/size{size}.log",
    wildcard_constraints:
        size=r"[1-9]\d*",
    threads: 1
    benchmark:
        "benchmarks/svm/size{size}.tsv"
    resources:
        **job_resources("svm"),
    shell:
        "nnsci svm --mnist {input} --size {wildcards.size} --out {output.npz} > {log} 2>&1"


# ch1.base.svm_tuned: C and gamma chosen on validation (nnsci/svm_tuned.py), fitted on SVM_SIZE images.
rule svm_tuned:
    conda:
        "../../environment.yml"
    input:
        MNIST,
    output:
        "results/svm/tuned_size{size}.json",
    log:
        "logs/svm/tuned_size{size}.log",
    wildcard_constraints:
        size=r"[1-9]\d*",
    threads: 1
    benchmark:
        "benchmarks/svm/tuned_size{size}.tsv"
    resources:
        **job_resources("svm"),
    shell:
        "nnsci svm-tuned --mnist {input} --size {wildcards.size} --out {output} > {log} 2>&1"


rule ch1_baselines_table:
    conda:
        "../../environment.yml"
    input:
        mnist=MNIST,
        svm=f"results/svm/size{SVM_SIZE}.npz",
        svm_tuned=f"results/svm/tuned_size{SVM_SIZE}.json",
    output:
        md=book_report("results/ch1/tables/baselines.md"),
        csv="results/ch1/tables/baselines.csv",
        metrics="results/ch1/metrics/baselines.json",
    log:
        "logs/ch1/tables/baselines.log",
    params:
        scale=SCALE,
        seed=config["seed"],
    threads: 1
    resources:
        **job_resources("table"),
    shell:
        "nnsci table ch1.baselines --out {output.md} --metrics {output.metrics}"
        " --input mnist={input.mnist} --input svm={input.svm} --input svm_tuned={input.svm_tuned}"
        " --input seed={params.seed}"
        " --scale {params.scale} > {log} 2>&1"



# ---- Chapter 1's networks (network.py runs, several seeds each) ----------------------------------

CH1_EXPERIMENTS = list(nnsci.config.load_experiments("ch1"))
CH1_NET_FIGURES = [f"accuracy_{e.split('.', 1)[1].replace('.', '_')}" for e in CH1_EXPERIMENTS]

CH1_TARGETS += expand("results/ch1/figures/{name}.png", name=CH1_NET_FIGURES)
CH1_TARGETS += [
    "results/ch1/tables/networks.md",
    "results/ch1/tables/networks.csv",
    "results/ch1/metrics/networks.json",
]


rule ch1_accuracy_figure:
    conda:
        "../../environment.yml"
    input:
        lambda wildcards: run_metrics(
            CH1_EXPERIMENTS[CH1_NET_FIGURES.index(wildcards.name)]
        ),
    output:
        book_report("results/ch1/figures/{name}.png"),
    log:
        "logs/ch1/figures/{name}.log",
    wildcard_constraints:
        name="|".join(CH1_NET_FIGURES),
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("figure"),
    shell:
        "nnsci figure ch1.{wildcards.name} --out {output} --scale {params.scale} > {log} 2>&1"


rule ch1_networks_table:
    conda:
        "../../environment.yml"
    input:
        run_metrics(*CH1_EXPERIMENTS),
    output:
        md=book_report("results/ch1/tables/networks.md"),
        csv="results/ch1/tables/networks.csv",
        metrics="results/ch1/metrics/networks.json",
    log:
        "logs/ch1/tables/networks.log",
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("table"),
    shell:
        "nnsci table ch1.networks --out {output.md} --metrics {output.metrics}"
        " --scale {params.scale} > {log} 2>&1"


# ---- Chapter 1's arithmetic (perceptrons, counts, E1.1's layer) and E1.1 on trained networks ----
CH1_TARGETS += expand(
    "results/ch1/{kind}/{name}.{ext}",
    zip,
    kind=["tables", "tables", "metrics"] * 2,
    name=["analytic"] * 3 + ["bitwise"] * 3,
    ext=["md", "csv", "json"] * 2,
)


rule ch1_analytic_table:
    conda:
        "../../environment.yml"
    output:
        md=book_report("results/ch1/tables/analytic.md"),
        csv="results/ch1/tables/analytic.csv",
        metrics="results/ch1/metrics/analytic.json",
    log:
        "logs/ch1/tables/analytic.log",
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("table"),
    shell:
        "nnsci table ch1.analytic --out {output.md} --metrics {output.metrics}"
        " --scale {params.scale} > {log} 2>&1"


rule ch1_bitwise_table:
    conda:
        "../../environment.yml"
    input:
        runs=run_metrics("ch1.net30"),
        mnist=MNIST,
    output:
        md=book_report("results/ch1/tables/bitwise.md"),
        csv="results/ch1/tables/bitwise.csv",
        metrics="results/ch1/metrics/bitwise.json",
    log:
        "logs/ch1/tables/bitwise.log",
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("table"),
    shell:
        "nnsci table ch1.bitwise --out {output.md} --metrics {output.metrics}"
        " --input mnist={input.mnist} --scale {params.scale} > {log} 2>&1"


rule chapter1:
    input:
        CH1_TARGETS,
        captions("ch1"),

# Chapter 3: rules that train, draw and tabulate; `rule chapter3` names everything it builds.

import nnsci.figures.diagram_catalog

CH3_TARGETS = []


# ---------------------------------------------------------------------------------------
# Figures and a table that need no trained network (nnsci/demos.py draws nothing; the
# figures in nnsci/figures/ch3_demos.py draw what it computes). None depends on the scale.
# Names are the book's file names where it had one.
CH3_DEMO_PLOTS = [
    "saturation1",
    "saturation2",
    "saturation3",
    "saturation4",
    "saturation3_exact",
    "saturation4_exact",
    "simple_model",
    "polynomial_fit",
    "linear_fit",
    "wide_gaussian",
    "narrow_gaussian",
    "tanh",
    "relu",
    "valley_sgd",
    "valley_momentum",
]
# The neuron diagrams (figures/diagram_catalog.py).
CH3_DEMO_PLOTS += nnsci.figures.diagram_catalog.diagram_names("ch3")
CH3_DEMO_ANIMATIONS = ["saturation1", "saturation2", "saturation3", "saturation4"]
CH3_DEMO_MNIST = ["more_data_5", "more_data_rotated_5"]

CH3_TARGETS += expand("results/ch3/figures/{name}.png", name=CH3_DEMO_PLOTS + CH3_DEMO_MNIST)
CH3_TARGETS += expand("results/ch3/figures/{name}.gif", name=CH3_DEMO_ANIMATIONS)
CH3_TARGETS += [
    "results/ch3/tables/demos.md",
    "results/ch3/tables/demos.csv",
    "results/ch3/metrics/demos.json",
]


rule ch3_demo_plot:
    conda:
        "../../environment.yml"
    output:
        book_report("results/ch3/figures/{name}.png"),
    log:
        "logs/ch3/figures/{name}.log",
    wildcard_constraints:
        name="|".join(CH3_DEMO_PLOTS),
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("figure"),
    shell:
        "nnsci figure ch3.{wildcards.name} --out {output} --scale {params.scale} > {log} 2>&1"


rule ch3_demo_animation:
    conda:
        "../../environment.yml"
    output:
        book_report("results/ch3/figures/{name}.gif"),
    log:
        "logs/ch3/figures/{name}_gif.log",
    wildcard_constraints:
        name="|".join(CH3_DEMO_ANIMATIONS),
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("figure"),
    shell:
        "nnsci figure ch3.{wildcards.name}_anim --out {output} --scale {params.scale} > {log} 2>&1"


rule ch3_demo_mnist_figure:
    conda:
        "../../environment.yml"
    input:
        mnist=MNIST,
    output:
        book_report("results/ch3/figures/{name}.png"),
    log:
        "logs/ch3/figures/{name}.log",
    wildcard_constraints:
        name="|".join(CH3_DEMO_MNIST),
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("figure"),
    shell:
        "nnsci figure ch3.{wildcards.name} --out {output} --input mnist={input.mnist}"
        " --scale {params.scale} > {log} 2>&1"


rule ch3_demos_table:
    conda:
        "../../environment.yml"
    output:
        md=book_report("results/ch3/tables/demos.md"),
        csv="results/ch3/tables/demos.csv",
        metrics="results/ch3/metrics/demos.json",
    log:
        "logs/ch3/tables/demos.log",
    params:
        seed=config["seed"],
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("table"),
    shell:
        "nnsci table ch3.demos --out {output.md} --metrics {output.metrics}"
        " --input seed={params.seed} --scale {params.scale} > {log} 2>&1"


# ---------------------------------------------------------------- end of the no-network block


# ---------------------------------------------------------------------------------------------
# Trained results (nnsci/experiments/ch3.py, nnsci/figures/ch3.py, config/experiments/ch3.yaml):
# replicas of the author's seeded scripts, our-seed runs, the problems, more data and P3.7's fits.
# - Every run trains in a training family (the run-spec key `family` in config/experiments/ch3.yaml,
#   the generic family rule of train.smk): one job per book script for the replicas (overfitting.py's
#   four seedings, the two weight_initialization.py calls, more_data.py, multiple_eta.py; each seeding
#   gets fresh streams, each script's runs share them in order), one job per family of our seeds
#   (all of chapter 3 at full scale took 24 min on 2 cores).
# - more_data at a scale that caps the training set: sizes above the cap collapse onto it, so only
#   the distinct sizes of our seeds are trained and the SVM is fitted at the distinct capped sizes;
#   the replica script still trains all nine sizes in order (its streams depend on that order).
import nnsci.experiments.ch3_runs as _ch3

CH3_REPLICAS = _ch3.REPLICAS
CH3_OURS = _ch3.trained_our_experiments(SCALE_SPEC)
CH3_SVM_SIZES = SCALE_SPEC.svm_sizes(_ch3.MORE_DATA_SIZES)
CH3_MORE_DATA_RUNS = ["ch3.more_data"] + _ch3.more_data_our_experiments(SCALE_SPEC)

# figure name -> the experiments whose runs it reads (written once, in nnsci/experiments/ch3_runs.py)
CH3_RUN_FIGURES = _ch3.FIGURE_RUNS
CH3_MORE_DATA_FIGURES = ["more_data", "more_data_log", "more_data_comparison", "more_data_fit"]

CH3_TARGETS += expand(
    "results/ch3/figures/{name}.png", name=list(CH3_RUN_FIGURES) + CH3_MORE_DATA_FIGURES
)
CH3_TARGETS += expand(
    "results/ch3/{kind}",
    kind=[
        "tables/results.md",
        "tables/results.csv",
        "metrics/results.json",
        "tables/more_data.md",
        "tables/more_data.csv",
        "metrics/more_data.json",
    ],
)


rule ch3_run_figure:
    conda:
        "../../environment.yml"
    input:
        lambda wildcards: run_metrics(*CH3_RUN_FIGURES[wildcards.name]),
    output:
        book_report("results/ch3/figures/{name}.png"),
    log:
        "logs/ch3/figures/{name}.log",
    wildcard_constraints:
        name="|".join(CH3_RUN_FIGURES),
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("figure"),
    shell:
        "nnsci figure ch3.{wildcards.name} --out {output} --scale {params.scale} > {log} 2>&1"


# The more-data curves (every saved network evaluated once), read by the four figures and the table.
rule ch3_more_data_curves:
    conda:
        "../../environment.yml"
    input:
        runs=run_metrics(*CH3_MORE_DATA_RUNS),
        mnist=MNIST,
        svm=expand("results/svm/size{n}.npz", n=CH3_SVM_SIZES),
    output:
        "results/ch3/data/more_data_curves.json",
    log:
        "logs/ch3/data/more_data_curves.log",
    params:
        scale=SCALE,
        svm=" ".join(f"--input svm{n}=results/svm/size{n}.npz" for n in CH3_SVM_SIZES),
        engine_hash=engine_hash(),
    threads: 1
    resources:
        **job_resources("table"),
    shell:
        "nnsci curves ch3.more_data --out {output} --scale {params.scale}"
        " --input mnist={input.mnist} {params.svm} > {log} 2>&1"


rule ch3_more_data_figure:
    conda:
        "../../environment.yml"
    input:
        curves="results/ch3/data/more_data_curves.json",
    output:
        book_report("results/ch3/figures/{name}.png"),
    log:
        "logs/ch3/figures/{name}.log",
    wildcard_constraints:
        name="|".join(CH3_MORE_DATA_FIGURES),
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("figure"),
    shell:
        "nnsci figure ch3.{wildcards.name} --out {output} --scale {params.scale}"
        " --input curves={input.curves} > {log} 2>&1"


rule ch3_results_table:
    conda:
        "../../environment.yml"
    input:
        run_metrics(*[e for e in CH3_REPLICAS + CH3_OURS if e not in CH3_MORE_DATA_RUNS]),
        # ch3.ce100.errors_removed_one_in: chapter 1's error rate before (its metrics, not its runs)
        ch1_networks="results/ch1/metrics/networks.json",
    output:
        md=book_report("results/ch3/tables/results.md"),
        csv="results/ch3/tables/results.csv",
        metrics="results/ch3/metrics/results.json",
    log:
        "logs/ch3/tables/results.log",
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("table"),
    shell:
        "nnsci table ch3.results --out {output.md} --metrics {output.metrics}"
        " --input ch1_networks={input.ch1_networks} --scale {params.scale} > {log} 2>&1"


rule ch3_more_data_table:
    conda:
        "../../environment.yml"
    input:
        curves="results/ch3/data/more_data_curves.json",
    output:
        md=book_report("results/ch3/tables/more_data.md"),
        csv="results/ch3/tables/more_data.csv",
        metrics="results/ch3/metrics/more_data.json",
    log:
        "logs/ch3/tables/more_data.log",
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("table"),
    shell:
        "nnsci table ch3.more_data --out {output.md} --metrics {output.metrics}"
        " --scale {params.scale} --input curves={input.curves} > {log} 2>&1"


# ---------------------------------------------------------------- end of the trained-results block


rule chapter3:
    input:
        CH3_TARGETS,
        captions("ch3"),

# Chapter 3: rules that train, draw and tabulate; `rule chapter3` names everything it builds.

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
        "results/ch3/figures/{name}.png",
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
        "results/ch3/figures/{name}.gif",
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
        "results/ch3/figures/{name}.png",
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
        md="results/ch3/tables/demos.md",
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
# - Replicas (rng: nielsen) train in one job per book script (overfitting.py's four seedings, the
#   two weight_initialization.py calls, more_data.py, multiple_eta.py); each seeding gets fresh
#   streams (nnsci train gives every experiment id its own), each script's runs share them in order.
# - Our-seed experiments train in families (nnsci/experiments/ch3.py TRAINING_FAMILIES), ONE job
#   each (`nnsci train ch3.ce30.s0 ch3.ce30.s1 ch3.ce100.s0 ...`): at small scales a process start
#   costs more than the runs (all of chapter 3 at full scale took 24 min on 2 cores).
#   `ruleorder` gives these rules the ch3 seed runs over the generic `rule train`.
# - more_data at a scale that caps the training set: sizes above the cap collapse onto it, so only
#   the distinct sizes of our seeds are trained and the SVM is fitted at the distinct capped sizes;
#   the replica script still trains all nine sizes in order (its streams depend on that order).
import nnsci.experiments.ch3 as _ch3

CH3_REPLICAS = _ch3.REPLICAS
CH3_OURS = _ch3.trained_our_experiments(SCALE_SPEC)
CH3_FAMILIES = _ch3.training_families(SCALE_SPEC)
CH3_SVM_SIZES = [
    eff
    for _, eff in _ch3.capped_sizes(_ch3.MORE_DATA_SIZES, SCALE_SPEC.get("svm_train_size_max"))
]
CH3_MORE_DATA_RUNS = ["ch3.more_data"] + _ch3.more_data_our_experiments(SCALE_SPEC)

# figure name -> the experiments whose runs it reads
CH3_RUN_FIGURES = {
    "overfitting1": ["ch3.overfit1000"],
    "overfitting2": ["ch3.overfit1000"],
    "overfitting3": ["ch3.overfit1000"],
    "overfitting4": ["ch3.overfit1000"],
    "overfitting_full": ["ch3.overfit_full"],
    "regularized1": ["ch3.l2_1000"],
    "regularized2": ["ch3.l2_1000"],
    "regularized_full": ["ch3.l2_full"],
    "weight_initialization_30": ["ch3.winit30"],
    "weight_initialization_100": ["ch3.winit100"],
    "multiple_eta": ["ch3.multi_eta"],
    "l1": ["ch3.unregularized", "ch3.l1_0.5", "ch3.l1_2"],
    "early_stopping": ["ch3.early_stop", "ch3.windowed", "ch3.early_stop_b", "ch3.windowed_b",
                       "ch3.early_stop_c", "ch3.windowed_c"],
    "halve_eta": ["ch3.early_stop", "ch3.halve_eta"],
    "momentum": ["ch3.winit30_new", "ch3.momentum0.5", "ch3.momentum0.9"],
}
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


for _script, _experiments in _ch3.REPLICA_JOBS.items():

    rule:
        name:
            f"ch3_replica_{_script}"
        conda:
            "../../environment.yml"
        input:
            mnist=MNIST,
        output:
            _ch3.run_files(_experiments, SCALE_SPEC),
        log:
            f"logs/runs/ch3.replica_{_script}.log",
        params:
            experiments=" ".join(_experiments),
            engine_hash=engine_hash(),
            opts=RUN_OPTS,
        threads: config["threads"]
        benchmark:
            f"benchmarks/runs/ch3.replica_{_script}.tsv"
        resources:
            **job_resources("train_family"),
        shell:
            "nnsci train {params.experiments} --input mnist={input.mnist} {params.opts} > {log} 2>&1"


for _family, _experiments in CH3_FAMILIES.items():

    rule:
        name:
            f"ch3_train_{_family}"
        conda:
            "../../environment.yml"
        input:
            mnist=MNIST,
        output:
            _ch3.run_files(_experiments, SCALE_SPEC),
        log:
            f"logs/runs/ch3.family_{_family}.log",
        params:
            runs=" ".join(r for e in _experiments for r in run_ids(e)),
            engine_hash=engine_hash(),
            opts=RUN_OPTS,
        threads: config["threads"]
        benchmark:
            f"benchmarks/runs/ch3.family_{_family}.tsv"
        resources:
            **job_resources("train_family"),
        shell:
            "nnsci train {params.runs} --input mnist={input.mnist} {params.opts} > {log} 2>&1"

    workflow.ruleorder(f"ch3_train_{_family}", "train")   # `ruleorder: a > b` with a computed name


rule ch3_run_figure:
    conda:
        "../../environment.yml"
    input:
        lambda wildcards: run_metrics(*CH3_RUN_FIGURES[wildcards.name]),
    output:
        "results/ch3/figures/{name}.png",
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


rule ch3_more_data_figure:
    conda:
        "../../environment.yml"
    input:
        runs=run_metrics(*CH3_MORE_DATA_RUNS),
        mnist=MNIST,
        svm=expand("results/svm/size{n}.npz", n=CH3_SVM_SIZES),
    output:
        "results/ch3/figures/{name}.png",
    log:
        "logs/ch3/figures/{name}.log",
    wildcard_constraints:
        name="|".join(CH3_MORE_DATA_FIGURES),
    params:
        scale=SCALE,
        svm=" ".join(f"--input svm{n}=results/svm/size{n}.npz" for n in CH3_SVM_SIZES),
    threads: 1
    resources:
        **job_resources("figure"),
    shell:
        "nnsci figure ch3.{wildcards.name} --out {output} --scale {params.scale}"
        " --input mnist={input.mnist} {params.svm} > {log} 2>&1"


rule ch3_results_table:
    conda:
        "../../environment.yml"
    input:
        run_metrics(*[e for e in CH3_REPLICAS + CH3_OURS if e not in CH3_MORE_DATA_RUNS]),
    output:
        md="results/ch3/tables/results.md",
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
        " --scale {params.scale} > {log} 2>&1"


rule ch3_more_data_table:
    conda:
        "../../environment.yml"
    input:
        runs=run_metrics(*CH3_MORE_DATA_RUNS),
        mnist=MNIST,
        svm=expand("results/svm/size{n}.npz", n=CH3_SVM_SIZES),
    output:
        md="results/ch3/tables/more_data.md",
        csv="results/ch3/tables/more_data.csv",
        metrics="results/ch3/metrics/more_data.json",
    log:
        "logs/ch3/tables/more_data.log",
    params:
        scale=SCALE,
        svm=" ".join(f"--input svm{n}=results/svm/size{n}.npz" for n in CH3_SVM_SIZES),
    threads: 1
    resources:
        **job_resources("table"),
    shell:
        "nnsci table ch3.more_data --out {output.md} --metrics {output.metrics}"
        " --scale {params.scale} --input mnist={input.mnist} {params.svm} > {log} 2>&1"


# ---------------------------------------------------------------- end of the trained-results block


rule chapter3:
    input:
        CH3_TARGETS,

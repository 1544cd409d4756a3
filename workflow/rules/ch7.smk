# Chapter 7, "ten years later" (beyond the book, issue 15): rules that draw and tabulate;
# `rule chapter7` names everything it builds. The runs (config/experiments/ch7.yaml) train in their
# families (train.smk's generic rule). Experiment 1's learning rate is chosen on validation inside the
# table and figure steps (nnsci/experiments/ch7.py): every grid point trains all its seeds.
import nnsci.experiments.ch7

CH7 = nnsci.experiments.ch7
CH7_OPT = CH7.optimizer_experiments(SCALE_SPEC)

# figure or table -> the experiments whose metrics it reads
CH7_RUN_FIGURES = {
    "optimizers": CH7_OPT,
    "lr_grid": CH7_OPT,
    "gradients_mnist": CH7.gradient_experiments("mnist"),
    "gradients_fashion": CH7.gradient_experiments("fashion"),
    "modern": [CH7.MODERN],
}
CH7_RUN_TABLES = {
    "optimizers": CH7_OPT,
    "gradients": CH7.gradient_experiments(),
    "modern": [CH7.MODERN],
    "fashion": CH7.fashion_experiments(),
}

CH7_TARGETS = expand("results/ch7/figures/{name}.png", name=list(CH7_RUN_FIGURES))
CH7_TARGETS += expand("results/ch7/tables/{name}.{ext}", name=list(CH7_RUN_TABLES), ext=["md", "csv"])
CH7_TARGETS += expand("results/ch7/metrics/{name}.json", name=list(CH7_RUN_TABLES))


rule ch7_run_figure:
    conda:
        "../../environment.yml"
    input:
        lambda wildcards: run_metrics(*CH7_RUN_FIGURES[wildcards.name]),
    output:
        book_report("results/ch7/figures/{name}.png"),
    log:
        "logs/ch7/figures/{name}.log",
    wildcard_constraints:
        name="|".join(CH7_RUN_FIGURES),
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("figure"),
    shell:
        "nnsci figure ch7.{wildcards.name} --out {output} --scale {params.scale} > {log} 2>&1"


rule ch7_run_table:
    conda:
        "../../environment.yml"
    input:
        lambda wildcards: run_metrics(*CH7_RUN_TABLES[wildcards.name]),
    output:
        md=book_report("results/ch7/tables/{name}.md"),
        csv="results/ch7/tables/{name}.csv",
        metrics="results/ch7/metrics/{name}.json",
    log:
        "logs/ch7/tables/{name}.log",
    wildcard_constraints:
        name="|".join(CH7_RUN_TABLES),
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("table"),
    shell:
        "nnsci table ch7.{wildcards.name} --out {output.md} --metrics {output.metrics}"
        " --scale {params.scale} > {log} 2>&1"


rule chapter7:
    input:
        CH7_TARGETS,
        captions("ch7"),

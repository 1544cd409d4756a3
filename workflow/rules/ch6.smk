# Chapter 6: rules that draw and tabulate; `rule chapter6` names everything it builds.
# The runs (config/experiments/ch6.yaml) train in their families (train.smk's generic rule).
import nnsci.experiments.ch6
import nnsci.experiments.ch6_claims
import nnsci.figures.diagram_catalog

CH6 = nnsci.experiments.ch6
CH6_SWEEPS = [e for s in CH6.SWEEPS for e in nnsci.experiments.sweep_experiments(s, SCALE_SPEC)]
CH6_ENSEMBLE = "results/ch6/data/ensemble_predictions.npz"

# figure -> the experiments whose metrics it reads; the filters read the ensemble's first weights.
CH6_RUN_FIGURES = {"tanh": list(CH6.TANH), "lambda_sweep": CH6_SWEEPS}
CH6_PLAN_FIGURES = ["toy_conv", "simple_conv"] + nnsci.figures.diagram_catalog.diagram_names("ch6")
CH6_RUN_TABLES = {"results": list(CH6.RUNS), "sweeps": CH6_SWEEPS,
                  "claims": list(nnsci.experiments.ch6_claims.RUNS)}

CH6_TARGETS = expand(
    "results/ch6/figures/{name}.png",
    name=["digits", "ensemble_errors", "net_full_layer_0", "net_full_layer_1"]
    + list(CH6_RUN_FIGURES) + CH6_PLAN_FIGURES,
)
CH6_TARGETS += expand(
    "results/ch6/tables/{name}.{ext}",
    name=list(CH6_RUN_TABLES) + ["ensemble", "arithmetic"], ext=["md", "csv"],
)
CH6_TARGETS += expand(
    "results/ch6/metrics/{name}.json", name=list(CH6_RUN_TABLES) + ["ensemble", "arithmetic"]
)


rule ch6_digits:
    conda:
        "../../environment.yml"
    input:
        mnist=MNIST,
    output:
        book_report("results/ch6/figures/digits.png"),
    log:
        "logs/ch6/figures/digits.log",
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("figure"),
    shell:
        "nnsci figure ch6.digits --out {output} --input mnist={input.mnist} --scale {params.scale} > {log} 2>&1"


rule ch6_ensemble_predictions:
    conda:
        "../../environment.yml"
    input:
        mnist=MNIST,
        runs=run_metrics(CH6.ENSEMBLE),
        weights=[f"results/runs/{r}/weights.npz" for r in run_ids(CH6.ENSEMBLE)],
    output:
        CH6_ENSEMBLE,
    log:
        "logs/ch6/ensemble_predictions.log",
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("table"),
    shell:
        "nnsci curves ch6.ensemble --out {output} --input mnist={input.mnist} --scale {params.scale} > {log} 2>&1"


rule ch6_ensemble_errors:
    conda:
        "../../environment.yml"
    input:
        CH6_ENSEMBLE,
    output:
        book_report("results/ch6/figures/ensemble_errors.png"),
    log:
        "logs/ch6/figures/ensemble_errors.log",
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("figure"),
    shell:
        "nnsci figure ch6.ensemble_errors --out {output} --input predictions={input}"
        " --scale {params.scale} > {log} 2>&1"


rule ch6_filters:
    conda:
        "../../environment.yml"
    input:
        f"results/runs/{CH6.FILTERS_RUN}/weights.npz",
        f"results/runs/{CH6.FILTERS_RUN}/metrics.json",
    output:
        book_report("results/ch6/figures/net_full_layer_{layer}.png"),
    log:
        "logs/ch6/figures/net_full_layer_{layer}.log",
    wildcard_constraints:
        layer="0|1",
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("figure"),
    shell:
        "nnsci figure ch6.net_full_layer_{wildcards.layer} --out {output} --scale {params.scale} > {log} 2>&1"


rule ch6_run_figure:
    conda:
        "../../environment.yml"
    input:
        lambda wildcards: run_metrics(*CH6_RUN_FIGURES[wildcards.name]),
    output:
        book_report("results/ch6/figures/{name}.png"),
    log:
        "logs/ch6/figures/{name}.log",
    wildcard_constraints:
        name="|".join(CH6_RUN_FIGURES),
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("figure"),
    shell:
        "nnsci figure ch6.{wildcards.name} --out {output} --scale {params.scale} > {log} 2>&1"


rule ch6_plan_figure:
    conda:
        "../../environment.yml"
    output:
        book_report("results/ch6/figures/{name}.png"),
    log:
        "logs/ch6/figures/{name}.log",
    wildcard_constraints:
        name="|".join(CH6_PLAN_FIGURES),
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("figure"),
    shell:
        "nnsci figure ch6.{wildcards.name} --out {output} --scale {params.scale} > {log} 2>&1"


rule ch6_run_table:
    conda:
        "../../environment.yml"
    input:
        lambda wildcards: run_metrics(*CH6_RUN_TABLES[wildcards.name]),
    output:
        md=book_report("results/ch6/tables/{name}.md"),
        csv="results/ch6/tables/{name}.csv",
        metrics="results/ch6/metrics/{name}.json",
    log:
        "logs/ch6/tables/{name}.log",
    wildcard_constraints:
        name="|".join(CH6_RUN_TABLES),
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("table"),
    shell:
        "nnsci table ch6.{wildcards.name} --out {output.md} --metrics {output.metrics}"
        " --scale {params.scale} > {log} 2>&1"


rule ch6_ensemble_table:
    conda:
        "../../environment.yml"
    input:
        CH6_ENSEMBLE,
    output:
        md=book_report("results/ch6/tables/ensemble.md"),
        csv="results/ch6/tables/ensemble.csv",
        metrics="results/ch6/metrics/ensemble.json",
    log:
        "logs/ch6/tables/ensemble.log",
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("table"),
    shell:
        "nnsci table ch6.ensemble --out {output.md} --metrics {output.metrics} --input predictions={input}"
        " --scale {params.scale} > {log} 2>&1"


rule ch6_arithmetic_table:
    conda:
        "../../environment.yml"
    output:
        md=book_report("results/ch6/tables/arithmetic.md"),
        csv="results/ch6/tables/arithmetic.csv",
        metrics="results/ch6/metrics/arithmetic.json",
    log:
        "logs/ch6/tables/arithmetic.log",
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("table"),
    shell:
        "nnsci table ch6.arithmetic --out {output.md} --metrics {output.metrics}"
        " --scale {params.scale} > {log} 2>&1"


rule chapter6:
    input:
        CH6_TARGETS,
        captions("ch6"),

# Chapter 5: rules that train, draw and tabulate; `rule chapter5` names everything it builds.

CH5_TARGETS = []


# ---------------------------------------------------------------------------------------
# Figures and a table that need no trained network: sigma' (5.11), the |w sigma'(wa+b)| >= 1
# problem and the exploding-gradient construction (nnsci/demos.py, figures/ch5_demos.py,
# experiments/ch5_analytic.py). None depends on the scale.
CH5_DEMO_PLOTS = ["sigmoid_prime", "interval_width", "exploding_gradient"]

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
        "results/ch5/figures/{name}.png",
    log:
        "logs/ch5/figures/{name}.log",
    wildcard_constraints:
        name="|".join(CH5_DEMO_PLOTS),
    shell:
        "nnsci figure ch5.{wildcards.name} --out {output} > {log} 2>&1"


rule ch5_analytic_table:
    conda:
        "../../environment.yml"
    output:
        md="results/ch5/tables/analytic.md",
        csv="results/ch5/tables/analytic.csv",
        metrics="results/ch5/metrics/analytic.json",
    log:
        "logs/ch5/tables/analytic.log",
    shell:
        "nnsci table ch5.analytic --out {output.md} --metrics {output.metrics} > {log} 2>&1"


# ---------------------------------------------------------------- end of the no-network block


rule chapter5:
    input:
        CH5_TARGETS,

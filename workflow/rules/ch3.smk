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
    shell:
        "nnsci figure ch3.{wildcards.name} --out {output} > {log} 2>&1"


rule ch3_demo_animation:
    conda:
        "../../environment.yml"
    output:
        "results/ch3/figures/{name}.gif",
    log:
        "logs/ch3/figures/{name}_gif.log",
    wildcard_constraints:
        name="|".join(CH3_DEMO_ANIMATIONS),
    shell:
        "nnsci figure ch3.{wildcards.name}_anim --out {output} > {log} 2>&1"


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
    shell:
        "nnsci figure ch3.{wildcards.name} --out {output} --input mnist={input.mnist} > {log} 2>&1"


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
    shell:
        "nnsci table ch3.demos --out {output.md} --metrics {output.metrics}"
        " --input seed={params.seed} > {log} 2>&1"


# ---------------------------------------------------------------- end of the no-network block


rule chapter3:
    input:
        CH3_TARGETS,

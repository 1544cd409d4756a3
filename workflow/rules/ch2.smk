# Chapter 2: backpropagation against finite differences (the chapter has no training runs).
import nnsci.figures.diagram_catalog

# The notation diagrams (figures/diagram_catalog.py).
CH2_DIAGRAMS = nnsci.figures.diagram_catalog.diagram_names("ch2")

CH2_TARGETS = [
    "results/ch2/tables/backprop_cost.md",
    "results/ch2/tables/backprop_cost.csv",
    "results/ch2/metrics/backprop_cost.json",
]
CH2_TARGETS += expand("results/ch2/figures/{name}.png", name=CH2_DIAGRAMS)


rule ch2_diagram:
    conda:
        "../../environment.yml"
    output:
        book_report("results/ch2/figures/{name}.png"),
    log:
        "logs/ch2/figures/{name}.log",
    wildcard_constraints:
        name="|".join(CH2_DIAGRAMS),
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("figure"),
    shell:
        "nnsci figure ch2.{wildcards.name} --out {output} --scale {params.scale} > {log} 2>&1"


rule ch2_backprop_cost_table:
    conda:
        "../../environment.yml"
    input:
        mnist=MNIST,
    output:
        md=book_report("results/ch2/tables/backprop_cost.md"),
        csv="results/ch2/tables/backprop_cost.csv",
        metrics="results/ch2/metrics/backprop_cost.json",
    log:
        "logs/ch2/tables/backprop_cost.log",
    params:
        scale=SCALE,
        seed=config["seed"],
        engine_hash=engine_hash(),
    threads: 1
    resources:
        **job_resources("table"),
    shell:
        "nnsci table ch2.backprop_cost --out {output.md} --metrics {output.metrics}"
        " --input mnist={input.mnist} --input seed={params.seed} --scale {params.scale} > {log} 2>&1"


rule chapter2:
    input:
        CH2_TARGETS,
        captions("ch2"),

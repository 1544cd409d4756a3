# Compare results with the book's printed numbers and our stored reference metrics.


rule check:
    input:
        rules.chapter1.input,
        rules.chapter2.input,
        rules.chapter3.input,
        rules.chapter4.input,
        rules.chapter5.input,
        rules.chapter6.input,
    output:
        "results/check/report.md",
    log:
        "logs/check.log",
    params:
        scale=SCALE,
    shell:
        "nnsci check --scale {params.scale} --out {output} > {log} 2>&1"

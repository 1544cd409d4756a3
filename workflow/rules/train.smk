# Training: one job per seeded run (ch1.net30.s0); replica scripts (one job, several runs) have
# rules of their own in their chapter's file. A run retrains when the engine's sources change.


rule train:
    conda:
        "../../environment.yml"
    input:
        unpack(run_data),
    output:
        metrics="results/runs/{run}/metrics.json",
        weights="results/runs/{run}/weights.npz",
        provenance="results/runs/{run}/provenance.json",
    log:
        "logs/runs/{run}.log",
    wildcard_constraints:
        run=r"ch\d\.[A-Za-z0-9_.\-]+\.s\d+",
    params:
        engine_hash=engine_hash(),
        opts=RUN_OPTS,
        inputs=lambda wildcards, input: " ".join(f"--input {k}={v}" for k, v in input.items()),
    threads: config["threads"]
    benchmark:
        "benchmarks/runs/{run}.tsv"
    resources:
        **job_resources("train"),
    shell:
        "nnsci train {wildcards.run} {params.inputs} {params.opts} > {log} 2>&1"

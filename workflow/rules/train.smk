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


# Training families (the run-spec key `family`): the experiments of one family train in ONE job
# (`nnsci train <runs...>`): at small scales a process start (imports, data, compiled-kernel cache)
# costs more than the runs, and later a family is one GPU launch. A replica script, or a replica
# experiment, is named by its id (its runs share the book's streams, in the script's order).
# `ruleorder` gives these rules their runs over the one-run `rule train`.
for _family, _job in nnsci.experiments.family_jobs(SCALE_SPEC).items():
    _data = sorted({k for e in nnsci.experiments.training_families(SCALE_SPEC)[_family]
                    for k in nnsci.experiments.data_inputs(e)})

    rule:
        name:
            f"train_family_{_family.replace('.', '_')}"
        conda:
            "../../environment.yml"
        input:
            **{k: DATA_FILES[k] for k in _data},
        output:
            _job["files"],
        log:
            f"logs/runs/family.{_family}.log",
        params:
            runs=" ".join(_job["args"]),
            inputs=" ".join(f"--input {k}={DATA_FILES[k]}" for k in _data),
            engine_hash=engine_hash(),
            opts=RUN_OPTS,
        threads: config["threads"]
        benchmark:
            f"benchmarks/runs/{_family}.family.tsv"
        resources:
            **job_resources("train_family"),
        shell:
            "nnsci train {params.runs} {params.inputs} {params.opts} > {log} 2>&1"

    workflow.ruleorder(f"train_family_{_family.replace('.', '_')}", "train")

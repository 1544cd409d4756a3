# MNIST: download (verified, atomic) -> prepare (the book's split) -> augment.
# The conda environment is the project's own (environment.yml): every rule runs `nnsci`.


rule download_mnist:
    conda:
        "../../environment.yml"
    output:
        expand("resources/mnist/raw/{f}.gz", f=MNIST_FILES),
    log:
        "logs/data/download_mnist.log",
    params:
        mirrors=" ".join(f"--mirror {shlex.quote(m)}" for m in config["mirrors"]),
    retries: 1
    threads: 1
    resources:
        **job_resources("data"),
    shell:
        "nnsci download-mnist --out resources/mnist/raw {params.mirrors} > {log} 2>&1"


rule prepare_mnist:
    conda:
        "../../environment.yml"
    input:
        rules.download_mnist.output,
    output:
        MNIST,
    log:
        "logs/data/prepare_mnist.log",
    threads: 1
    resources:
        **job_resources("data"),
    shell:
        "nnsci prepare-mnist --raw resources/mnist/raw --out {output} > {log} 2>&1"


rule expand_mnist:
    conda:
        "../../environment.yml"
    input:
        MNIST,
    output:
        EXPANDED,
    log:
        "logs/data/expand_mnist.log",
    params:
        seed=config["seed"],
    threads: 1
    resources:
        **job_resources("expand"),
    shell:
        "nnsci expand-mnist --mnist {input} --out {output} --seed {params.seed} > {log} 2>&1"

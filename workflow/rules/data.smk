# MNIST: download (verified, atomic) -> prepare (the book's split) -> augment.
# Fashion-MNIST the same way, into resources/fashion-mnist/ (mirrors: config fashion_mnist_mirrors,
# after $NNSCI_FASHION_MNIST_MIRROR).
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


rule download_fashion_mnist:
    conda:
        "../../environment.yml"
    output:
        expand("resources/fashion-mnist/raw/{f}.gz", f=MNIST_FILES),
    log:
        "logs/data/download_fashion_mnist.log",
    params:
        mirrors=" ".join(f"--mirror {shlex.quote(m)}" for m in config["fashion_mnist_mirrors"]),
    retries: 1
    threads: 1
    resources:
        **job_resources("data"),
    shell:
        "nnsci download-mnist --dataset fashion-mnist --out resources/fashion-mnist/raw {params.mirrors} "
        "> {log} 2>&1"


rule prepare_fashion_mnist:
    conda:
        "../../environment.yml"
    input:
        rules.download_fashion_mnist.output,
    output:
        FASHION_MNIST,
    log:
        "logs/data/prepare_fashion_mnist.log",
    threads: 1
    resources:
        **job_resources("data"),
    shell:
        "nnsci prepare-mnist --raw resources/fashion-mnist/raw --out {output} > {log} 2>&1"


rule expand_fashion_mnist:
    conda:
        "../../environment.yml"
    input:
        FASHION_MNIST,
    output:
        FASHION_EXPANDED,
    log:
        "logs/data/expand_fashion_mnist.log",
    params:
        seed=config["seed"],
    threads: 1
    resources:
        **job_resources("expand"),
    shell:
        "nnsci expand-mnist --dataset fashion-mnist --mnist {input} --out {output} --seed {params.seed} "
        "> {log} 2>&1"

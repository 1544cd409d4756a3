# Wall time and peak memory of every training and SVM job (their `benchmark:` files under
# benchmarks/), tabulated per job and per chapter (nnsci/benchmarks.py). It reads what the chapters'
# jobs measured, so it runs after all of them.


rule benchmarks_table:
    conda:
        "../../environment.yml"
    input:
        ALL_CHAPTER_TARGETS,
    output:
        md=book_report("results/benchmarks/jobs.md"),
        csv="results/benchmarks/jobs.csv",
        chapters_md="results/benchmarks/chapters.md",
        chapters_csv="results/benchmarks/chapters.csv",
    log:
        "logs/benchmarks.log",
    threads: 1
    resources:
        **job_resources("check"),
    shell:
        "nnsci benchmarks --dir benchmarks --out {output.md} --chapters {output.chapters_md}"
        " > {log} 2>&1"

# The captions of Snakemake's HTML report (`snakemake --report results/report.html`): what each
# figure and table shows, the book's numbers beside ours, the runs and seeds behind it, written from
# the registries, the check and the runs' provenance (nnsci/report.py) once everything is built.
# The rules mark their figures and tables with book_report() (common.smk).


rule report_captions:
    conda:
        "../../environment.yml"
    input:
        rules.chapter1.input,
        rules.chapter2.input,
        rules.chapter3.input,
        rules.chapter4.input,
        rules.chapter5.input,
        rules.chapter6.input,
        rules.chapter7.input,
        "results/check/report.md",
        "results/benchmarks/jobs.md",
    output:
        directory(nnsci.report.CAPTION_DIR),
    log:
        "logs/report_captions.log",
    threads: 1
    resources:
        **job_resources("check"),
    shell:
        "nnsci report-captions --results results --out {output} > {log} 2>&1"

# The captions of Snakemake's HTML report (`snakemake --report results/report.html`): what each
# figure and table shows, the book's numbers beside ours, the runs and seeds behind it, written from
# the registries, the metrics and the runs' provenance (nnsci/captions.py) once a group is built.
# One job per group: a chapter (its target, rule chapterN, names it: a one-chapter build gives a
# one-chapter report), the check, the run times. The rules mark their figures and tables with
# book_report() (common.smk).

CAPTION_INPUTS = {
    "ch1": CH1_TARGETS,
    "ch2": CH2_TARGETS,
    "ch3": CH3_TARGETS,
    "ch4": CH4_TARGETS,
    "ch5": CH5_TARGETS,
    "ch6": CH6_TARGETS,
    "ch7": CH7_TARGETS,
    "check": ["results/check/report.md"],
    "benchmarks": ["results/benchmarks/jobs.md"],
}


rule report_captions:
    conda:
        "../../environment.yml"
    input:
        lambda wildcards: CAPTION_INPUTS[wildcards.group],
    output:
        directory(captions("{group}")),
    log:
        "logs/report_captions/{group}.log",
    wildcard_constraints:
        group="|".join(nnsci.report.CAPTION_GROUPS),
    params:
        scale=SCALE,
    threads: 1
    resources:
        **job_resources("check"),
    shell:
        "nnsci report-captions {wildcards.group} --results results --scale {params.scale}"
        " --out {output} > {log} 2>&1"

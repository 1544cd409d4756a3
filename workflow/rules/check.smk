# Compare results with the book's printed numbers and our stored reference metrics.
#
#   snakemake --cores all check                        # report only: results/check/report.{md,csv}
#   snakemake --cores all --config scale=ci check_strict   # CI: fails when a stored reference number differs
#
# The numbers come from the metrics JSONs the table rules write (results/chN/metrics/*.json); the
# chapter target lists name them, so the check reruns when a table's numbers, book.yaml or a stored
# reference file changes.

import glob
import os

REFERENCE_DIR = os.path.join(workflow.basedir, "config", "reference")
ALL_CHAPTER_TARGETS = CH1_TARGETS + CH2_TARGETS + CH3_TARGETS + CH4_TARGETS + CH5_TARGETS + CH6_TARGETS + CH7_TARGETS
CHECK_METRICS = [
    str(p)
    for p in ALL_CHAPTER_TARGETS
    if os.path.basename(os.path.dirname(str(p))) == "metrics" and str(p).endswith(".json")
]
CHECK_STORED = sorted(glob.glob(os.path.join(REFERENCE_DIR, SCALE, "*.yaml")))


rule check:
    conda:
        "../../environment.yml"
    input:
        ALL_CHAPTER_TARGETS,
        metrics=CHECK_METRICS,
        book=os.path.join(REFERENCE_DIR, "book.yaml"),
        stored=CHECK_STORED,
    output:
        md=book_report("results/check/report.md"),
        csv="results/check/report.csv",
    log:
        "logs/check.log",
    params:
        scale=SCALE,
        reference=lambda w, input: os.path.dirname(input.book),
        strict="",
    threads: 1
    resources:
        **job_resources("check"),
    shell:
        "nnsci check --scale {params.scale} --out {output.md} {params.strict}"
        " --input book={input.book:q} --input reference={params.reference:q} > {log} 2>&1"


# The same check, failing (exit 1) when any stored reference number differs or is missing.
use rule check as check_strict with:
    output:
        md="results/check/strict/report.md",
        csv="results/check/strict/report.csv",
    log:
        "logs/check_strict.log",
    params:
        scale=SCALE,
        reference=lambda w, input: os.path.dirname(input.book),
        strict="--strict",

# nnsci: every computed figure, table and number of Nielsen's
# "Neural Networks and Deep Learning", rebuilt from code and seeds.
#
#   snakemake --cores all                     # the whole book at the default scale
#   snakemake --cores all chapter3            # one chapter
#   snakemake --cores all --config scale=ci   # a few minutes
#   snakemake --report results/report.html    # then: the whole book as one HTML file
#
# Rules only wire: every step is an `nnsci <verb>` call (see nnsci/cli.py).

from snakemake.utils import min_version, validate

min_version("9.0")


configfile: os.path.join(workflow.basedir, "config/config.yaml")


validate(config, os.path.join(workflow.basedir, "workflow/schemas/config.schema.yaml"))


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/ch1.smk"
include: "workflow/rules/ch2.smk"
include: "workflow/rules/ch3.smk"
include: "workflow/rules/ch4.smk"
include: "workflow/rules/ch5.smk"
include: "workflow/rules/ch6.smk"
include: "workflow/rules/ch7.smk"
include: "workflow/rules/check.smk"
include: "workflow/rules/benchmarks.smk"
include: "workflow/rules/report.smk"


report: "workflow/report/workflow.rst"


# The plan before the work, on the console before the DAG is built (also for `snakemake -n`: onstart
# handlers do not run in a dry run). Only in the main process: a job that Snakemake runs remotely
# (the SLURM executor) or in a subprocess parses this file again and prints nothing.
if workflow.is_main_process:
    nnsci.plan.print_plan(SCALE_SPEC)


rule all:
    default_target: True
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
        captions("check"),
        captions("benchmarks"),

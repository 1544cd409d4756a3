"""The plan before the work: the networks a build trains, per chapter, and what they cost.

For every run of config/experiments/chN.yaml that the scale trains (the same selection as the DAG:
:func:`nnsci.experiments.run_ids`, the sweep and grid points and the distinct sizes of the training
families), the training examples are its scaled epochs times its scaled training-set size. The CPU
hours divide them by the measured throughput of the kind of network (``throughput`` in
config/resources.yaml: examples per second on the 2-core development machine), plus the share of
evaluation. ``nnsci plan`` prints it; the Snakefile prints it before a build (and ``snakemake -n``).
Training that is not a run spec (chapter 4's one-input fits, chapter 2's gradient checks, the SVMs)
is minutes at any scale and not counted."""

from __future__ import annotations

from dataclasses import dataclass

from .config import as_scale, load_experiments
from .errors import NnsciError
from .experiments import run_ids, training_families
from .experiments.spec import is_script, script_runs
from .resources import load_throughput

# Examples of each set at the book's sizes (the expanded set: each image and its four shifts).
SET_SIZES = {"training": 50_000, "validation": 10_000, "test": 10_000, "expanded": 250_000}


@dataclass
class ChapterPlan:
    chapter: str
    runs: int = 0
    examples: int = 0
    cpu_hours: float = 0.0


def network_kind(net) -> str:
    """``conv`` for a net with a convolutional layer, else ``dense``: what a training example costs
    (the throughput table's key), read off the architecture, unlike the scale's caps."""
    if isinstance(net, dict) and any("conv" in layer for layer in net.get("layers", [])):
        return "conv"
    return "dense"


def _trained_experiments(chapter: str, scale) -> list[str]:
    """The experiments of one chapter this scale trains, in file order."""
    in_family = {e for members in training_families(scale, chapter).values() for e in members}
    out = []
    for exp, spec in load_experiments(chapter).items():
        if isinstance(spec, dict) and "family" in spec and exp not in in_family:
            continue   # a sweep or grid point, or a same-size member, this scale leaves out
        out.append(exp)
    return out


def _runs(experiment: str, spec: dict, scale):
    """``[(run id, mapping)]`` of one experiment at this scale (a script: its networks)."""
    if is_script(spec):
        return script_runs(experiment, spec)
    return [(r, spec) for r in run_ids(experiment, scale)]


def chapter_plan(chapter: str, scale, throughput: dict) -> ChapterPlan:
    from .experiments.spec import scaled

    scale = as_scale(scale)
    plan = ChapterPlan(chapter)
    specs = load_experiments(chapter)
    for exp in _trained_experiments(chapter, scale):
        for _, spec in _runs(exp, specs[exp], scale):
            s = scaled(spec, scale)
            train = s["train"]
            size = train.get("size") or SET_SIZES[train["set"]] - int(train.get("offset", 0))
            examples = int(s["epochs"]) * int(size)
            plan.runs += 1
            plan.examples += examples
            rate = throughput["examples_per_second"][network_kind(s["net"])]
            plan.cpu_hours += examples / rate * (1.0 + throughput["evaluation_share"]) / 3600.0
    return plan


def chapters() -> list[str]:
    """The chapters with experiment files, in order."""
    from . import paths

    return sorted(f.stem for f in paths.EXPERIMENTS_DIR.glob("ch*.yaml"))


def make_plan(scale, which=None) -> list[ChapterPlan]:
    known = chapters()
    unknown = [c for c in which or () if c not in known]
    if unknown:
        raise NnsciError(f"unknown chapter(s) {', '.join(unknown)}; chapters that train networks: {', '.join(known)}")
    throughput = load_throughput()
    return [chapter_plan(c, scale, throughput) for c in (which or chapters())]


def _duration(hours: float) -> str:
    if hours >= 1:
        return f"{hours:,.1f} h"
    return f"{hours * 60:.0f} min" if hours * 60 >= 1 else "<1 min"


def format_plan(plans: list[ChapterPlan], scale_name: str) -> str:
    """The plan as text: one line per chapter, the total, and at full scale where to go instead."""
    lines = [f"nnsci plan at scale {scale_name}: the networks to train, their training examples (epochs x "
             "images) and the estimated CPU time of a 2-core machine (config/resources.yaml's measured "
             "throughputs; compiling and figures not counted)"]
    rows = [(p.chapter, p.runs, p.examples, p.cpu_hours) for p in plans]
    rows.append(("all", sum(r[1] for r in rows), sum(r[2] for r in rows), sum(r[3] for r in rows)))
    for name, runs, examples, hours in rows:
        lines.append(f"  {name:<4} {runs:>6,} networks {examples:>15,} examples  ~{_duration(hours):>9} CPU")
    if scale_name == "full":
        lines += ["  This is the book's full scale: days of a 2-core machine. Instead try",
                  "    --config scale=quick   (every figure and table, from fewer epochs, images and seeds),",
                  "    --config engine=cuda   (train on an NVIDIA GPU),",
                  "    --profile workflow/profiles/slurm   (spread the jobs over a SLURM cluster)."]
    return "\n".join(lines)


def plan_text(scale, which=None) -> str:
    scale = as_scale(scale)
    return format_plan(make_plan(scale, which), scale.name)


def print_plan(scale, stream=None) -> None:
    """The plan on ``stream`` (stderr: the console, not a target's output), as the pipeline prints it."""
    import sys

    print(plan_text(scale), file=stream or sys.stderr, flush=True)

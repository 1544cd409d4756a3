"""Wall time and peak memory of every training and SVM job, from Snakemake's benchmark files.

Every training rule and the SVM rule name a ``benchmark:`` file (``benchmarks/runs/<job>.tsv``,
``benchmarks/svm/size<N>.tsv``): Snakemake's tab-separated record of the job as a whole process,
``s`` its wall time in seconds and ``max_rss`` its peak resident memory in MB (one row per repeat).
These are the numbers a scheduler needs (the rules' ``runtime`` and ``mem_mb``), so the pipeline
tabulates them: one row per job and one per chapter, which a cluster profile or a reader can check
against what the rules request."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

from .errors import NnsciError
from .tables import write_table

# The columns Snakemake's benchmark file must have for this table.
WALL, RSS = "s", "max_rss"


def _number(text, path, column):
    """A benchmark cell as a float; Snakemake writes '-' or 'NA' where it measured nothing."""
    text = (text or "").strip()
    if text in ("", "-", "NA", "nan"):
        return None
    try:
        return float(text)
    except ValueError:
        raise NnsciError(f"{path}: column {column!r} holds {text!r}, not a number") from None


def job_of(path) -> tuple[str, str]:
    """``(chapter, job)`` of a benchmark file: the job is its name (``ch3.family_ce``,
    ``size2000``), the chapter the run id's prefix; SVM fits serve chapters 1 and 3, so
    their chapter is ``svm``."""
    path = Path(path)
    job = path.name[: -len(".tsv")] if path.name.endswith(".tsv") else path.stem
    if path.parent.name == "svm":
        return "svm", f"svm.{job}"
    m = re.match(r"(ch\d+)\.", job)
    if not m:
        raise NnsciError(f"{path}: cannot tell the chapter of benchmark {job!r} (expected chN.<run>)")
    return m.group(1), job


def read_benchmark(path) -> dict:
    """One benchmark file as ``{chapter, job, wall_s, max_rss_mb, repeats}`` (the slowest repeat's
    wall time and the largest peak memory)."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
    except OSError as e:
        raise NnsciError(f"{path}: cannot read benchmark file ({e.strerror})") from None
    if not rows:
        raise NnsciError(f"{path}: benchmark file has no measurement")
    for column in (WALL, RSS):
        if column not in rows[0]:
            raise NnsciError(f"{path}: not a Snakemake benchmark file (no column {column!r})")
    walls = [_number(r[WALL], path, WALL) for r in rows]
    rsss = [v for v in (_number(r[RSS], path, RSS) for r in rows) if v is not None]
    if any(w is None for w in walls):
        raise NnsciError(f"{path}: a repeat has no wall time")
    chapter, job = job_of(path)
    return {"chapter": chapter, "job": job, "wall_s": max(walls),
            "max_rss_mb": max(rsss) if rsss else None, "repeats": len(rows)}


def benchmark_files(root) -> list[Path]:
    """Every ``*.tsv`` under ``root``, sorted."""
    root = Path(root)
    if not root.is_dir():
        raise NnsciError(f"{root}: no such benchmark directory")
    return sorted(root.rglob("*.tsv"))


def per_job(paths) -> pd.DataFrame:
    """One row per job, in chapter then job order."""
    rows = [read_benchmark(p) for p in paths]
    if not rows:
        raise NnsciError("no benchmark files to tabulate")
    df = pd.DataFrame(rows, columns=["chapter", "job", "wall_s", "max_rss_mb", "repeats"])
    return df.sort_values(["chapter", "job"], kind="stable").reset_index(drop=True)


def per_chapter(jobs: pd.DataFrame) -> pd.DataFrame:
    """One row per chapter: how many jobs, their summed and longest wall time, the largest peak."""
    g = jobs.groupby("chapter", sort=True)
    return pd.DataFrame({
        "chapter": list(g.groups),
        "jobs": g.size().to_numpy(),
        "total_wall_s": g["wall_s"].sum().to_numpy(),
        "max_wall_s": g["wall_s"].max().to_numpy(),
        "max_rss_mb": g["max_rss_mb"].max().to_numpy(),
    })


NOTES = """Wall time and peak resident memory (MB) of each training and SVM job, as Snakemake measured
them (`benchmark:` files under benchmarks/). A job is one seeded run (ch1.net30.s0), one family or
replica script of several runs (ch3.family_*, ch3.replica_*) or one SVM fit (svm.size<N>). The rules'
`runtime` and `mem_mb` (config/resources.yaml) are set above these with headroom. Times depend on the
machine and on what else it ran."""


def write_benchmark_tables(paths, out_md, out_chapters_md) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Write the per-job table to ``out_md`` and the per-chapter one to ``out_chapters_md``
    (each with its .csv beside it)."""
    jobs = per_job(paths)
    chapters = per_chapter(jobs)
    write_table(jobs, out_md, title="benchmarks: per job", notes=NOTES)
    write_table(chapters, out_chapters_md, title="benchmarks: per chapter", notes=NOTES)
    return jobs, chapters

"""Benchmark tables (nnsci/benchmarks.py) and the resources every rule asks for (nnsci/resources.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from nnsci.benchmarks import benchmark_files, job_of, per_chapter, per_job, read_benchmark, write_benchmark_tables
from nnsci.errors import NnsciError
from nnsci.resources import job_resources, load_resources

HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def bench(path: Path, *rows) -> Path:
    """A benchmark file in Snakemake's format, one (wall s, max_rss MB) pair per repeat."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "".join(f"{s}\t0:00:01\t{rss}\t1\t1\t1\t0\t0\t0\t0.5\n" for s, rss in rows))
    return path


def test_a_file_gives_the_slowest_repeat_and_the_largest_peak(tmp_path):
    p = bench(tmp_path / "runs" / "ch1.net30.s0.tsv", (12.5, 300.25), (14.0, 280.0))
    assert read_benchmark(p) == {"chapter": "ch1", "job": "ch1.net30.s0", "wall_s": 14.0,
                                 "max_rss_mb": 300.25, "repeats": 2}


def test_chapters_of_runs_families_and_svm_fits():
    assert job_of("benchmarks/runs/ch3.family_ce.tsv") == ("ch3", "ch3.family_ce")
    assert job_of("benchmarks/runs/ch1.eta0.01.s1.tsv") == ("ch1", "ch1.eta0.01.s1")
    assert job_of("benchmarks/svm/size2000.tsv") == ("svm", "svm.size2000")
    with pytest.raises(NnsciError, match="cannot tell the chapter"):
        job_of("benchmarks/runs/mystery.tsv")


def test_an_unmeasured_peak_is_missing_not_zero(tmp_path):
    p = bench(tmp_path / "runs" / "ch1.a.s0.tsv", (0.4, "-"))
    assert read_benchmark(p)["max_rss_mb"] is None


@pytest.mark.parametrize("text, message", [
    ("", "has no measurement"),
    ("wall\tpeak\n1\t2\n", "not a Snakemake benchmark file"),
    (HEADER + "fast\t0\t1\t1\t1\t1\t0\t0\t0\t0\n", "'fast', not a number"),
])
def test_bad_benchmark_files_are_named(tmp_path, text, message):
    p = tmp_path / "runs" / "ch1.x.s0.tsv"
    p.parent.mkdir(parents=True)
    p.write_text(text)
    with pytest.raises(NnsciError, match=message) as e:
        read_benchmark(p)
    assert str(p) in str(e.value) and "\n" not in str(e.value)


def test_tables_per_job_and_per_chapter(tmp_path):
    root = tmp_path / "benchmarks"
    bench(root / "runs" / "ch1.net30.s0.tsv", (10.0, 400.0))
    bench(root / "runs" / "ch1.net30.s1.tsv", (30.0, 450.0))
    bench(root / "runs" / "ch3.family_ce.tsv", (100.0, 900.0))
    bench(root / "svm" / "size2000.tsv", (5.0, 700.0))
    files = benchmark_files(root)
    assert len(files) == 4
    jobs = per_job(files)
    assert list(jobs["job"]) == ["ch1.net30.s0", "ch1.net30.s1", "ch3.family_ce", "svm.size2000"]
    chapters = per_chapter(jobs).set_index("chapter")
    assert chapters.loc["ch1", "jobs"] == 2
    assert chapters.loc["ch1", "total_wall_s"] == 40.0
    assert chapters.loc["ch1", "max_wall_s"] == 30.0
    assert chapters.loc["ch1", "max_rss_mb"] == 450.0
    assert chapters.loc["svm", "max_rss_mb"] == 700.0

    out, by_chapter = tmp_path / "out" / "jobs.md", tmp_path / "out" / "chapters.md"
    write_benchmark_tables(files, out, by_chapter)
    assert pd.read_csv(out.with_suffix(".csv"))["wall_s"].tolist() == [10.0, 30.0, 100.0, 5.0]
    assert "| ch3 | 1 | 100 | 100 | 900 |" in by_chapter.read_text()


def test_the_cli_verb_writes_both_tables_and_fails_in_one_line(tmp_path):
    bench(tmp_path / "benchmarks" / "runs" / "ch1.net30.s0.tsv", (10.0, 400.0))
    cmd = [sys.executable, "-m", "nnsci.cli", "benchmarks", "--dir", "benchmarks",
           "--out", "results/benchmarks/jobs.md", "--chapters", "results/benchmarks/chapters.md"]
    ok = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "results/benchmarks/chapters.csv").is_file()
    bad = subprocess.run(cmd[:5] + ["nowhere"] + cmd[6:], cwd=tmp_path, capture_output=True, text=True)
    assert bad.returncode == 1
    assert bad.stderr.strip() == "nnsci benchmarks: error: nowhere: no such benchmark directory"


def test_every_kind_has_resources_at_every_scale():
    table = load_resources()
    for kind in table:
        for scale in ("ci", "quick", "full"):
            r = job_resources(kind, scale, table=table)
            assert r["mem_mb"] >= 500 and r["runtime"] >= 1
    # Full-scale jobs get at least as long as ci ones.
    assert all(spec["runtime"]["full"] >= spec["runtime"]["ci"] for spec in table.values())


def test_training_asks_for_a_gpu_only_under_cuda():
    assert job_resources("train", "ci", "cuda")["gpu"] == 1
    assert job_resources("train_family", "full", "cuda")["gpu"] == 1
    assert job_resources("train", "ci", "cpu")["gpu"] == 0
    assert "gpu" not in job_resources("figure", "ci", "cuda")


@pytest.mark.parametrize("call, message", [
    (lambda: job_resources("nope", "ci"), "unknown job kind 'nope'"),
    (lambda: job_resources("train", "huge"), "unknown scale 'huge'"),
])
def test_unknown_kind_or_scale(call, message):
    with pytest.raises(NnsciError, match=message):
        call()


@pytest.mark.parametrize("text, message", [
    ("train: {mem_mb: 0, runtime: {ci: 1, quick: 1, full: 1}}", "mem_mb must be a positive"),
    ("train: {mem_mb: 100, runtime: {ci: 1}}", "runtime must give minutes for each scale"),
    ("train: {mem_mb: 100, runtime: {ci: 0.5, quick: 1, full: 1}}", "whole minutes"),
    ("train: {mem_mb: 100, runtime: {ci: 1, quick: 1, full: 1}, cores: 4}", "expected the keys"),
])
def test_a_bad_resources_file_is_named(tmp_path, text, message):
    p = tmp_path / "resources.yaml"
    p.write_text(text)
    with pytest.raises(NnsciError, match=message):
        load_resources(p)

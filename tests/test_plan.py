"""`nnsci plan`: the networks a build trains per chapter and their estimated CPU time, from the
throughputs of config/resources.yaml. Expected values are counted by hand from the experiment files
and the scales (a chapter's networks, the book's epochs and set sizes) or made up for the test."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from nnsci import plan as P
from nnsci.errors import NnsciError


def nnsci(*args):
    return subprocess.run([sys.executable, "-m", "nnsci.cli", *args], capture_output=True, text=True, timeout=120)


def test_plan_at_ci_names_each_chapter_with_numbers():
    r = nnsci("plan", "--scale", "ci")
    assert r.returncode == 0, r.stderr
    for chapter in ("ch1", "ch3", "ch5", "ch6", "ch7", "all"):
        line = next(ln for ln in r.stdout.splitlines() if ln.strip().startswith(chapter + " "))
        networks, examples = re.search(r"([\d,]+) networks +([\d,]+) examples", line).groups()
        assert int(networks.replace(",", "")) > 0 and int(examples.replace(",", "")) > 0, line
        assert "CPU" in line
    assert "scale=quick" not in r.stdout


def test_plan_at_full_points_to_quick_the_gpu_and_the_cluster():
    r = nnsci("plan", "--config", "scale=full", "ch1")
    assert r.returncode == 0, r.stderr
    assert "--config scale=quick" in r.stdout and "engine=cuda" in r.stdout
    assert "workflow/profiles/slurm" in r.stdout
    assert " ch3 " not in r.stdout   # only the chapter asked for


def test_chapter_1_at_full_is_the_books_examples():
    # ch1.yaml at full: network.py's runs, 30 epochs of the 50,000 training images each
    p = P.make_plan("full", ["ch1"])[0]
    assert p.examples == p.runs * 30 * 50_000 and p.runs > 0


def test_the_cpu_time_is_examples_over_the_measured_rate(monkeypatch):
    monkeypatch.setattr(P, "load_throughput",
                        lambda: {"examples_per_second": {"dense": 1_500_000 / 3600, "conv": 1.0},
                                 "evaluation_share": 0.5})
    p = P.make_plan("full", ["ch1"])[0]
    assert p.cpu_hours == pytest.approx(p.runs * 1.5)   # 1.5 M examples a run: 1 h at 1.5 M an hour, +50 %


def test_the_network_kind_is_read_off_the_architecture():
    assert P.network_kind([784, 30, 10]) == "dense"
    assert P.network_kind({"input": 784, "layers": [{"fc": {"n": 30}}, {"fc": {"n": 10}}]}) == "dense"
    assert P.network_kind({"input": [1, 28, 28], "layers": [{"conv": {"maps": 2, "k": 5}}, {"softmax": {"n": 10}}]}) \
        == "conv"


def test_an_unknown_chapter_or_scale_is_one_line():
    with pytest.raises(NnsciError, match="ch9"):
        P.make_plan("ci", ["ch9"])
    r = nnsci("plan", "--scale", "huge")
    assert r.returncode == 1 and "huge" in r.stderr and "Traceback" not in r.stderr

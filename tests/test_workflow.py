"""The Snakemake workflow: lint, dry runs at every scale, config errors, a ci-scale build.

Snakemake runs in a subprocess from a temporary working directory, so the
tests also show that the workflow runs from anywhere (the Snakefile finds its
config through ``workflow.basedir``)."""

from __future__ import annotations

import pytest
from conftest import E2E_TARGETS, run_snakemake as snakemake


def output(result):
    return result.stdout + result.stderr


def test_lint_is_clean(tmp_path):
    result = snakemake(tmp_path, "--lint")
    assert result.returncode == 0, output(result)
    assert "Lints for" not in output(result)


@pytest.mark.parametrize("scale", ["full", "quick", "ci"])
def test_dry_run_at_each_scale(tmp_path, scale):
    result = snakemake(tmp_path, "-n", "--config", f"scale={scale}")
    assert result.returncode == 0, output(result)
    assert "Job stats" in output(result)
    assert "download_mnist" in output(result) or "check" in output(result)


@pytest.mark.parametrize("scale", ["full", "ci"])
def test_dry_run_prints_the_plan_once(tmp_path, scale):
    """`snakemake -n` prints the plan (onstart handlers do not run in a dry run), once."""
    result = snakemake(tmp_path, "-n", "--config", f"scale={scale}")
    assert result.returncode == 0, output(result)
    text = output(result)
    assert text.count(f"nnsci plan at scale {scale}") == 1
    assert "Job stats" in text
    for chapter in ("ch1", "ch3", "ch5", "ch6", "ch7"):
        assert f"  {chapter} " in text
    assert ("scale=quick" in text) == (scale == "full")


@pytest.mark.parametrize("override, named", [("scale=nope", "nope"), ("bogus_key=1", "bogus_key")])
def test_bad_config_fails_naming_it(tmp_path, override, named):
    result = snakemake(tmp_path, "-n", "--config", override)
    assert result.returncode != 0
    assert named in output(result)
    assert "ValidationError" in output(result)


@pytest.mark.slow
def test_ci_scale_build_then_nothing_to_do(ci_build):
    tmp_path, result = ci_build.dir, ci_build.result
    assert result.returncode == 0, output(result)[-5000:]
    assert (tmp_path / "resources/mnist/mnist.npz").is_file()
    assert (tmp_path / "results/check/report.md").is_file()
    assert not list((tmp_path / "resources").rglob(".*.tmp*")), "temporary files left behind"
    again = snakemake(tmp_path, *E2E_TARGETS, "-n", "--config", "scale=ci", mirror=ci_build.mirror)
    assert again.returncode == 0, output(again)
    assert nothing_to_do(output(again)), output(again)


def nothing_to_do(dry_run_output: str) -> bool:
    """Whether a dry run would build nothing.

    A target rule whose input list is still empty (a chapter with no rules yet) has
    neither input nor output, and Snakemake always schedules such a rule; it builds
    nothing, so it does not count."""
    if "Nothing to be done" in dry_run_output:
        return True
    if "Reasons:" not in dry_run_output:
        return False
    reasons = dry_run_output.split("Reasons:", 1)[1].split("This was a dry-run", 1)[0]
    categories = {line.strip().rstrip(":") for line in reasons.splitlines()
                  if line.startswith("    ") and not line.startswith("        ") and line.strip()}
    categories.discard("(check individual jobs above for details)")
    return categories == {"neither input nor output"}

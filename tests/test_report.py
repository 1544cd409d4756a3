"""Snakemake's HTML report of the whole book, built from the end-to-end ci build (no second build).

The report is built once, as the self-contained .html (``snakemake --report report.html``). The
tests read the page's own data, the ``var results = {...}`` and ``var categories = {...}`` JSON
that its JavaScript renders (each result's caption, category, subcategory, labels and its file as a
base64 data URI), rather than the rendered page. (The .zip form holds the same page, with the files
beside it under data/raw/ instead of inside it.)

``test_report_renders_in_a_browser`` opens the page in headless Chromium (Debian's ``chromium``)
and checks that it rendered the chapters with no JavaScript error in the console. Where there is no
Chromium, or it cannot start, the test is skipped with the reason; with ``NNSCI_REQUIRE_BROWSER=1``
(CI: .ci/run sets it) it fails instead.

A one-chapter build (chapter 2, the cheapest at ci) gives a one-chapter report: its target builds
its own captions.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from importlib.metadata import requires
from pathlib import Path

import pytest
from conftest import REPO, run_snakemake

from nnsci import captions, report
from nnsci.errors import NnsciError
from nnsci.figures.diagram_catalog import diagram_names



def test_every_figure_and_table_has_a_description_a_chapter_and_a_section():
    from nnsci.figures import FIGURES
    from nnsci.tables import TABLES

    paths = [f"results/{rid.split('.')[0]}/figures/{rid.split('.', 1)[1]}.png" for rid in FIGURES.load_all()]
    paths += [f"results/{rid.split('.')[0]}/tables/{rid.split('.', 1)[1]}.md" for rid in TABLES.load_all()]
    assert len(paths) > 120
    for path in paths:
        assert len(report.describe(path)) > 20, path
        assert report.category(path).startswith("Chapter "), path
        assert report.section(path), path
    assert report.book_figure("results/ch3/figures/overfitting1.png") == "Figure 3.8"
    assert report.book_figure("results/ch4/figures/basic_manipulation.png") == "Figure 4.7"
    assert report.book_figure("results/ch1/figures/accuracy_net30.png") == ""


def test_captions_are_written_one_group_at_a_time(tmp_path):
    assert report.caption_group("results/ch3/figures/overfitting1.png") == "ch3"
    assert report.caption_group("results/ch2/tables/backprop_cost.md") == "ch2"
    assert report.caption_group("results/check/report.md") == "check"
    assert report.caption_group("results/benchmarks/jobs.md") == "benchmarks"
    with pytest.raises(NnsciError, match="unknown caption group 'ch9'"):
        captions.write_captions("ch9", results=tmp_path)


def test_results_readme_names_every_directory_the_rules_write():
    rules = "".join(p.read_text() for p in (REPO / "workflow" / "rules").glob("*.smk"))
    written = {re.sub(r"^ch\d$", "chN", d) for d in re.findall(r"results/([a-z0-9]+)/", rules)}
    assert {"chN", "runs", "svm", "check", "benchmarks"} <= written, written
    readme = (REPO / "results" / "README.md").read_text()
    for d in sorted(written) + [report.CAPTION_DIR.split("/")[1]]:
        assert f"`{d}/" in readme, d


def page_data(page: str, name: str):
    """The JSON the report page holds as ``var <name> = ...;`` in its ``<script id="<name>">``."""
    m = re.search(rf'<script id="{name}">\s*var {name} = (.*?);\s*</script>', page, re.S)
    assert m, f"no {name} in the report page"
    return json.loads(m.group(1))


def built_files(workdir: Path) -> set[str]:
    """Every figure and table (its .md) the build made, found on disk, not through nnsci.report."""
    results = workdir / "results"
    found = {p for ch in results.glob("ch*") for p in (ch / "figures").glob("*") if p.is_file()}
    found |= {p for ch in results.glob("ch*") for p in (ch / "tables").glob("*.md")}
    return {p.relative_to(workdir).as_posix() for p in found if not p.name.startswith(".")}


@pytest.fixture(scope="module")
def built(ci_build):
    """The end-to-end ci build's directory (tests/conftest.py), built once per session."""
    assert ci_build.result.returncode == 0, "the ci build failed: see test_ci_scale_build_then_nothing_to_do"
    return ci_build.dir


@pytest.fixture(scope="module")
def report_html(built, tmp_path_factory) -> Path:
    """``snakemake --report report.html`` of the ci build."""
    out = tmp_path_factory.mktemp("report") / "report.html"
    made = run_snakemake(built, "--report", str(out), "--config", "scale=ci", timeout=600)
    assert made.returncode == 0, (made.stdout + made.stderr)[-5000:]
    return out


@pytest.mark.slow
def test_report_has_every_figure_and_table_with_a_caption(built, report_html):
    page = report_html.read_text(encoding="utf-8")
    results, categories = page_data(page, "results"), page_data(page, "categories")

    files = built_files(built)
    assert len(files) > 100, sorted(files)
    expected = files | {"results/check/report.md", "results/benchmarks/jobs.md"}
    assert expected <= set(results), f"not in the report: {sorted(expected - set(results))}"

    filed = {path: (cat, sub) for cat, subs in categories.items() for sub, paths in subs.items()
             for path in paths}
    for path in sorted(expected):
        entry = results[path]
        kind, rid = report.result_kind(path)
        caption = entry["caption"]
        # the caption says what it is and what it shows, from the registry; no docutils complaint
        assert f"<code>{rid}</code>" in caption, (path, caption[:500])
        assert captions._h(report.describe(path).split()[0]) in caption, (path, caption[:500])
        assert "System Message" not in caption and "(no caption)" not in caption, (path, caption[:2000])
        assert filed[path] == (report.category(path), report.section(path)), path
        assert entry["labels"]["id"] == rid
        assert entry["data_uri"].startswith(f"data:{entry['mime_type']}"), path
        if kind == "figure" and report.book_figure(path):
            assert f"{report.book_figure(path)} of the book" in caption, path
        if kind == "table":
            assert "<table" in caption, path  # the table itself, readable in the page
    # a figure drawn from trained networks lists its runs and their seeds
    net30 = results["results/ch1/figures/accuracy_net30.png"]["caption"]
    assert "Runs behind it" in net30 and "ch1.net30.s0" in net30 and "spawn key" in net30
    assert "The book's numbers of ch1.net30 and ours" in net30
    # every chapter, and the check and the run times
    assert {report.category(p) for p in expected} == set(categories)
    assert "Run time and memory" in categories[report.BOOK]


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def no_browser(reason: str):
    """Skip, with the reason; fail where the browser test must run (NNSCI_REQUIRE_BROWSER=1, CI)."""
    if os.environ.get("NNSCI_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (NNSCI_REQUIRE_BROWSER=1: the browser test must run)")
    pytest.skip(reason)


def headless(browser: str, url: str, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    """``url`` opened in headless Chromium, its DOM printed. As root it needs --no-sandbox; with no
    network, background networking would hang it: off, with a fresh profile."""
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}"]
    env = dict(os.environ, HOME=str(profile))
    return subprocess.run([browser, *flags, *extra, "--dump-dom", url],
                          capture_output=True, text=True, timeout=300, env=env)


@pytest.mark.slow
def test_report_renders_in_a_browser(report_html, tmp_path):
    """The .html report opened in headless Chromium: React renders the chapters, no JS error."""
    browser = chromium()
    if browser is None:
        no_browser("no Chromium to open the report in (Debian: apt-get install chromium)")
    probe = tmp_path / "probe.html"
    probe.write_text("<p id='p'></p><script>document.getElementById('p').textContent = 'started ' + (6 * 7)</script>")
    try:
        started = headless(browser, probe.as_uri(), tmp_path / "probe-profile")
    except subprocess.TimeoutExpired:
        started = subprocess.CompletedProcess([], -1, "", "no answer in 300 s")
    if started.returncode != 0 or "started 42" not in started.stdout:
        no_browser(f"{browser} cannot start (exit {started.returncode}): {started.stderr[-1500:].strip()}")

    run = headless(browser, report_html.as_uri(), tmp_path / "profile",
                   "--enable-logging=stderr", "--v=0", "--virtual-time-budget=20000")
    assert run.returncode == 0, run.stderr[-3000:]
    dom, log = run.stdout, run.stderr
    # console messages (uncaught exceptions among them) are logged as CONSOLE lines
    errors = [line for line in log.splitlines()
              if "CONSOLE" in line and re.search(r"Uncaught|Error", line)]
    assert not errors, errors
    # what React rendered (the page's own scripts hold the chapters' names too, as data)
    rendered = re.sub(r"<script\b.*?</script>", "", dom, flags=re.S)
    assert "nnsci: Neural Networks and Deep Learning, rebuilt" in rendered  # workflow/report/workflow.rst
    for title in ("Chapter 1. Using neural nets to recognize handwritten digits", "Chapter 6. Deep learning",
                  report.BOOK):
        assert title in rendered, title  # the menu of the results, one entry per category


# ---- a one-chapter build, a one-chapter report ----------------------------------------------------

CH2_TABLE = "results/ch2/tables/backprop_cost.md"  # chapter 2's one table (workflow/rules/ch2.smk)


@pytest.fixture(scope="module")
def chapter2_build(tmp_path_factory, mirror_dir) -> Path:
    """``snakemake chapter2`` at ci in a fresh directory: chapter 2 only."""
    workdir = tmp_path_factory.mktemp("ch2_build")
    made = run_snakemake(workdir, "chapter2", "--cores", "2", "--config", "scale=ci",
                         mirror=mirror_dir, timeout=1200)
    assert made.returncode == 0, (made.stdout + made.stderr)[-5000:]
    return workdir


@pytest.mark.slow
def test_a_one_chapter_build_gives_a_one_chapter_report(chapter2_build, tmp_path):
    # the chapter's target built its captions, and no other group's
    caption_dirs = sorted(p.name for p in (chapter2_build / "results/report/captions").iterdir())
    assert caption_dirs == ["ch2"]
    assert not (chapter2_build / "results/ch1").exists()

    out = tmp_path / "r.zip"
    made = run_snakemake(chapter2_build, "chapter2", "--config", "scale=ci", "--report", str(out), timeout=600)
    assert made.returncode == 0, (made.stdout + made.stderr)[-5000:]
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        page = z.read(next(n for n in names if n.endswith("/report.html"))).decode("utf-8")
    results, categories = page_data(page, "results"), page_data(page, "categories")
    # the chapter's table and its notation diagrams (nnsci/figures/diagram_catalog.py)
    assert set(results) == {CH2_TABLE} | {f"results/ch2/figures/{n}.png" for n in diagram_names("ch2")}
    assert list(categories) == ["Chapter 2. How the backpropagation algorithm works"]
    assert any(n.endswith("/backprop_cost.md") for n in names), names  # the file beside the page
    caption = results[CH2_TABLE]["caption"]
    assert "<code>ch2.backprop_cost</code>" in caption and "<table" in caption, caption[:2000]
    assert "System Message" not in caption, caption[:2000]


def test_the_report_needs_no_extra_of_ours():
    """What snakemake's own ``reports`` extra installs (pygments) is among our main dependencies:
    the README's ``pip install -e .`` alone builds the report (.ci/run proves it in a venv)."""
    import tomllib

    from test_packaging import REPO, name_of

    needs = {name_of(r.split(";")[0]) for r in requires("snakemake") or [] if 'extra == "reports"' in r}
    assert needs, "snakemake declares no reports extra: see what its --report imports"
    main = {name_of(r) for r in tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]}
    assert needs <= main, f"not in pyproject.toml's dependencies: {sorted(needs - main)}"

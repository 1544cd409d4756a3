"""The whole book as Snakemake's HTML report (``snakemake --report results/report.html``).

Every figure and table the rules build is marked with ``report()`` (``book_report`` in
workflow/rules/common.smk), filed under its chapter (the report's category) and the book's section
(its subcategory), both from here. Its caption is written after the build by ``nnsci
report-captions`` (rule ``report_captions``) from what already knows it:

- the registries (``FIGURES.describe`` / ``TABLES.describe``): which figure of the book, what it shows;
- a table's metrics JSON and the check report: the book's number beside ours and their status;
- the runs' ``provenance.json``: the seed of each run; the experiments' specs: what each run is.

Snakemake reads a caption as a Jinja template with the job in ``snakemake`` (``snakemake.input``,
``snakemake.output``), one caption file per rule. So one file per chapter holds a branch per output
file, and lists the runs behind an output from the job's own inputs (``results/runs/<run>/...``):
the rules already say which runs a figure reads, so nothing here repeats it.
"""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

from .io import write_text

# The book's chapters: the report's categories.
CHAPTERS = {
    "ch1": "Using neural nets to recognize handwritten digits",
    "ch2": "How the backpropagation algorithm works",
    "ch3": "Improving the way neural networks learn",
    "ch4": "A visual proof that neural nets can compute any function",
    "ch5": "Why are deep neural networks hard to train?",
    "ch6": "Deep learning",
    "ch7": "Ten years later (beyond the book)",
}
BOOK = "The whole book"  # the category of the check and the run times
CHECK_SECTION, TIMES_SECTION = "Check against the book", "Run time and memory"
INTRODUCTION, WHOLE_CHAPTER = "Introduction", "The whole chapter"

# The book's section of each figure and table (the report's subcategories), in the book's order.
SECTIONS = {
    "ch1": {
        INTRODUCTION: ["digits", "mnist_100_digits"],
        "Perceptrons": ["analytic"],
        "Sigmoid neurons": ["sigmoid_graph", "step_graph"],
        "A simple network to classify handwritten digits": [
            "digits_separate", "mnist_first_digit", "mnist_top_left_feature", "mnist_other_features",
            "mnist_complete_zero", "bitwise"],
        "Learning with gradient descent": ["valley", "valley_with_ball"],
        "Implementing our network to classify digits": [
            "networks", "baselines", "mnist_2_and_1", "mnist_really_bad_images", "accuracy_*"],
    },
    "ch2": {"In what sense is backpropagation a fast algorithm?": ["backprop_cost"]},
    "ch3": {
        "The cross-entropy cost function": ["saturation*", "demos"],
        "Overfitting and regularization": [
            "overfitting*", "regularized*", "simple_model", "polynomial_fit", "linear_fit", "l1",
            "more_data*"],
        "Weight initialization": ["wide_gaussian", "narrow_gaussian", "weight_initialization_*"],
        "How to choose a neural network's hyper-parameters?": [
            "multiple_eta", "early_stopping", "halve_eta"],
        "Other techniques": ["valley_sgd", "valley_momentum", "momentum", "tanh", "relu"],
        WHOLE_CHAPTER: ["results"],
    },
    "ch4": {
        INTRODUCTION: ["function"],
        "Universality with one input and one output": [
            "basic_manipulation", "create_step_function", "high_weight_function", "step",
            "step_parameterization", "two_hn_network", "bump_function", "bump_fn", "double_bump",
            "five_bumps", "inverted_function", "design_function"],
        "Many input variables": [
            "ti_graph", "step_3d", "ti_graph_redux", "y_step", "bump_3d", "bump_3d_y", "xy_bump",
            "tower", "many_towers", "tower_construction", "tower_construction_movie",
            "the_two_towers"],
        "Extension beyond sigmoid neurons": ["sigmoid", "sigmoid_like", "ramping"],
        "Fixing up the step functions": ["failure", "series_of_bumps", "half_bumps", "shifted_bumps"],
        WHOLE_CHAPTER: ["numbers", "learning"],
    },
    "ch5": {
        "The vanishing gradient problem": [
            "initial_gradient", "training_speed_*", "depth", "gradients"],
        "What's causing the vanishing gradient problem? Unstable gradients in deep neural nets": [
            "sigmoid_prime", "exploding_gradient", "interval_width", "analytic"],
        "Other obstacles to deep learning": ["cures"],
    },
    "ch6": {
        INTRODUCTION: ["digits"],
        "Introducing convolutional networks": [
            "net_full_layer_0", "net_full_layer_1", "toy_conv", "arithmetic"],
        "Convolutional neural networks in practice": [
            "simple_conv", "tanh", "results", "claims", "ensemble", "ensemble_errors", "lambda_sweep", "sweeps"],
    },
    "ch7": {
        "Optimisers and learning-rate schedules": ["optimizers", "lr_grid"],
        "Unstable gradients revisited: initialisation, activations, normalisation": ["gradients*"],
        "Chapter 6's final network with today's recipe": ["modern"],
        "Fashion-MNIST": ["fashion"],
    },
}

CAPTION_DIR = "results/report/captions"  # workflow/report/caption.rst reads the captions there
FIGURE_RE = re.compile(r"\b(?:[Ff]igure|fig)\s?(\d)\.0?(\d+)")


# ---- which file is what ------------------------------------------------------------------------

def result_kind(path) -> tuple[str, str]:
    """``(kind, id)`` of a report file: ``("figure", "ch3.more_data")``, ``("table", "ch1.baselines")``,
    ``("check", "check")``, ``("benchmarks", "jobs")``; ValueError for any other path."""
    parts = Path(path).as_posix().split("/")
    if len(parts) == 4 and parts[0] == "results" and parts[1] in CHAPTERS:
        name = parts[3].rsplit(".", 1)[0]
        if parts[2] == "figures":
            return "figure", f"{parts[1]}.{name}"
        if parts[2] == "tables" and parts[3].endswith(".md"):
            return "table", f"{parts[1]}.{name}"
    if parts[:2] == ["results", "check"] and parts[-1] == "report.md":
        return "check", "check"
    if len(parts) == 3 and parts[:2] == ["results", "benchmarks"] and parts[2].endswith(".md"):
        return "benchmarks", parts[2][:-3]
    raise ValueError(f"{path}: not a figure or table of the book")


def chapter(path) -> str | None:
    kind, rid = result_kind(path)
    return rid.split(".", 1)[0] if kind in ("figure", "table") else None


def category(path) -> str:
    """The report category: ``Chapter 3. Improving the way neural networks learn``."""
    ch = chapter(path)
    return f"Chapter {ch[2:]}. {CHAPTERS[ch]}" if ch else BOOK


def section(path) -> str:
    """The book's section the file belongs to (the report's subcategory)."""
    kind, rid = result_kind(path)
    if kind == "check":
        return CHECK_SECTION
    if kind == "benchmarks":
        return TIMES_SECTION
    ch, name = rid.split(".", 1)
    for title, names in SECTIONS[ch].items():
        if any(n == name or (n.endswith("*") and name.startswith(n[:-1])) for n in names):
            return title
    raise KeyError(f"{rid}: no section in nnsci.report.SECTIONS")


def describe(path) -> str:
    """What the file shows, from the registry that builds it."""
    kind, rid = result_kind(path)
    if kind == "figure":
        from .figures import FIGURES
        return FIGURES.describe(rid)
    if kind == "table":
        from .tables import TABLES
        return TABLES.describe(rid)
    if kind == "check":
        return ("The check: every number the book prints that we compute, and every number stored as "
                "this scale's reference, beside ours (config/reference; nnsci check).")
    return {"jobs": "Wall time and peak memory of every training and SVM job (their Snakemake "
                    "benchmark files; nnsci benchmarks).",
            }.get(rid, "Run times of the jobs.")


def book_figure(path) -> str:
    """``"Figure 3.8"`` where the file is a figure of the book (from its description), else ``""``."""
    kind, _ = result_kind(path)
    m = FIGURE_RE.match(describe(path)) if kind == "figure" else None
    return f"Figure {m.group(1)}.{m.group(2)}" if m else ""


def labels(path) -> dict:
    """The report's columns for the file: what it is and the book's figure."""
    kind, rid = result_kind(path)
    return {"id": rid, "kind": kind, "book figure": book_figure(path) or "-"}


# ---- the captions ------------------------------------------------------------------------------

def _h(text) -> str:
    """Text as HTML that Jinja leaves alone (no braces) and any file encoding reads (ASCII)."""
    s = html.escape(str(text)).replace("{", "&#123;").replace("}", "&#125;").replace("\\", "&#92;")
    s = s.replace("\r", "").replace("\n", "&#10;")  # one line: the caption file is line-based
    return s.encode("ascii", "xmlcharrefreplace").decode("ascii")


def _paragraphs(text) -> str:
    return "".join(f"<p>{_h(' '.join(p.split()))}</p>" for p in re.split(r"\n\s*\n", text.strip()) if p)


TABLE = "class='nnsci'"
# The tables' look (the report's own style sheet resets tables), once per caption.
STYLE = ("<style>table.nnsci{border-collapse:collapse;font-size:0.85em;margin:0.5em 0}"
         "table.nnsci td,table.nnsci th{border:1px solid #bbb;padding:1px 6px;text-align:left;"
         "vertical-align:top}</style>")
MAX_ROWS = 1000


def html_table(columns, rows) -> str:
    head = "".join(f"<th>{_h(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_h(v)}</td>" for v in row) + "</tr>"
                   for row in rows[:MAX_ROWS])
    more = (f"<p>(the first {MAX_ROWS} of {len(rows)} rows; the file holds them all)</p>"
            if len(rows) > MAX_ROWS else "")
    return f"<table {TABLE}><tr>{head}</tr>{body}</table>{more}"


def read_csv(path) -> tuple[list, list]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return (rows[0], rows[1:]) if rows else ([], [])


def table_body(md_path) -> str:
    """The table (from its .csv) and the notes under it (from its .md), for the caption."""
    md_path = Path(md_path)
    columns, rows = read_csv(md_path.with_suffix(".csv"))
    text = md_path.read_text(encoding="utf-8")
    lines = text.splitlines()
    # the notes: what follows the Markdown table
    last = max((i for i, line in enumerate(lines) if line.startswith("|")), default=-1)
    notes = "\n".join(lines[last + 1:]).strip()
    out = html_table(columns, rows)
    if notes:
        out += f"<pre style='white-space:pre-wrap;font-size:0.85em'>{_h(notes)}</pre>"
    return out


def check_rows(check_csv) -> dict:
    """``{number id: row}`` of the check report's comparisons with the book (section ``book``)."""
    if not Path(check_csv).is_file():
        return {}
    columns, rows = read_csv(check_csv)
    out = {}
    for row in rows:
        r = dict(zip(columns, row))
        if r.get("section") == "book":
            out[r["id"]] = r
    return out


BOOK_COLUMNS = ["number", "book", "ours", "tolerance", "status"]


def book_table(ids, checks, whose="") -> str:
    """The check's rows of the numbers ``ids`` (those the book prints): the book's, ours, the verdict."""
    rows = [[i, *(checks[i].get(c, "") for c in BOOK_COLUMNS[1:])] for i in ids if i in checks]
    if not rows:
        return ""
    return (f"<p><b>The book's numbers{_h(whose)} and ours</b> (from the check):</p>"
            + html_table(BOOK_COLUMNS, rows))


def table_numbers(md_path, results) -> list[str]:
    """The number ids a table computes (its metrics JSON)."""
    _, rid = result_kind(md_path)
    ch, name = rid.split(".", 1)
    metrics = Path(results) / ch / "metrics" / f"{name}.json"
    if not metrics.is_file():
        return []
    return list(json.loads(metrics.read_text(encoding="utf-8")).get("numbers", {}))


def file_caption(path, results, checks) -> str:
    """The caption (HTML) of one report file, ``results/...`` as the rules name it."""
    kind, rid = result_kind(path)
    file = Path(results) / Path(path).relative_to("results")
    fig = book_figure(path)
    head = (f"<b>{fig} of the book</b>" if fig else
            "<b>Not a figure of the book</b>" if kind == "figure" else f"<b>{_h(kind.capitalize())}</b>")
    out = STYLE + f"<p>{head} &middot; <code>{_h(rid)}</code> &middot; <code>{_h(path)}</code></p>"
    out += _paragraphs(describe(path))
    if kind == "table":
        numbers = table_numbers(path, results)
        out += book_table(numbers, checks)
        ours_only = [n for n in numbers if n not in checks]
        if ours_only:
            out += f"<p>{len(ours_only)} further numbers of ours, with no number of the book: see the table.</p>"
    if kind in ("table", "check", "benchmarks"):
        if kind == "check":
            columns, rows = read_csv(file.with_suffix(".csv"))
            status = {}
            for row in rows:
                s = dict(zip(columns, row)).get("status", "")
                status[s] = status.get(s, 0) + 1
            out += "<p>" + _h(", ".join(f"{n} {s or 'no status'}" for s, n in sorted(status.items()))) + "</p>"
        out += table_body(file)
        if kind == "benchmarks" and file.with_name("chapters.md").is_file():
            out += "<p><b>Per chapter</b> (results/benchmarks/chapters.md):</p>"
            out += table_body(file.with_name("chapters.md"))
    return out


def run_info(results) -> dict:
    """``{run: what it is and its seed (HTML)}`` of every run directory of the build."""
    info = {}
    for prov in sorted(Path(results, "runs").glob("*/provenance.json")):
        p = json.loads(prov.read_text(encoding="utf-8"))
        seed = p.get("seed") or {}
        key = seed.get("spawn_key")
        key_text = bytes(key).decode("ascii", "replace") if key and all(0 < k < 128 for k in key) else key
        bits = [f"rng {seed.get('rng', '?')}"]
        if "entropy" in seed:
            bits.append(f"seed {seed['entropy']}")
        if key:
            bits.append(f"spawn key '{key_text}'")
        spec = p.get("spec") or {}
        what = spec.get("description", "") if isinstance(spec, dict) else ""
        info[prov.parent.name] = _h(", ".join(bits) + (f"; {what}" if what else ""))
    return info


def experiment_numbers(checks) -> dict:
    """``{experiment: [number ids]}``: the book's numbers of each experiment, by the catalog entry
    that both config/experiments and config/reference/book.yaml name (or the id's prefix)."""
    from .config import load_experiments, read_yaml
    from .paths import REFERENCE_DIR

    book = read_yaml(REFERENCE_DIR / "book.yaml")
    by_catalog = {}
    for i, e in book.items():
        if isinstance(e, dict) and e.get("catalog"):
            by_catalog.setdefault(e["catalog"], []).append(i)
    out = {}
    for exp, spec in load_experiments().items():
        ids = set(by_catalog.get(spec.get("catalog"), []) if isinstance(spec, dict) else [])
        ids |= {i for i in checks if i.startswith(exp + ".")}
        ids = [i for i in sorted(ids) if i in checks]
        if ids:
            out[exp] = ids
    return out


def html_lines(text) -> list[str]:
    """HTML cut into lines after each row, paragraph and style sheet: docutils reads lines of at
    most 10,000 characters."""
    return [part for part in re.split(r"(?<=</tr>)|(?<=</p>)|(?<=</style>)", text) if part]


def report_files(results="results") -> list[str]:
    """Every figure and table of the build (and the check and run-time tables), as report paths."""
    root = Path(results)
    found = []
    for ch in CHAPTERS:
        found += sorted(f"results/{p.relative_to(root).as_posix()}"
                        for p in (root / ch / "figures").glob("*") if p.is_file() and not p.name.startswith("."))
        found += sorted(f"results/{p.relative_to(root).as_posix()}" for p in (root / ch / "tables").glob("*.md"))
    for extra in ("check/report.md", "benchmarks/jobs.md"):
        if (root / extra).is_file():
            found.append(f"results/{extra}")
    return found


def caption_path(path, out_dir=CAPTION_DIR) -> Path:
    """Where the caption (HTML) of a report file is: ``results/ch1/figures/digits.png`` ->
    ``<out_dir>/ch1/figures/digits.png.html`` (workflow/report/caption.rst reads it from there)."""
    return Path(out_dir) / (Path(path).relative_to("results").as_posix() + ".html")


def write_captions(results="results", out_dir=CAPTION_DIR, check_csv=None) -> list[Path]:
    """Write the captions of the build in ``results`` as HTML files under ``out_dir``:

    - ``<chapter>/figures/<file>.html`` (tables, check, benchmarks likewise): one per report file;
    - ``runs/<run>.html``: the seed and spec of each run;
    - ``experiments/<experiment>.html``: the book's numbers of each experiment beside ours (keyed
      as ``split_run_id`` keys a run: workflow/report/caption.rst finds them from the job's inputs).
    """
    from .config import load_experiments, load_scale
    from .experiments import run_ids, split_run_id

    checks = check_rows(check_csv or Path(results) / "check" / "report.csv")
    runs = run_info(results)
    numbers = experiment_numbers(checks)
    written = []

    def put(rel, text):
        out = Path(out_dir) / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        write_text(out, "\n".join(html_lines(text)) + "\n")
        written.append(out)

    for path in report_files(results):
        put(caption_path(path, ".").as_posix(), file_caption(path, results, checks))
    for run, info in runs.items():
        put(f"runs/{run}.html", f"<p style='margin:0'>&bull; <code>{_h(run)}</code>: {info}</p>")
    # the experiment of each run (a replica script's runs are not named after it)
    full = load_scale("full")  # a replica script's run names are the same at every scale
    owner = {rid: exp for exp in load_experiments() for rid in run_ids(exp, full)}
    for key in sorted({split_run_id(r)[0] for r in runs}):
        exp = key if key in numbers else owner.get(key, key)
        table = book_table(numbers.get(exp, []), checks, f" of {exp}")
        text = STYLE + table if table else "<!-- no number of the book -->"
        put(f"experiments/{key}.html", text)
    return written

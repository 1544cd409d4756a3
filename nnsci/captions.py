"""The captions of Snakemake's HTML report, written after the build (``nnsci report-captions``,
rule ``report_captions``) from what already knows them:

- the registries (``FIGURES.describe`` / ``TABLES.describe``): which figure of the book, what it shows;
- a table's metrics JSON, compared with the book as the check compares it: the book's number beside
  ours and its status;
- the runs' ``provenance.json``: the seed of each run; the experiments' specs: what each run is.

Snakemake reads a caption as a Jinja template with the job in ``snakemake`` (``snakemake.input``,
``snakemake.output``), one caption file for every rule (workflow/report/caption.rst). It includes
the file's caption from here, and lists the runs behind an output from the job's own inputs
(``results/runs/<run>/...``): the rules already say which runs a figure reads, so nothing here
repeats it.

The captions are written one group at a time (a chapter, the check, the run times: nnsci.report's
CAPTION_GROUPS), each into its own directory, so that a chapter's target builds its own.
"""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

from .errors import NnsciError
from .io import write_text
from .report import CAPTION_DIR, CAPTION_GROUPS, CHAPTERS, book_figure, caption_group, describe, result_kind

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


def run_info(results, chapter) -> dict:
    """``{run: what it is and its seed (HTML)}`` of every run directory of the chapter (``ch3.*``)."""
    info = {}
    for prov in sorted(Path(results, "runs").glob(f"{chapter}.*/provenance.json")):
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


def book_checks(results, scale) -> dict:
    """``{number id: row}``: the check's comparison with the book (``nnsci check``'s rows) of the
    numbers the build's tables have computed so far, so that a chapter's captions need no
    whole-book check. (A number one chapter's table computes for another, such as chapter 1's
    ``ch3.ce100.error_rate_before``, shows in the other's captions once that table is built.)"""
    from .check import book_rows
    from .reference import read_metrics

    return {r["id"]: r for r in book_rows(scale, read_metrics(scale, results))}


def write_captions(group, results="results", out_dir=None, scale=None) -> list[Path]:
    """Write the captions of one group (a chapter, ``check`` or ``benchmarks``) of the build in
    ``results`` as HTML files under ``out_dir`` (default ``CAPTION_DIR/<group>``):

    - ``figures/<file>.html`` (tables likewise; the check's and the run times' at the top): one per
      report file of the group;
    - for a chapter, ``runs/<run>.html``: the seed and spec of each of its runs (``<chapter>.*``);
    - and ``experiments/<experiment>.html``: the book's numbers of each experiment beside ours (keyed
      as ``split_run_id`` keys a run: workflow/report/caption.rst finds them from the job's inputs).

    ``scale``: the build's (default: the config's); only its metrics are compared with the book.
    """
    from .config import load_config, load_experiments, load_scale
    from .experiments import run_ids, split_run_id

    if group not in CAPTION_GROUPS:
        raise NnsciError(f"unknown caption group {group!r}; choose one of {', '.join(CAPTION_GROUPS)}")
    out_dir = Path(out_dir or Path(CAPTION_DIR) / group)
    checks = book_checks(results, scale or load_config()["scale"]) if group in CHAPTERS else {}
    written = []

    def put(rel, text):
        out = out_dir / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        write_text(out, "\n".join(html_lines(text)) + "\n")
        written.append(out)

    for path in report_files(results):
        if caption_group(path) == group:
            put(Path(path).relative_to(f"results/{group}").as_posix() + ".html", file_caption(path, results, checks))
    if group not in CHAPTERS:
        return written
    runs = run_info(results, group)
    numbers = experiment_numbers(checks)
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

"""Tables: each a pandas DataFrame written as Markdown and CSV side by side.

A chapter module (``nnsci/experiments/chN.py``) registers a builder with
:func:`table`; the builder returns ``(DataFrame, notes, numbers)``:

- ``notes``: Markdown printed under the table (conventions, what differs from the book);
- ``numbers``: ``{number_id: value}`` for the reference check, written as JSON to
  ``--metrics`` (``results/chN/metrics/<table>.json``). A number id is the
  book's catalog id where the book printed it (``ch1.base.svm``, see
  config/reference/book.yaml), or a chapter-prefixed id of our own.

``notes`` and ``numbers`` may be None. A builder may return a fourth element, ``claims``: the
book's claims without a number, checked (nnsci.claims.claim), written beside the numbers and shown
in the check report with their verdicts; they never fail the check."""

from __future__ import annotations

from pathlib import Path

from .io import write_text
from .registry import Registry

TABLES = Registry("table", "nnsci.experiments")
table = TABLES.register       # ``@table("ch1.baselines")`` registers ``fn(inputs, scale)``
load_all = TABLES.load_all


def markdown_table(columns, rows, cell=None) -> str:
    """The one Markdown table writer: a GitHub-flavoured table of ``rows`` (sequences of values)
    under ``columns``; ``cell`` turns a value into text (default: str); a | in a cell is escaped."""
    cell = cell or str
    cols = [str(c) for c in columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(cell(v).replace("|", "\\|") for v in row) + " |")
    return "\n".join(lines) + "\n"


def to_markdown(df, float_format="{:.4g}") -> str:
    """A DataFrame as a Markdown table: floats by ``float_format``, None and NaN empty."""

    def cell(v):
        if v is None or (isinstance(v, float) and v != v):
            return ""
        if isinstance(v, float):
            return float_format.format(v)
        return str(v)

    return markdown_table(df.columns, df.itertuples(index=False), cell)


def write_table(df, md_path, title=None, notes=None):
    md_path = Path(md_path)
    text = (f"# {title}\n\n" if title else "") + to_markdown(df) + (f"\n{notes.strip()}\n" if notes else "")
    write_text(md_path, text)
    write_text(md_path.with_suffix(".csv"), df.to_csv(index=False, lineterminator="\n"))


def make_table(name, out, inputs=None, scale=None, metrics=None):
    from .config import load_config, load_scale
    from .io import write_json

    build = TABLES.lookup(name)
    scale = load_scale(scale or load_config()["scale"])
    result = build(inputs or {}, scale)
    df, notes, numbers, claims = (tuple(result) + (None,) * 3)[:4] if isinstance(result, tuple) else (
        result, None, None, None)
    write_table(df, out, title=name, notes=notes)
    if metrics:
        extra = {"claims": claims} if claims else {}
        write_json(metrics, {"table": name, "scale": scale.name, "numbers": numbers or {}, **extra})

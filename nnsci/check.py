"""The reference check: our numbers against the book's and against our stored reference metrics
(nnsci.reference reads and compares them; this module writes the report and decides).

The check **fails** (``--strict``) when a stored reference number of this scale is not matched, and
when a *computed* book number of an enforced chapter (config ``enforce_chapters``: chapters 1-5
now) is not produced. At a scale other than full, a book number that only the full scale's runs can
give (its epochs or data sizes are beyond this scale; the proof: the full scale's stored reference
has it) reads "full scale only" and does not fail."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from .cpu_target import PINNED_CPU
from .errors import NnsciError
from .io import write_text
from .reference import ACCURACY_UNITS, compare_book, compare_stored, decimals_of, load_book, load_stored, read_metrics
from .tables import markdown_table


def _fmt(v):
    if v is None:
        return ""
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return f"{v:.6g}"
    return str(v)


def _book_rows(book, ours, scale, enforced=(), full_ids=()):
    """One report row per book number. A computed number of an enforced chapter that we do not
    produce is "missing" (a failure), or "full scale only" at a smaller scale when the full scale's
    stored reference has it."""
    rows = []
    for key, entry in book.items():
        status, value, note = compare_book(entry, ours.get(key))
        chapter = entry.get("chapter", key.split(".")[0])
        if status == "not computed" and chapter in enforced:
            status = "full scale only" if scale != "full" and key in full_ids else "missing"
        tol = entry.get("tolerance")
        tol = f"±{_fmt(tol)}{' pp' if entry['unit'] in ACCURACY_UNITS else ''}" if tol is not None else (
            f"±{_fmt(entry['rel_tolerance'] * 100)}%" if entry.get("rel_tolerance") is not None else "")
        d = decimals_of(entry)
        printed = f"{entry['value']:.{d}f}" if 0 < d <= 6 else _fmt(entry["value"])
        book_value = (entry.get("relation") or "") + printed
        if entry["unit"] == "count":
            book_value += f" / {_fmt(entry['of'])}"
        rows.append({"section": "book", "id": key, "chapter": entry.get("chapter", key.split(".")[0]),
                     "unit": entry["unit"], "book": book_value,
                     "ours": _fmt(value) if value is not None else status if status in NOT_PRODUCED else "",
                     "stored": "", "tolerance": tol, "match": entry["match"], "status": status,
                     "note": "; ".join(x for x in (note, entry.get("note", "")) if x),
                     "wording": entry["book"]})
    return rows


def book_rows(scale, ours) -> list[dict]:
    """The check's rows of the book's numbers (section ``book``) for our numbers ``ours`` (as
    ``read_metrics`` gives them), against the repository's book.yaml and enforced chapters: what a
    chapter's report captions show without the whole book's check."""
    from .config import load_config

    full_ids = set(load_stored("full")) if scale != "full" else set()
    return _book_rows(load_book(), ours, scale, tuple(load_config()["enforce_chapters"]), full_ids)


def _stored_rows(stored, ours, exact=False):
    rows = []
    for key in sorted(stored):
        passed, note = compare_stored(stored[key], ours.get(key), exact)
        o = ours.get(key)
        rows.append({"section": "stored", "id": key, "chapter": Path(stored[key]["file"]).stem,
                     "unit": stored[key].get("unit", ""),
                     "book": "", "ours": _fmt(o["value"]) if o else "missing",
                     "stored": _fmt(stored[key]["value"]),
                     "tolerance": "exact" if exact and stored[key].get("exact", True)
                     else f"±{_fmt(stored[key]['tolerance'])}",
                     "match": "", "status": "pass" if passed else "fail", "note": note,
                     "wording": Path(stored[key]["file"]).name})
    return rows


def _md_table(rows, cols):
    return markdown_table(cols, ([r[c] for c in cols] for r in rows), cell=str)


NOT_PRODUCED = ("not computed", "missing", "full scale only")


def _count(rows, status):
    return sum(r["status"] == status for r in rows)


def summary_line(scale, stored_rows, book_rows, unstored) -> str:
    fails = _count(stored_rows, "fail")
    verdict = "PASS" if fails == 0 and _count(book_rows, "missing") == 0 else "FAIL"
    if stored_rows:
        ref = f"{len(stored_rows) - fails}/{len(stored_rows)} stored reference numbers match"
    else:
        ref = f"no stored reference numbers for scale {scale}"
    statuses = ("exact", "within tolerance", "bound holds", "differs", "bound fails", "not computed",
                "full scale only", "missing")
    book = ", ".join(f"{_count(book_rows, s)} {s}" for s in statuses if _count(book_rows, s))
    info = "" if scale == "full" else " (informational at this scale)"
    extra = f"; {unstored} of our numbers not stored yet" if unstored else ""
    return f"**{verdict}** (scale {scale}): {ref}{extra}. Book: {book}{info}."


def render_markdown(scale, stored_rows, book_rows, unstored_ids, mode=""):
    parts = [f"# Reference check, scale {scale}\n",
             summary_line(scale, stored_rows, book_rows, len(unstored_ids)) + "\n"]
    if mode:
        parts.append(mode + "\n")
    failed = [r for r in stored_rows if r["status"] == "fail"]
    missing = [r for r in book_rows if r["status"] == "missing"]
    if missing:
        parts.append("## Missing book numbers (computed numbers of an enforced chapter we do not produce)\n\n"
                     + _md_table(missing, ["id", "book", "wording"]))
    parts.append("## Stored reference metrics (config/reference/%s)\n" % scale)
    if failed:
        parts.append("Failures:\n\n" + _md_table(failed, ["id", "ours", "stored", "tolerance", "note"]))
    if stored_rows:
        parts.append("All:\n\n" + _md_table(stored_rows, ["id", "ours", "stored", "tolerance", "status", "note"]))
    else:
        parts.append("None stored for this scale.\n")
    if unstored_ids:
        parts.append("Numbers we computed that are not stored (run `nnsci reference --scale %s --store`, "
                     "review, commit): %s\n" % (scale, ", ".join(f"`{k}`" for k in unstored_ids)))
    parts.append("## The book's printed numbers (config/reference/book.yaml)\n")
    if scale != "full":
        parts.append(f"At scale {scale} our runs use fewer epochs and images than the book: "
                     "this comparison is informational.\n")
    parts.append("Accuracies compare as percentages (a count over its denominator); tolerances of "
                 "accuracies are in percentage points (pp).\n")
    chapters = {}
    for r in book_rows:
        chapters.setdefault(r["chapter"], []).append(r)
    for ch, rows in chapters.items():
        parts.append(f"### {ch}\n\n" + _md_table(rows, ["id", "book", "ours", "unit", "match", "tolerance",
                                                           "status", "wording", "note"]))
    return "\n".join(parts)


def read_claims(scale, results="results") -> list:
    """The book's claims checked at ``scale``: the ``claims`` of every results/*/metrics/*.json."""
    out = []
    for f in sorted(Path(results).glob("*/metrics/*.json")):
        data = json.loads(f.read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("scale") == scale:
            out += data.get("claims") or []
    return out


def render_claims(claims) -> str:
    """The report's section of the book's claims without a number: never a failure."""
    if not claims:
        return ""
    return ("## The book's claims, checked (informational: a verdict never fails the check)\n\n"
            + _md_table(claims, ["id", "book", "statistic", "ours", "test", "verdict"]))


def render_csv(rows) -> str:
    cols = ["section", "id", "chapter", "unit", "book", "ours", "stored", "tolerance", "match", "status", "note",
            "wording"]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def check(scale, out, results="results", inputs=None, book=None, reference_dir=None, exact=None,
          enforce=None) -> bool:
    """Write the report (``out``, Markdown, and a CSV beside it); True when every stored number
    matches and every computed book number of an enforced chapter is produced.

    ``enforce``: the chapters whose computed book numbers must be produced (default: the config's
    ``enforce_chapters``).

    ``exact``: compare stored numbers exactly (True), within their tolerances (False), or
    decide from the compile target of this process and of the runs (None, see
    :func:`comparison_mode`).

    ``inputs`` may name ``book`` (a book.yaml) and ``reference`` (a reference
    directory holding <scale>/chN.yaml) in place of the repository's own."""
    from .config import SCALES, load_config

    inputs = inputs or {}
    cfg = load_config()
    scale = scale or cfg["scale"]
    enforce = tuple(cfg["enforce_chapters"] if enforce is None else enforce)
    if scale not in SCALES:
        raise NnsciError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    book = load_book(inputs.get("book", book))
    stored = load_stored(scale, inputs.get("reference", reference_dir))
    ours = read_metrics(scale, results)
    auto, mode = comparison_mode(results)
    if exact is None:
        exact = auto
    elif exact != auto:
        mode = "Stored numbers compare " + ("exactly (as asked)." if exact else "within their tolerances (as asked).")
    ref_dir = inputs.get("reference", reference_dir)
    full_ids = set(load_stored("full", ref_dir)) if scale != "full" else set()
    book_rows = _book_rows(book, ours, scale, enforce, full_ids)
    stored_rows = _stored_rows(stored, ours, exact)
    unstored = sorted(set(ours) - set(stored))
    out = Path(out)
    write_text(out.with_suffix(".csv"), render_csv(stored_rows + book_rows))
    claims = render_claims(read_claims(scale, results))
    write_text(out, render_markdown(scale, stored_rows, book_rows, unstored, mode) + ("\n" + claims if claims else ""))
    print(summary_line(scale, stored_rows, book_rows, len(unstored)).replace("**", ""))
    print(mode)
    for r in stored_rows:
        if r["status"] == "fail":
            print(f"  fail {r['id']}: ours {r['ours']}, stored {r['stored']} {r['tolerance']}: {r['note']}")
    missing = [r["id"] for r in book_rows if r["status"] == "missing"]
    if missing:
        print(f"  missing book numbers of {', '.join(enforce)}: {', '.join(missing)}")
    return all(r["status"] == "pass" for r in stored_rows) and not missing


def comparison_mode(results="results") -> tuple[bool, str]:
    """(exact?, a sentence for the report): exact when this process and every trained run
    under ``results/runs`` were compiled for the pinned target."""
    from .cpu_target import is_pinned

    if not is_pinned():
        return False, (f"Stored numbers compare within their tolerances: this machine does not run the pinned "
                       f"{PINNED_CPU} build, so its results are not bit-identical to the stored ones.")
    others = []
    for prov in sorted(Path(results).glob("runs/*/provenance.json")):
        target = json.loads(prov.read_text()).get("compile_target") or {}
        if not target.get("pinned"):
            others.append(prov.parent.name)
    if others:
        return False, (f"Stored numbers compare within their tolerances: {len(others)} run(s) were not trained "
                       f"with the pinned {PINNED_CPU} build (e.g. {others[0]}).")
    return True, (f"Stored numbers compare exactly: every run was trained with the pinned {PINNED_CPU} build, "
                  "which gives the same bytes on every x86-64-v3 machine (entries marked `exact: false` use "
                  "their tolerance).")

"""Compare our numbers with the book's printed numbers and with our stored reference metrics.

Three inputs meet here:

- our numbers: every ``results/*/metrics/*.json`` a table rule wrote,
  ``{"table", "scale", "numbers": {id: value}}``. A value is a bare number in
  the unit the book uses for that id (config/reference/book.yaml), or a mapping
  ``{"value": v, "unit": u, "of": n}`` when it is not: a count over another
  denominator (``{"value": 871, "of": 1000}`` at the ci scale), or a percent
  where the book printed a count;
- the book: config/reference/book.yaml, every printed number with its unit,
  the fidelity we expect (exact, noise, analytic, none) and a tolerance;
- the stored reference: config/reference/<scale>/chN.yaml, ``{id: {value,
  tolerance}}``, our own numbers at that scale, reviewed once and committed
  (``nnsci reference --scale ci --store`` writes them).

The check passes when every stored reference number is matched by our number
of the same id: exactly (the same value) when our runs were compiled for the
pinned x86-64-v3 target (nnsci.cpu_target), where the same seed gives the same
bytes on every machine; within its tolerance when they were not (an older
x86-64 or an ARM machine, or ``NNSCI_CPU_TARGET=host``), or when the entry says
``exact: false``. The comparison with the book is
reported, never failed: at a scale other than full the book ran other epochs
and data, so it is only informational there."""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

import yaml

from . import paths
from .config import read_yaml, validate_entries
from .cpu_target import PINNED_CPU
from .errors import NnsciError
from .io import write_text

# Units that are accuracies: they are compared as percentages, a count as 100*value/of.
ACCURACY_UNITS = ("count", "percent", "fraction")

# Default tolerances of stored reference metrics, by unit (see config/reference/README.md).
# Compiled code differs in the last bits between CPU models, and a few epochs of training
# turn that into a few images at the ci scale, so counts and accuracies get a few images
# (0.3 points of a 1,000-image set), epoch indices a few epochs (an argmax over a plateau
# may move), trained costs and norms 1e-4 relative, and everything else (deterministic
# maths) 1e-6 relative.
DEFAULT_ABS_TOLERANCE = {"count": 3, "percent": 0.3, "fraction": 0.003, "epochs": 3}
DEFAULT_REL_TOLERANCE = {"cost": 1e-4, "norm": 1e-4, "ratio": 1e-4}
DEFAULT_REL = 1e-6


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------

def _read_entries(path, schema_file) -> dict:
    """A YAML file of ``{id: entry}`` (read and checked once per process, duplicate ids refused),
    each entry checked with a JSON schema; a one-line NnsciError naming the file otherwise.
    The entries are shared: callers read them."""
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise NnsciError(f"{path}: file not found") from None
    return dict(_checked_entries(str(path), schema_file, st.st_mtime_ns, st.st_ctime_ns, st.st_size))


@functools.lru_cache(maxsize=64)
def _checked_entries(path, schema_file, *stamp):
    return validate_entries(read_yaml(path), schema_file, Path(path), "entries")


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def load_book(path=None) -> dict:
    """config/reference/book.yaml, checked with workflow/schemas/book.schema.yaml."""
    return _read_entries(Path(path or paths.REFERENCE_DIR / "book.yaml"), "book.schema.yaml")


def load_stored(scale, reference_dir=None) -> dict:
    """Our stored reference metrics at ``scale``: ``{id: {value, tolerance, ..., file}}``."""
    root = Path(reference_dir or paths.REFERENCE_DIR) / scale
    out = {}
    for f in sorted(root.glob("*.yaml")):
        for key, e in _read_entries(f, "stored.schema.yaml").items():
            if key in out:
                raise NnsciError(f"{f}: id {key!r} is also stored in {out[key]['file']}")
            out[key] = dict(e, file=str(f))
    return out


def _as_number(raw, where):
    """Our value as ``{"value", "unit", "of"}`` (unit and of None when not given)."""
    if isinstance(raw, dict):
        value, unit, of = raw.get("value"), raw.get("unit"), raw.get("of")
    else:
        value, unit, of = raw, None, None
    if value is not None and not _is_number(value):
        raise NnsciError(f"{where}: value {raw!r} is not a number")
    if unit is None and of is not None:
        unit = "count"
    return {"value": value, "unit": unit, "of": of}


def read_metrics(scale, results="results") -> dict:
    """Our numbers at ``scale`` from every results/*/metrics/*.json: ``{id: number}``.

    Files of another scale are ignored. An id two files give different values
    is an error (one number, one value)."""
    out = {}
    for f in sorted(Path(results).glob("*/metrics/*.json")):
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise NnsciError(f"{f}: not a readable JSON file ({e})") from None
        if not isinstance(data, dict) or not isinstance(data.get("numbers", {}), dict):
            raise NnsciError(f"{f}: expected {{\"table\", \"scale\", \"numbers\": {{id: value}}}}")
        if data.get("scale") != scale:
            continue
        for key, raw in (data.get("numbers") or {}).items():
            number = dict(_as_number(raw, f"{f}: number {key!r}"), file=str(f))
            if key in out and (out[key]["value"], out[key]["of"]) != (number["value"], number["of"]):
                raise NnsciError(f"{f}: number {key!r} = {number['value']!r} but {out[key]['file']} "
                                 f"gives {out[key]['value']!r}")
            out[key] = number
    return out


# --------------------------------------------------------------------------------------
# Comparing
# --------------------------------------------------------------------------------------

def decimals_of(entry) -> int:
    """How many decimals the book printed: ``decimals`` if given, else from the value."""
    if "decimals" in entry:
        return int(entry["decimals"])
    v = entry["value"]
    if isinstance(v, int) or float(v).is_integer():
        return 0
    text = repr(float(v))
    if "e" in text:
        mantissa, exp = text.split("e")
        frac = len(mantissa.split(".")[1]) if "." in mantissa else 0
        return max(0, frac - int(exp))
    return len(text.split(".")[1])


def as_percent(value, unit, of=None):
    """An accuracy in percent: a count over ``of``, a fraction or a percent."""
    if unit == "count":
        return 100.0 * value / of
    if unit == "fraction":
        return 100.0 * value
    return float(value)


def in_book_units(ours, entry):
    """Our number converted to the book's unit, or None when it cannot be (say why in the note).

    Returns ``(value, note)``. Accuracies convert among count, percent and fraction;
    a count of ours over another denominator becomes the book's count scaled to the
    book's denominator, so 871/1000 reads as 8710 of 10000."""
    unit = ours["unit"] or ("count" if ours["of"] is not None else entry["unit"])
    of = ours["of"] if ours["of"] is not None else entry.get("of")
    if unit == entry["unit"] and (unit != "count" or of == entry["of"]):
        bare = unit == "count" and ours["of"] is None
        return ours["value"], (f"a bare count, read as of {entry['of']:g}" if bare else "")
    if unit in ACCURACY_UNITS and entry["unit"] in ACCURACY_UNITS:
        if unit == "count" and of is None:
            return None, "count without a denominator"
        pct = as_percent(ours["value"], unit, of)
        note = f"{ours['value']:g} of {of:g}" if unit == "count" else f"{ours['value']:g} {unit}"
        if entry["unit"] == "count":
            return pct * entry["of"] / 100.0, note
        if entry["unit"] == "fraction":
            return pct / 100.0, note
        return pct, note
    return None, f"unit {unit} cannot be compared with {entry['unit']}"


def _within(diff, entry, book_value):
    """Is ``diff`` (ours − book, in the book's unit) inside the entry's tolerance?"""
    if entry["unit"] in ACCURACY_UNITS and "tolerance" in entry:
        # tolerances of accuracies are in percentage points
        scale = 100.0 / entry["of"] if entry["unit"] == "count" else (100.0 if entry["unit"] == "fraction" else 1.0)
        if abs(diff) * scale <= entry["tolerance"] + 1e-12:
            return True
    elif "tolerance" in entry and abs(diff) <= entry["tolerance"] + 1e-12:
        return True
    rel = entry.get("rel_tolerance")
    return rel is not None and abs(diff) <= rel * abs(book_value) + 1e-300


def compare_book(entry, ours):
    """One printed number against ours: ``(status, ours_in_book_unit, note)``.

    status: "exact" (equal to the printed decimals), "within tolerance", "differs",
    "bound holds" / "bound fails" (a printed < or > bound), "not computed", "quoted"
    (literature, not regenerated) or "not comparable"."""
    if ours is None or ours["value"] is None:
        return ("quoted" if entry["kind"] == "quoted" else "not computed"), None, ""
    value, note = in_book_units(ours, entry)
    if value is None:
        return "not comparable", None, note
    if entry["match"] == "none":
        return "quoted", value, note
    book = entry["value"]
    relation = entry.get("relation")
    if relation:
        holds = value < book if relation == "<" else value > book
        return ("bound holds" if holds else "bound fails"), value, note
    if round(value, decimals_of(entry)) == round(book, decimals_of(entry)):
        return "exact", value, note
    if entry["match"] == "noise" and _within(value - book, entry, book):
        return "within tolerance", value, note
    return "differs", value, note


def default_tolerance(value, unit=None) -> float:
    """The tolerance a newly stored reference number gets, by unit (see the module constants)."""
    if unit in DEFAULT_ABS_TOLERANCE:
        return DEFAULT_ABS_TOLERANCE[unit]
    rel = DEFAULT_REL_TOLERANCE.get(unit, DEFAULT_REL)
    if value is None or value == 0 or not math.isfinite(value):
        return rel
    return float(f"{abs(value) * rel:.3g}")


def compare_stored(stored, ours, exact=False):
    """One stored reference number against ours: ``(passed, note)``.

    ``exact``: our results come from the pinned compile target, so a deterministic
    number (every stored entry unless it says ``exact: false``) must equal the stored one."""
    if ours is None or ours["value"] is None:
        return False, "missing result"
    if stored.get("of") is not None and ours["of"] is not None and stored["of"] != ours["of"]:
        return False, f"denominator {ours['of']} differs from the stored {stored['of']}"
    value = ours["value"]
    if not math.isfinite(value):
        return False, f"ours is {value}"
    diff = value - stored["value"]
    if exact and stored.get("exact", True):
        if diff == 0:
            return True, ""
        return False, f"off by {diff:.3g}: the pinned {PINNED_CPU} build must give the stored value exactly"
    if abs(diff) <= stored["tolerance"]:
        return True, "" if diff == 0 else f"off by {diff:.3g}"
    return False, f"off by {diff:.3g} (tolerance {stored['tolerance']:g})"


# --------------------------------------------------------------------------------------
# Storing our numbers as the reference of a scale
# --------------------------------------------------------------------------------------

def _chapter_of(key, file):
    """The stored file an id belongs in: its chN./app. prefix, else the results folder it came from."""
    prefix = key.split(".")[0]
    if prefix.startswith("ch") and prefix[2:].isdigit() or prefix == "app":
        return prefix
    return Path(file).parent.parent.name


def _dump_stored(entries: dict, scale) -> str:
    head = (f"# Our stored reference numbers at scale {scale}: written by `nnsci reference --scale {scale} "
            "--store`,\n# reviewed and committed. `nnsci check` fails when a number of ours is further than "
            "`tolerance`\n# from `value`. Edit a tolerance by hand and say why in a `note` field; --store keeps "
            "both.\n# See config/reference/README.md.\n")
    body = yaml.safe_dump({k: entries[k] for k in sorted(entries)}, default_flow_style=None,
                          sort_keys=False, allow_unicode=True, width=200)
    return head + body


def store(scale, results="results", reference_dir=None, book=None, prune=False, write=True) -> dict:
    """Write config/reference/<scale>/chN.yaml from our current numbers; return ``{file: summary}``.

    An id already stored keeps its tolerance and any other field a reviewer
    added (``note``); a new id gets
    the default tolerance of its unit (ours, else the book's for that id). Ids
    stored but absent from the results are kept unless ``prune``."""
    root = Path(reference_dir or paths.REFERENCE_DIR) / scale
    book = load_book(book) if not isinstance(book, dict) else book
    ours = read_metrics(scale, results)
    if not ours:
        raise NnsciError(f"{results}: no metrics of scale {scale} under {results}/*/metrics/*.json")
    existing = {}
    for f in sorted(root.glob("*.yaml")):
        existing[f.stem] = _read_entries(f, "stored.schema.yaml")
    grouped = {}
    for key, number in ours.items():
        grouped.setdefault(_chapter_of(key, number["file"]), {})[key] = number
    report = {}
    for chapter, numbers in sorted(grouped.items()):
        old = existing.get(chapter, {})
        entries = {}
        for key, number in numbers.items():
            unit = number["unit"] or (book[key]["unit"] if key in book else old.get(key, {}).get("unit"))
            if unit is None:
                unit = "count" if isinstance(number["value"], int) else None
            e = {"value": number["value"]}
            if number["of"] is not None:
                e["of"] = number["of"]
            e["tolerance"] = old.get(key, {}).get("tolerance", default_tolerance(number["value"], unit))
            if unit:
                e["unit"] = unit
            # a reviewer's remarks (note: why this tolerance) survive a re-store
            e.update({k: v for k, v in old.get(key, {}).items() if k not in ("value", "of", "unit", "tolerance")})
            entries[key] = e
        gone = sorted(set(old) - set(entries))
        if not prune:
            for key in gone:
                entries[key] = old[key]
        changed = sorted(k for k in entries if k in old and old[k].get("value") != entries[k]["value"])
        added = sorted(set(entries) - set(old))
        path = root / f"{chapter}.yaml"
        if write:
            write_text(path, _dump_stored(entries, scale))
        report[str(path)] = {"numbers": len(entries), "added": added, "changed": changed,
                             ("removed" if prune else "kept_absent"): gone}
    return report

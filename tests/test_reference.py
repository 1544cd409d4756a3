"""The reference check: book.yaml, stored reference metrics, the report and the store verb.

Expected values come from the book's printed numbers (book.yaml spot checks) or are written out by
hand for synthetic metrics; nothing is taken from the code under test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from nnsci import check as C
from nnsci import reference as R
from nnsci.cli import main
from nnsci.errors import NnsciError

BOOK = R.load_book()


def write_metrics(results, chapter, table, scale, numbers):
    path = Path(results) / chapter / "metrics" / f"{table}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"table": f"{chapter}.{table}", "scale": scale, "numbers": numbers}))
    return path


def write_stored(refdir, scale, chapter, entries):
    path = Path(refdir) / scale / f"{chapter}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(entries))
    return path


@pytest.fixture
def tree(tmp_path):
    """A results dir, a reference dir and a small book, all in tmp_path."""
    book = {
        "t.count": {"value": 9435, "unit": "count", "of": 10000, "kind": "computed", "match": "exact",
                    "catalog": "t", "book": "9435 of 10000"},
        "t.pct": {"value": 82.27, "unit": "percent", "kind": "computed", "match": "exact",
                  "catalog": "t", "book": "82.27"},
        "t.noisy": {"value": 95.42, "unit": "percent", "kind": "computed", "match": "noise",
                    "tolerance": 0.5, "catalog": "t", "book": "95.42"},
        "t.lit": {"value": 99.65, "unit": "percent", "kind": "quoted", "match": "none",
                  "catalog": "t", "book": "99.65"},
    }
    book_path = tmp_path / "book.yaml"
    book_path.write_text(yaml.safe_dump(book))
    return {"results": tmp_path / "results", "ref": tmp_path / "reference", "book": book_path,
            "out": tmp_path / "results" / "check" / "report.md"}


def run_check(tree, scale="ci", exact=False):
    """The check as on a machine without the pinned build (tolerances), unless ``exact``."""
    return C.check(scale, tree["out"], results=tree["results"],
                   inputs={"book": str(tree["book"]), "reference": str(tree["ref"])}, exact=exact)


def csv_rows(tree):
    import csv

    with open(tree["out"].with_suffix(".csv"), encoding="utf-8") as f:
        return {(r["section"], r["id"]): r for r in csv.DictReader(f)}


# ---- book.yaml -------------------------------------------------------------------------------

def test_book_loads_with_required_fields():
    assert len(BOOK) > 300
    for key, e in BOOK.items():
        for field in ("value", "unit", "kind", "match", "catalog", "book"):
            assert field in e, (key, field)
        assert e["kind"] in ("computed", "quoted")
        assert e["match"] in ("exact", "noise", "analytic", "none")
        if e["unit"] == "count":
            assert e["of"] > 0, key
        if e["match"] == "noise":
            assert "tolerance" in e or "rel_tolerance" in e, key


def test_book_spot_values_equal_the_catalog():
    assert BOOK["ch1.base.svm"]["value"] == 9435 and BOOK["ch1.base.svm"]["of"] == 10000
    assert BOOK["ch1.base.darkness"]["value"] == 2225
    assert BOOK["ch3.overfit1000.best"]["value"] == 82.27
    assert BOOK["ch3.more_data.nn.size100"]["value"] == 69.09
    assert BOOK["ch1.net30.epoch0"]["value"] == 9129
    assert BOOK["ch1.net30.best"]["value"] == 95.42
    assert BOOK["ch3.l2_1000.best"]["value"] == 87.1
    assert BOOK["ch3.more_data.svm.size50000"]["value"] == 94.48
    assert BOOK["ch5.grad0.4.layer1"]["value"] == 0.002975
    assert BOOK["ch6.ensemble.correct"]["value"] == 9967
    assert BOOK["ch6.dropout"]["value"] == 99.6
    # the seeded and deterministic numbers are exact; unseeded runs are noise
    assert BOOK["ch1.base.svm"]["match"] == "exact"
    assert BOOK["ch3.overfit1000.best"]["match"] == "exact"
    assert BOOK["ch1.net30.best"]["match"] == "noise"


def test_book_covers_every_chapter_and_the_more_data_curve():
    prefixes = {BOOK[k].get("chapter", k.split(".")[0]) for k in BOOK}
    assert {"ch1", "ch2", "ch3", "ch4", "ch5", "ch6", "app"} <= prefixes
    sizes = [100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000]
    nn = [BOOK[f"ch3.more_data.nn.size{s}"]["value"] for s in sizes]
    assert nn == [69.09, 76.37, 85.29, 88.85, 91.27, 93.24, 94.89, 95.85, 95.97]


def test_duplicate_ids_are_refused(tmp_path):
    p = tmp_path / "book.yaml"
    p.write_text("a: {value: 1, unit: number, kind: quoted, match: none, catalog: a, book: x}\n"
                 "a: {value: 2, unit: number, kind: quoted, match: none, catalog: a, book: x}\n")
    with pytest.raises(NnsciError, match="duplicate key 'a'"):
        R.load_book(p)


def test_book_entry_without_a_field_is_named(tmp_path):
    p = tmp_path / "book.yaml"
    p.write_text("a: {value: 1, unit: number, kind: quoted, match: none, catalog: a}\n")
    with pytest.raises(NnsciError, match=r"book.yaml: entry 'a': lacks book"):
        R.load_book(p)


# ---- comparing with the book -------------------------------------------------------------------

def number(value, unit=None, of=None):
    return {"value": value, "unit": unit, "of": of}


def test_book_exact_within_and_outside_tolerance():
    count = BOOK["ch1.base.svm"]
    assert R.compare_book(count, number(9435))[0] == "exact"
    assert R.compare_book(count, number(9434))[0] == "differs"
    noisy = BOOK["ch1.net30.best"]  # 95.42, +-0.5 points
    assert R.compare_book(noisy, number(95.42))[0] == "exact"
    assert R.compare_book(noisy, number(95.80))[0] == "within tolerance"
    assert R.compare_book(noisy, number(94.80))[0] == "differs"
    # printed to two decimals: 82.274 rounds to the book's 82.27
    assert R.compare_book(BOOK["ch3.overfit1000.best"], number(82.274))[0] == "exact"
    assert R.compare_book(BOOK["ch3.overfit1000.best"], None)[0] == "not computed"
    assert R.compare_book(BOOK["ch6.lit.ksh.top5"], None)[0] == "quoted"


def test_book_unit_conversion():
    # a count of ours where the book printed a percent: 8227 / 10000 = 82.27 %
    status, value, _ = R.compare_book(BOOK["ch3.overfit1000.best"], number(8227, of=10000))
    assert status == "exact" and value == pytest.approx(82.27)
    # a count over another denominator is scaled to the book's: 2225 / 10000 = 445 / 2000
    status, value, _ = R.compare_book(BOOK["ch1.base.darkness"], number(445, of=2000))
    assert status == "exact" and value == pytest.approx(2225)
    # a percent where the book printed a count, and a fraction
    assert R.compare_book(BOOK["ch1.base.svm"], number(94.35, unit="percent"))[0] == "exact"
    assert R.compare_book(BOOK["ch1.net30.best"], number(0.9542, unit="fraction"))[0] == "exact"
    # count tolerances are in percentage points: 9129 +- 1 point is 9029..9229 of 10000
    assert R.compare_book(BOOK["ch1.net30.epoch0"], number(918, of=1000))[0] == "within tolerance"
    assert R.compare_book(BOOK["ch1.net30.epoch0"], number(9000))[0] == "differs"
    # units that do not convert
    assert R.compare_book(BOOK["ch5.grad0.2.layer1"], number(3, unit="percent"))[0] == "not comparable"


def test_book_bounds_and_relative_tolerance():
    assert R.compare_book(BOOK["ch4.challenge"], number(0.372))[0] == "bound holds"
    assert R.compare_book(BOOK["ch4.challenge"], number(0.41))[0] == "bound fails"
    grad = BOOK["ch5.grad0.2.layer2"]  # 0.309218, +-50 % relative
    assert R.compare_book(grad, number(0.40))[0] == "within tolerance"
    assert R.compare_book(grad, number(0.50))[0] == "differs"


# ---- the check -------------------------------------------------------------------------------

def test_check_passes_exact_and_within_tolerance(tree):
    write_metrics(tree["results"], "ch1", "t", "ci", {"t.count": {"value": 1771, "of": 2000}, "t.f": 0.25})
    write_stored(tree["ref"], "ci", "ch1", {"t.count": {"value": 1773, "of": 2000, "tolerance": 3},
                                            "t.f": {"value": 0.25, "tolerance": 0}})
    assert run_check(tree) is True
    rows = csv_rows(tree)
    assert rows[("stored", "t.count")]["status"] == "pass"
    assert rows[("stored", "t.f")]["status"] == "pass"
    assert tree["out"].read_text().splitlines()[2].startswith("**PASS**")


def test_check_on_the_pinned_target_is_exact(tree):
    write_metrics(tree["results"], "ch1", "t", "ci", {"t.count": {"value": 1771, "of": 2000}, "t.f": 0.25,
                                                      "t.loose": 3.5})
    write_stored(tree["ref"], "ci", "ch1", {"t.count": {"value": 1773, "of": 2000, "tolerance": 3},
                                            "t.f": {"value": 0.25, "tolerance": 0},
                                            "t.loose": {"value": 3.4, "tolerance": 0.2, "exact": False}})
    assert run_check(tree, exact=True) is False
    rows = csv_rows(tree)
    assert rows[("stored", "t.count")]["status"] == "fail"
    assert "exactly" in rows[("stored", "t.count")]["note"]
    assert rows[("stored", "t.f")]["status"] == "pass"
    assert rows[("stored", "t.loose")]["status"] == "pass"      # exact: false keeps its tolerance


def test_comparison_mode_follows_the_compile_target_of_every_run(tree, monkeypatch):
    from nnsci import cpu_target

    monkeypatch.setattr(cpu_target, "is_pinned", lambda: True)
    runs = tree["results"] / "runs"
    for name, pinned in (("a.s0", True), ("b.s0", True)):
        (runs / name).mkdir(parents=True)
        (runs / name / "provenance.json").write_text(json.dumps({"compile_target": {"pinned": pinned}}))
    assert C.comparison_mode(tree["results"])[0] is True
    (runs / "b.s0" / "provenance.json").write_text(json.dumps({"compile_target": {"pinned": False}}))
    exact, why = C.comparison_mode(tree["results"])
    assert exact is False and "b.s0" in why
    monkeypatch.setattr(cpu_target, "is_pinned", lambda: False)
    (runs / "b.s0" / "provenance.json").write_text(json.dumps({"compile_target": {"pinned": True}}))
    assert C.comparison_mode(tree["results"])[0] is False


def test_check_fails_outside_tolerance(tree):
    write_metrics(tree["results"], "ch1", "t", "ci", {"t.count": 1760})
    write_stored(tree["ref"], "ci", "ch1", {"t.count": {"value": 1771, "tolerance": 3}})
    assert run_check(tree) is False
    assert csv_rows(tree)[("stored", "t.count")]["status"] == "fail"
    assert "**FAIL**" in tree["out"].read_text()


def test_check_fails_a_missing_result(tree):
    write_metrics(tree["results"], "ch1", "t", "ci", {"t.other": 1})
    write_stored(tree["ref"], "ci", "ch1", {"t.count": {"value": 1771, "tolerance": 3}})
    assert run_check(tree) is False
    row = csv_rows(tree)[("stored", "t.count")]
    assert row["status"] == "fail" and row["note"] == "missing result"


def test_check_ignores_metrics_of_another_scale(tree):
    write_metrics(tree["results"], "ch1", "t", "full", {"t.count": 9435})
    write_metrics(tree["results"], "ch3", "u", "ci", {"t.pct": 82.27})
    write_stored(tree["ref"], "full", "ch1", {"t.count": {"value": 1, "tolerance": 0}})  # other scale: unused
    assert run_check(tree) is True
    rows = csv_rows(tree)
    assert rows[("book", "t.count")]["status"] == "not computed"
    assert rows[("book", "t.pct")]["status"] == "exact"
    assert rows[("book", "t.lit")]["status"] == "quoted"
    assert "informational" in tree["out"].read_text()


def test_check_book_comparison_never_fails(tree):
    write_metrics(tree["results"], "ch1", "t", "full", {"t.count": 5000, "t.noisy": 90.0})
    assert run_check(tree, scale="full") is True
    rows = csv_rows(tree)
    assert rows[("book", "t.count")]["status"] == "differs"
    assert rows[("book", "t.noisy")]["status"] == "differs"


def test_report_is_written_atomically(tree, monkeypatch):
    write_metrics(tree["results"], "ch1", "t", "ci", {"t.count": 1771})
    assert run_check(tree) is True
    before = tree["out"].read_text()

    def broken(*args, **kwargs):
        raise RuntimeError("killed while rendering")

    monkeypatch.setattr(C, "render_markdown", broken)
    write_metrics(tree["results"], "ch1", "t", "ci", {"t.count": 1})
    with pytest.raises(RuntimeError):
        run_check(tree)
    assert tree["out"].read_text() == before
    assert sorted(p.name for p in tree["out"].parent.iterdir()) == ["report.csv", "report.md"]


def test_malformed_reference_yaml_names_the_file(tree):
    write_metrics(tree["results"], "ch1", "t", "ci", {"t.count": 1771})
    bad = tree["ref"] / "ci" / "ch1.yaml"
    bad.parent.mkdir(parents=True)
    bad.write_text("t.count: {value: 1771, tolerance: [3\n")
    with pytest.raises(NnsciError) as e:
        run_check(tree)
    assert str(bad) in str(e.value) and "\n" not in str(e.value)
    bad.write_text("t.count: {value: 1771}\n")
    with pytest.raises(NnsciError, match="ch1.yaml: entry 't.count': lacks tolerance"):
        run_check(tree)


def test_conflicting_values_of_one_id_are_an_error(tree):
    write_metrics(tree["results"], "ch1", "a", "ci", {"t.count": 1})
    write_metrics(tree["results"], "ch3", "b", "ci", {"t.count": 2})
    with pytest.raises(NnsciError, match="t.count"):
        run_check(tree)


def test_cli_strict_exits_1_on_failure(tree, capsys):
    write_metrics(tree["results"], "ch1", "t", "ci", {"t.count": 1760})
    write_stored(tree["ref"], "ci", "ch1", {"t.count": {"value": 1771, "tolerance": 3}})
    argv = ["check", "--scale", "ci", "--out", str(tree["out"]), "--results", str(tree["results"]),
            "--input", f"book={tree['book']}", "--input", f"reference={tree['ref']}"]
    assert main(argv) == 0
    assert main(argv + ["--strict"]) == 1
    assert "results differ from the stored reference" in capsys.readouterr().err


# ---- storing -----------------------------------------------------------------------------------

def test_store_keeps_tolerances_and_adds_defaults(tree):
    write_metrics(tree["results"], "ch1", "t", "ci", {"ch1.base.svm": {"value": 1771, "of": 2000},
                                                      "ch1.x": 0.5, "ch1.net30.best": 91.2})
    write_metrics(tree["results"], "ch3", "d", "ci", {"demo.sat1.output0": 0.8175744761936437})
    write_stored(tree["ref"], "ci", "ch1", {"ch1.base.svm": {"value": 1700, "of": 2000, "tolerance": 7,
                                                             "note": "why 7"},
                                            "ch1.retired": {"value": 1, "tolerance": 0}})
    report = R.store("ci", results=tree["results"], reference_dir=tree["ref"])
    ch1 = yaml.safe_load((tree["ref"] / "ci" / "ch1.yaml").read_text())
    assert ch1["ch1.base.svm"] == {"value": 1771, "of": 2000, "tolerance": 7, "unit": "count", "note": "why 7"}
    assert ch1["ch1.x"]["tolerance"] == pytest.approx(0.5e-6)   # 1e-6 relative
    assert ch1["ch1.net30.best"]["tolerance"] == 0.3            # percent (the book's unit): 0.3 points
    assert "ch1.retired" in ch1                                 # kept without --prune
    assert report[str(tree["ref"] / "ci" / "ch1.yaml")]["changed"] == ["ch1.base.svm"]
    ch3 = yaml.safe_load((tree["ref"] / "ci" / "ch3.yaml").read_text())
    assert ch3["demo.sat1.output0"]["value"] == 0.8175744761936437  # floats round-trip exactly
    # what was stored passes the check, except the retired id, which is missing
    assert run_check(tree) is False
    failed = [k for (s, k), r in csv_rows(tree).items() if s == "stored" and r["status"] == "fail"]
    assert failed == ["ch1.retired"]
    R.store("ci", results=tree["results"], reference_dir=tree["ref"], prune=True)
    assert run_check(tree) is True


def test_store_is_idempotent_and_keeps_reviewed_units(tree):
    write_metrics(tree["results"], "ch1", "t", "ci", {"ch1.own.best_epoch": 2, "ch1.base.svm": 1771})
    R.store("ci", results=tree["results"], reference_dir=tree["ref"])
    path = tree["ref"] / "ci" / "ch1.yaml"
    reviewed = path.read_text().replace("ch1.own.best_epoch: {value: 2, tolerance: 3, unit: count}",
                                        "ch1.own.best_epoch: {value: 2, tolerance: 5, unit: epochs}")
    assert reviewed != path.read_text()
    path.write_text(reviewed)
    R.store("ci", results=tree["results"], reference_dir=tree["ref"])
    assert path.read_text() == reviewed


def test_book_series_agree_with_book_yaml():
    """config/reference/book_series.yaml (the author's stored series) and book.yaml (the printed
    numbers) are two data files: wherever both give an epoch's value they must agree."""
    from nnsci.config import read_yaml
    from nnsci import paths

    series = read_yaml(paths.REFERENCE_DIR / "book_series.yaml")
    kinds = {"evaluation_accuracy": "test_acc", "training_accuracy": "train_acc",
             "evaluation_cost": "test_cost", "training_cost": "train_cost"}
    compared = 0
    for run, monitors in series.items():
        for kind, values in monitors.items():
            if kind not in kinds:   # not a per-epoch series (chapter 5's bars)
                continue
            pairs = values.items() if isinstance(values, dict) else enumerate(values)
            for epoch, v in pairs:
                for key in (f"{run}.{kinds[kind]}.epoch{epoch}", f"{run}.epoch{epoch}"):
                    if key in BOOK and (key.endswith(f"{kinds[kind]}.epoch{epoch}") or
                                        run.startswith(("ch3.winit", "ch3.multi_eta"))):
                        assert BOOK[key]["value"] == pytest.approx(v), key
                        compared += 1
    assert compared >= 30


def test_strict_check_requires_the_computed_book_numbers_of_enforced_chapters(tree):
    """A computed book number of an enforced chapter that we do not produce fails the check; at a
    smaller scale one that the full scale's stored reference holds reads "full scale only"; quoted
    numbers and chapters not enforced never fail."""
    book = yaml.safe_load(tree["book"].read_text())
    entry = {"unit": "number", "kind": "computed", "match": "analytic", "catalog": "x", "book": "x"}
    book.update({"ch1.made": dict(entry, value=1), "ch1.absent": dict(entry, value=2),
                 "ch1.later": dict(entry, value=3), "ch6.absent": dict(entry, value=4),
                 "ch2.lit": dict(entry, value=5, kind="quoted")})
    tree["book"].write_text(yaml.safe_dump(book))
    write_metrics(tree["results"], "ch1", "t", "ci", {"ch1.made": 1})
    write_stored(tree["ref"], "full", "ch1", {"ch1.later": {"value": 3, "tolerance": 0}})

    def check(enforce):
        return C.check("ci", tree["out"], results=tree["results"], exact=False, enforce=enforce,
                       inputs={"book": str(tree["book"]), "reference": str(tree["ref"])})

    assert check(["ch1", "ch2"]) is False
    rows = csv_rows(tree)
    assert rows[("book", "ch1.absent")]["status"] == "missing"
    assert rows[("book", "ch1.later")]["status"] == "full scale only"
    assert rows[("book", "ch6.absent")]["status"] == "not computed"
    assert rows[("book", "ch2.lit")]["status"] == "quoted"
    assert "## Missing book numbers" in tree["out"].read_text()
    assert check(["ch2"]) is True

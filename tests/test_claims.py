"""The stated rules that read a book's number from a curve, and the verdicts of the book's claims
(nnsci/claims.py), on hand-made curves; the claims' way into the check report."""

import json

import pytest

from nnsci import claims as C


def test_flat_steps_counts_the_steps_inside_the_band():
    assert C.flat_steps([0.98, 0.975, 0.96, 0.94, 0.90, 0.5], band=0.05) == 4
    assert C.flat_steps([1.0, 1.01, 0.99], band=0.05) == 3          # never leaves the band
    assert C.flat_steps([0.5, 0.6], band=0.05) == 1


def test_plateau_epoch_is_the_first_epoch_within_the_band_of_the_best():
    curve = [50, 70, 80, 85, 88, 89, 90, 89, 90]
    assert C.plateau_epoch(curve, band=1) == 5
    assert C.plateau_epoch(curve, band=0) == 6
    assert C.plateau_epoch([3, 2, 1], band=0) == 0


def test_epochs_to_reach_counts_epoch_zero_as_one():
    assert C.epochs_to_reach([10, 20, 30], 20) == 2
    assert C.epochs_to_reach([10, 20, 30], 5) == 1
    assert C.epochs_to_reach([10, 20, 30], 31) is None


def test_speedup_to_reach_the_slow_curves_best():
    slow = [10, 20, 30, 40, 50, 60]          # best 60 at its sixth epoch
    fast = [30, 60, 61, 62, 62, 62]          # reaches 60 at its second
    assert C.speedup_to_reach(slow, fast) == pytest.approx(3.0)
    assert C.speedup_to_reach(slow, [1, 2, 3]) is None
    assert C.speedup_to_reach(fast, slow) is None                 # slow never reaches 62
    assert C.speedup_to_reach([10, 20], [10, 20]) == pytest.approx(1.0)


def test_verdict_holds_fails_or_undecided():
    assert C.verdict(97.0, 96.0, ">") == C.HOLDS
    assert C.verdict(97.0, 96.0, "<") == C.FAILS
    assert C.verdict(97.0, 96.0, ">", sd_a=0.6, sd_b=0.5) == C.UNDECIDED   # within one sd each
    assert C.verdict(97.0, 96.0, ">", sd_a=0.4, sd_b=0.5) == C.HOLDS
    assert C.verdict(None, 96.0, ">") == C.UNDECIDED
    assert C.verdict(float("nan"), 96.0, "<") == C.UNDECIDED
    with pytest.raises(ValueError):
        C.verdict(1.0, 2.0, "=")


def test_similar_and_the_claim_record():
    assert C.similar(98.9, 99.2, 0.5) == C.HOLDS
    assert C.similar(98.0, 99.2, 0.5) == C.FAILS
    c = C.claim("x.y", "words", "stat", "1 vs 2", "a > b", C.FAILS)
    assert c == {"id": "x.y", "book": "words", "statistic": "stat", "ours": "1 vs 2", "test": "a > b",
                 "verdict": "fails"}
    with pytest.raises(ValueError):
        C.claim("x.y", "words", "stat", "", "", "maybe")


def test_the_report_shows_claims_of_its_scale_and_they_never_fail(tmp_path):
    from nnsci.check import read_claims, render_claims

    d = tmp_path / "ch9" / "metrics"
    d.mkdir(parents=True)
    held = C.claim("ch9.a", "a beats b", "mean", "2 vs 1", "a > b", C.HOLDS)
    failed = C.claim("ch9.b", "b beats a", "mean", "1 vs 2", "b > a", C.FAILS)
    (d / "t.json").write_text(json.dumps({"table": "t", "scale": "ci", "numbers": {}, "claims": [held, failed]}))
    (d / "u.json").write_text(json.dumps({"table": "u", "scale": "full", "numbers": {},
                                          "claims": [C.claim("ch9.c", "", "", "", "", C.HOLDS)]}))
    found = read_claims("ci", tmp_path)
    assert [c["id"] for c in found] == ["ch9.a", "ch9.b"]
    text = render_claims(found)
    assert "| ch9.b | b beats a | mean | 1 vs 2 | b > a | fails |" in text
    assert render_claims([]) == ""


def test_ch3_analytic_numbers():
    from nnsci.experiments.ch3_demos import analytic_numbers

    n = analytic_numbers()
    assert n["ch3.ce.lr_note.integral"] == pytest.approx(1 / 6, rel=1e-15)   # 1/2 - 1/3
    assert n["ch3.ce.lr_note.factor"] == pytest.approx(6.0, rel=1e-15)
    assert n["ch3.hessian.entries"] == 1e14


def test_saturation2_stays_flat_for_about_150_steps():
    """The widget's neuron (w = b = 2, eta 0.15, quadratic cost): 0.982 at the start, 0.933 after 150
    steps (the book's catalog), so it leaves the 0.05 band a little after 150."""
    from nnsci import demos
    from nnsci.experiments.ch3_demos import FLAT_BAND

    a = demos.run_neuron(demos.DEMOS["saturation2"])["a"]
    k = C.flat_steps(a, FLAT_BAND)
    assert 150 < k < 160
    assert abs(a[k - 1] - a[0]) <= 0.05 < abs(a[k] - a[0])


def test_the_training_factor_is_the_final_nets_data_times_the_relu_speedup():
    """The book: the expanded set (5 x the images) for 40 epochs against 30 epochs on the original
    images, times ReLU's speed-up: 5 * 40 / 30 = 6.67 image-epochs per unit of speed-up."""
    from nnsci.experiments.ch6_claims import data_factor

    assert data_factor() == pytest.approx(5 * 40 / 30)

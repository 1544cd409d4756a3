"""A run's seed comes from the root seed and the run's id alone (docs/determinism.md, Seeds).

The expected words below are numpy's SeedSequence(20140902, spawn_key = the UTF-8 bytes of the id),
written down once: a change of the derivation would change the bytes of every trained run."""

from __future__ import annotations

from nnsci.config import run_seed_sequence

ROOT = 20140902   # config/config.yaml's root seed
EXPECTED = {"ch1.net30.s0": [1700158382, 1587678866], "ch1.net30.s1": [3920181743, 3350862802]}


def _words(root, run_id):
    return [int(v) for v in run_seed_sequence(root, run_id).generate_state(2)]


def test_a_runs_seed_is_the_root_seed_and_its_id():
    for run_id, words in EXPECTED.items():
        assert _words(ROOT, run_id) == words


def test_other_runs_do_not_change_a_runs_seed():
    # no state is shared between derivations: asking for other runs first, in any order, changes nothing
    for other in ("ch3.l2_100.s4", "ch7.modern.s2", "ch1.net30.s1"):
        run_seed_sequence(ROOT, other).generate_state(8)
    assert _words(ROOT, "ch1.net30.s0") == EXPECTED["ch1.net30.s0"]


def test_the_root_seed_changes_every_run():
    assert _words(ROOT + 1, "ch1.net30.s0") != EXPECTED["ch1.net30.s0"]

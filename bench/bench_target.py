"""The speed cost of the pinned compile target: the x86-64-v3 build against this host's own build.

    python bench/bench_target.py [--examples 20000] [--rounds 3] [--out bench/out/target.json]

nnsci compiles every numba kernel for x86-64-v3 (nnsci.cpu_target) so that a seed gives the
same bytes on every machine; numba's default would compile for the host (AVX-512 where there
is one). Both builds are timed here in the same run: for each round, one fresh process per
build (``NNSCI_CPU_TARGET=pinned`` and ``=host``, alternating, each with its own numba cache
entries) trains one SGD epoch at mini-batch 10 on MNIST-sized random inputs for
bench_engine.py's networks, float32 (our seeds) and float64 (the replica mode), and evaluates
the net. Each figure is the best over rounds; the ratio pinned/host is the speed the pin keeps
(1.0: no cost). Nothing is asserted."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

WORKER = r"""
import json, sys, time
sys.path.insert(0, {here!r})
import numpy as np
from bench_engine import NETS, MB, ETA, data, best_of
from nnsci.cpu_target import compile_target
from nnsci.engine import Dataset, Network, Options, OurStreams, sgd, evaluate

n = {n}
out = {{"target": compile_target()["cpu_name"], "train": {{}}, "evaluate": {{}}}}
for dtype in ("float32", "float64"):
    x, y, _ = data(n, dtype)
    ds = Dataset.classification(x, y, 10, dtype)
    for name, sizes in NETS.items():
        st = OurStreams(np.random.SeedSequence(0))
        net = Network(sizes, dtype=dtype)
        net.initialize("default", st.normal)
        sgd(net, ds.subset(100), 1, MB, ETA, st)          # compile, or load from the cache
        evaluate(net, ds.subset(100))
        key = f"{{name}} {{dtype}}"
        out["train"][key] = n / best_of(lambda: sgd(net, ds, 1, MB, ETA, st, options=Options()))
        out["evaluate"][key] = n / best_of(lambda: evaluate(net, ds))
print(json.dumps(out))
"""


def run_build(target: str, n: int) -> dict:
    env = dict(os.environ, NNSCI_CPU_TARGET=target, NUMBA_NUM_THREADS="1")
    r = subprocess.run([sys.executable, "-c", WORKER.format(here=str(HERE), n=n)], env=env,
                       capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--examples", type=int, default=20000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--out", default=str(HERE / "out" / "target.json"))
    a = p.parse_args(argv)
    best = {"pinned": None, "host": None}
    for _ in range(a.rounds):
        for target in ("pinned", "host"):
            r = run_build(target, a.examples)
            if best[target] is None:
                best[target] = r
            else:
                for what in ("train", "evaluate"):
                    for k, v in r[what].items():
                        best[target][what][k] = max(best[target][what][k], v)
    pinned, host = best["pinned"], best["host"]
    print(f"pinned build: {pinned['target']}; host build: {host['target']}; "
          f"{a.examples} examples, best of {a.rounds} rounds, one thread")
    print(f"{'network':<22} {'what':<9} {'pinned ex/s':>12} {'host ex/s':>12} {'pinned/host':>11}")
    rows = []
    for what in ("train", "evaluate"):
        for k in pinned[what]:
            ratio = pinned[what][k] / host[what][k]
            rows.append({"network": k, "what": what, "pinned": pinned[what][k], "host": host[what][k],
                         "ratio": ratio})
            print(f"{k:<22} {what:<9} {pinned[what][k]:>12,.0f} {host[what][k]:>12,.0f} {ratio:>11.3f}")
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps({"pinned_target": pinned["target"], "host_target": host["target"],
                                       "examples": a.examples, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()

"""Retrain runs with this checkout's engine and compare their bytes with a reference build.

    python bench/compare_runs.py --reference /tmp/ci1/main/results --mnist resources/mnist/mnist.npz \
        --scale ci ch1.net30.s0 ch3.overfit1000 ch3.winit30 ...

For every run directory the reference has, it compares the sha256 of each array of
weights.npz and every field of metrics.json except the timings (seconds_per_epoch). An
experiment id of a replica script (ch3.winit30) trains all of its runs. Exit status 1 on any
difference."""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

TIMING = {"seconds_per_epoch"}


def arrays_sha(path):
    with np.load(path) as z:
        return {k: hashlib.sha256(z[k].tobytes()).hexdigest()[:16] + f":{z[k].dtype}{z[k].shape}" for k in z.files}


def metrics(path):
    d = json.loads(Path(path).read_text())
    return {k: v for k, v in d.items() if k not in TIMING}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--reference", required=True)
    ap.add_argument("--mnist", required=True)
    ap.add_argument("--scale", default="ci")
    ap.add_argument("--threads", default="1")
    ap.add_argument("--results", default=None)
    a = ap.parse_args(argv)
    out = Path(a.results or tempfile.mkdtemp(prefix="nnsci-compare-"))
    t0 = time.time()
    cmd = [sys.executable, "-m", "nnsci.cli", "train", *a.runs, "--input", f"mnist={a.mnist}", "--scale", a.scale,
           "--results", str(out), "--threads", a.threads]
    print(" ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    print(f"trained in {time.time() - t0:.0f}s into {out}")
    ref_runs = Path(a.reference) / "runs"
    bad = 0
    done = sorted(p.name for p in (out / "runs").iterdir())
    for run in done:
        ref = ref_runs / run
        if not ref.exists():
            print(f"{run}: not in the reference")
            bad += 1
            continue
        w_ours, w_ref = arrays_sha(out / "runs" / run / "weights.npz"), arrays_sha(ref / "weights.npz")
        m_ours, m_ref = metrics(out / "runs" / run / "metrics.json"), metrics(ref / "metrics.json")
        same_w = w_ours == w_ref
        same_m = m_ours == m_ref
        diff = [k for k in sorted(set(m_ours) | set(m_ref)) if m_ours.get(k) != m_ref.get(k)]
        print(f"{run}: weights {'identical' if same_w else 'DIFFER'} ({len(w_ours)} arrays), "
              f"metrics {'identical' if same_m else 'DIFFER in ' + ', '.join(diff)}")
        bad += not (same_w and same_m)
    print(f"{len(done) - bad} of {len(done)} runs identical")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

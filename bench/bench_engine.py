"""Training throughput of nnsci against references, side by side in one run.

    python bench/bench_engine.py [--examples 20000] [--out bench/out/engine.json]

For [784, 30, 10], [784, 100, 10] and [784, 30, 30, 30, 30, 10] at mini-batch 10
(sigmoid, cross-entropy, eta 0.5, MNIST-sized random inputs), it times one
epoch-like pass of SGD over the same examples with:

- nnsci (numba CPU backend, one thread), float32 and float64;
- a vectorised numpy reference: network2.py's update_mini_batch done as
  matrix products over the mini-batch (float64, and float32);
- PyTorch on the CPU (torch.nn.Linear + sigmoid + BCE summed, SGD), if installed.

It reports examples per second, nnsci's ratio to each reference, and the
fraction of the machine's measured float32 matrix-multiply FLOP/s that nnsci's
training FLOPs reach. Timings are the best of a few repeats; nothing is asserted."""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

NETS = {"784-30-10": [784, 30, 10], "784-100-10": [784, 100, 10], "784-30x4-10": [784, 30, 30, 30, 30, 10]}
MB, ETA = 10, 0.5


def data(n, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.integers(0, 256, size=(n, 784)) / 256.0).astype(dtype)
    y = rng.integers(0, 10, size=n)
    t = np.zeros((n, 10), dtype=dtype)
    t[np.arange(n), y] = 1
    return x, y, t


def best_of(fn, repeats=3):
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def bench_nnsci(sizes, n, dtype):
    from nnsci.engine import Dataset, Network, Options, OurStreams, sgd

    x, y, _ = data(n, dtype)
    ds = Dataset.classification(x, y, 10, dtype)
    st = OurStreams(np.random.SeedSequence(0))
    net = Network(sizes, dtype=dtype)
    net.initialize("default", st.normal)
    sgd(net, ds.subset(100), 1, MB, ETA, st)     # compile / load from cache
    return n / best_of(lambda: sgd(net, ds, 1, MB, ETA, st, options=Options()))


def bench_numpy(sizes, n, dtype):
    """network2.py's SGD with the mini-batch as a matrix (Problem 2.1), in numpy."""
    x, _, t = data(n, dtype)
    rng = np.random.default_rng(0)
    Ws = [(rng.standard_normal((b, a)) / np.sqrt(a)).astype(dtype) for a, b in zip(sizes[:-1], sizes[1:])]
    bs = [rng.standard_normal((b, 1)).astype(dtype) for b in sizes[1:]]

    def epoch():
        order = rng.permutation(n)
        for k in range(0, n, MB):
            idx = order[k:k + MB]
            a = x[idx].T
            acts, zs = [a], []
            for W, b in zip(Ws, bs):
                z = W @ a + b
                zs.append(z)
                a = 1.0 / (1.0 + np.exp(-z))
                acts.append(a)
            delta = a - t[idx].T
            m = len(idx)
            for l in range(len(Ws) - 1, -1, -1):
                nw = delta @ acts[l].T
                nb = delta.sum(axis=1, keepdims=True)
                if l > 0:
                    s = acts[l]
                    delta = (Ws[l].T @ delta) * s * (1 - s)
                Ws[l] -= (ETA / m) * nw
                bs[l] -= (ETA / m) * nb

    return n / best_of(epoch)


def bench_torch(sizes, n):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    x, y, t = data(n, np.float32)
    X, T = torch.from_numpy(x), torch.from_numpy(t)
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(a, b), torch.nn.Sigmoid()]
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=ETA)
    loss_fn = torch.nn.BCELoss(reduction="sum")

    def epoch():
        order = torch.randperm(n)
        for k in range(0, n, MB):
            idx = order[k:k + MB]
            opt.zero_grad()
            loss = loss_fn(model(X[idx]), T[idx]) / len(idx)
            loss.backward()
            opt.step()

    return n / best_of(epoch)


def matmul_flops(dtype=np.float32, size=1024, threads_note=""):
    a = np.random.default_rng(0).random((size, size), dtype=np.float64).astype(dtype)
    b = a.copy()
    a @ b
    t = best_of(lambda: a @ b, 5)
    return 2 * size ** 3 / t


def training_flops(sizes):
    """Multiply-adds x 2 per example: forward W a, dC/dW = delta a^T, and W^T delta for hidden layers."""
    f = 0
    for l, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        f += 2 * a * b * (2 if l == 0 else 3)
    return f


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--examples", type=int, default=20000)
    ap.add_argument("--out", default="bench/out/engine.json")
    args = ap.parse_args()
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    peak = matmul_flops()
    rows = []
    for name, sizes in NETS.items():
        r = {"net": name,
             "nnsci_f32": bench_nnsci(sizes, args.examples, "float32"),
             "nnsci_f64": bench_nnsci(sizes, args.examples, "float64"),
             "numpy_f64": bench_numpy(sizes, args.examples, np.float64),
             "numpy_f32": bench_numpy(sizes, args.examples, np.float32),
             "torch_f32": bench_torch(sizes, args.examples)}
        r["ratio_vs_numpy_f64"] = r["nnsci_f32"] / r["numpy_f64"]
        r["ratio_f64_vs_numpy_f64"] = r["nnsci_f64"] / r["numpy_f64"]
        r["ratio_vs_torch"] = r["nnsci_f32"] / r["torch_f32"] if r["torch_f32"] else None
        r["fraction_of_matmul_peak"] = r["nnsci_f32"] * training_flops(sizes) / peak
        rows.append(r)
        print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()}), flush=True)
    report = {"machine": platform.platform(), "cpu_count": os.cpu_count(), "examples": args.examples,
              "matmul_f32_flops_numpy": peak, "rows": rows}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2))
    print(f"numpy float32 1024x1024 matmul: {peak / 1e9:.1f} GFLOP/s (all cores numpy uses)")


if __name__ == "__main__":
    main()

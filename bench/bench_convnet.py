"""Chapter 6's networks: nnsci's CPU engine against PyTorch and a plain numpy network, side by side,
and the dense engine against an earlier commit's, in one run.

    python bench/bench_convnet.py [--examples 2000] [--torch-python .venv-torch/bin/python] \
        [--baseline /tmp/nnsci-2156fab] [--out bench/out/convnet.json]

Networks (mini-batch 10, float32, 28x28 inputs, network3's layers):
- conv1: ConvPool(20 maps, 5x5, pool 2) + FC100 + softmax (sigmoid);
- conv2: ConvPool20 + ConvPool(40, 5x5, pool 2) + FC100 + softmax (sigmoid);
- final: ConvPool20 + ConvPool40 + FC1000 + FC1000 + softmax, ReLU, dropout 0.5 on the inputs
  of the FC and softmax layers.

Each engine trains one epoch over the same random examples; nnsci and PyTorch run with 1 and 2
threads (the best is reported), numpy as it comes (its BLAS may use every core). PyTorch runs in a
subprocess with ``--torch-python`` (a separate environment: torch is not a project dependency).
``--baseline`` is a checkout (e.g. ``git archive 2156fab``) whose dense engine is timed against
this one on [784, 30, 10] and [784, 100, 10] (threads 1, interleaved repeats, best of each).
The fraction of peak uses the analytic training FLOPs (forward, dC/dW and dC/d(input) of each
layer) and a float32 peak of cores x GHz x 32 (two 8-wide FMA units per core: AVX2)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

MB = 10
NETS = {
    "conv1": [("conv", 20, 5, 2, "sigmoid"), ("fc", 100, "sigmoid", 0.0), ("softmax", 10, 0.0)],
    "conv2": [("conv", 20, 5, 2, "sigmoid"), ("conv", 40, 5, 2, "sigmoid"), ("fc", 100, "sigmoid", 0.0),
              ("softmax", 10, 0.0)],
    "final": [("conv", 20, 5, 2, "relu"), ("conv", 40, 5, 2, "relu"), ("fc", 1000, "relu", 0.5),
              ("fc", 1000, "relu", 0.5), ("softmax", 10, 0.5)],
}
ETA, LMBDA = 0.03, 0.1


def data(n, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 784), dtype=np.float32)
    y = rng.integers(0, 10, n)
    return x, y


def training_flops(layers):
    """Per example: 2 x multiply-adds of the forward pass, of dC/dW, and of dC/d(input) (not for the
    first layer)."""
    shape = (1, 28, 28)
    total = 0
    for i, ly in enumerate(layers):
        if ly[0] == "conv":
            _, maps, k, pool, _ = ly
            c, h, w = shape
            hc, wc = h - k + 1, w - k + 1
            fwd = 2 * maps * c * k * k * hc * wc
            shape = (maps, hc // pool, wc // pool)
        else:
            n_in = int(np.prod(shape))
            fwd = 2 * n_in * ly[1]
            shape = (ly[1],)
        total += fwd * (2 if i == 0 else 3)
    return total


def spec_of(layers):
    out = []
    for ly in layers:
        if ly[0] == "conv":
            out.append({"conv": {"maps": ly[1], "k": ly[2], "pool": ly[3], "activation": ly[4]}})
        elif ly[0] == "fc":
            out.append({"fc": {"n": ly[1], "activation": ly[2], "dropout": ly[3]}})
        else:
            out.append({"softmax": {"n": ly[1], "dropout": ly[2]}})
    return {"input": [1, 28, 28], "layers": out}


def best_of(fn, repeats):
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def bench_nnsci(layers, n, threads, repeats):
    import numba

    from nnsci.engine import Dataset, Network, Options, OurStreams, sgd

    numba.set_num_threads(threads)
    x, y = data(n)
    ds = Dataset.classification(x, y, 10, "float32")
    net = Network(spec_of(layers), cost="log_likelihood", dtype="float32")
    st = OurStreams(np.random.SeedSequence(0))
    net.initialize("network3", st.normal)
    opt = Options(lmbda=LMBDA, l2="penalty", shuffle=False, drop_last=True)
    sgd(net, ds.subset(20), 1, MB, ETA, st, options=opt)   # compile, or load from the cache
    return n / best_of(lambda: sgd(net, ds, 1, MB, ETA, st, options=opt), repeats)


# -- a plain numpy network (vectorised over the mini-batch; float32; BLAS through einsum/matmul) --
def bench_numpy(layers, n, repeats):
    from numpy.lib.stride_tricks import sliding_window_view

    x, y = data(n)
    rng = np.random.default_rng(0)
    params, shape = [], (1, 28, 28)
    for ly in layers:
        if ly[0] == "conv":
            _, maps, k, pool, _ = ly
            params.append([rng.normal(0, 0.1, (maps, shape[0], k, k)).astype(np.float32),
                           np.zeros(maps, np.float32)])
            shape = (maps, (shape[1] - k + 1) // pool, (shape[2] - k + 1) // pool)
        else:
            n_in = int(np.prod(shape))
            params.append([rng.normal(0, 0.1, (ly[1], n_in)).astype(np.float32), np.zeros(ly[1], np.float32)])
            shape = (ly[1],)

    def act(z, kind):
        return 1 / (1 + np.exp(-z)) if kind == "sigmoid" else np.maximum(z, 0)

    def prime(a, kind):
        return a * (1 - a) if kind == "sigmoid" else (a > 0).astype(np.float32)

    def step(xb, yb):
        a = xb.reshape(len(xb), 1, 28, 28)
        caches = []
        for ly, (W, b) in zip(layers, params):
            if ly[0] == "conv":
                k, p = ly[2], ly[3]
                win = sliding_window_view(a, (k, k), axis=(2, 3))
                cv = np.einsum("ncyxuv,fcuv->nfyx", win, W[:, :, ::-1, ::-1], optimize=True)
                nb, f, h, w = cv.shape
                pooled = cv.reshape(nb, f, h // p, p, w // p, p).max(axis=(3, 5))
                a_out = act(pooled + b[None, :, None, None], ly[4])
                caches.append((a, win, cv, pooled, a_out, None))
                a = a_out
            else:
                a_in = a.reshape(len(a), -1)
                mask = None
                drop = ly[-1]
                if drop:
                    mask = (rng.random(a_in.shape) >= drop).astype(np.float32)
                    a_in = a_in * mask
                z = a_in @ W.T + b
                if ly[0] == "softmax":
                    e = np.exp(z - z.max(axis=1, keepdims=True))
                    a_out = e / e.sum(axis=1, keepdims=True)
                else:
                    a_out = act(z, ly[2])
                caches.append((a_in, None, None, None, a_out, mask))
                a = a_out
        delta = a.copy()
        delta[np.arange(len(yb)), yb] -= 1
        delta /= len(yb)
        for l in range(len(layers) - 1, -1, -1):
            ly, (W, b) = layers[l], params[l]
            a_in, win, cv, pooled, a_out, mask = caches[l]
            if ly[0] == "conv":
                k, p = ly[2], ly[3]
                dz = delta.reshape(a_out.shape)
                up = np.repeat(np.repeat(pooled, p, 2), p, 3)
                dcv = (cv == up) * np.repeat(np.repeat(dz, p, 2), p, 3)
                gW = np.einsum("nfyx,ncyxuv->fcuv", dcv, win, optimize=True)[:, :, ::-1, ::-1]
                gb = dz.sum(axis=(0, 2, 3))
                if l > 0:
                    dx = np.zeros(a_in.shape, np.float32)
                    hc, wc = cv.shape[2], cv.shape[3]
                    for u in range(k):
                        for v in range(k):
                            dx[:, :, u:u + hc, v:v + wc] += np.einsum("nfyx,fc->ncyx", dcv, W[:, :, k - 1 - u, k - 1 - v],
                                                                      optimize=True)
                    delta = dx
            else:
                gW, gb = delta.T @ a_in, delta.sum(axis=0)
                if l > 0:
                    delta = delta @ W
                    if mask is not None:
                        delta = delta * mask
            if l > 0:
                prev = layers[l - 1]
                delta = delta.reshape(caches[l - 1][4].shape) * prime(caches[l - 1][4], prev[-2] if prev[0] == "fc" else prev[4])
            params[l][0] = W * (1 - ETA * LMBDA / (n // MB)) - ETA * gW
            params[l][1] = b - ETA * gb

    def epoch():
        for j in range(0, n, MB):
            step(x[j:j + MB], y[j:j + MB])

    return n / best_of(epoch, repeats)


TORCH = textwrap.dedent("""
    import json, sys, time
    import numpy as np, torch
    layers, n, repeats, threads = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.random((n, 784), dtype=np.float32)).reshape(n, 1, 28, 28)
    y = torch.from_numpy(rng.integers(0, 10, n))
    mods, shape = [], (1, 28, 28)
    for ly in layers:
        if ly[0] == "conv":
            _, maps, k, pool, act = ly
            mods += [torch.nn.Conv2d(shape[0], maps, k), torch.nn.MaxPool2d(pool),
                     torch.nn.Sigmoid() if act == "sigmoid" else torch.nn.ReLU()]
            shape = (maps, (shape[1] - k + 1) // pool, (shape[2] - k + 1) // pool)
        else:
            if len(shape) == 3:
                mods.append(torch.nn.Flatten())
            n_in = int(np.prod(shape))
            if ly[-1]:
                mods.append(torch.nn.Dropout(ly[-1]))
            mods.append(torch.nn.Linear(n_in, ly[1]))
            if ly[0] == "fc":
                mods.append(torch.nn.Sigmoid() if ly[2] == "sigmoid" else torch.nn.ReLU())
            shape = (ly[1],)
    model = torch.nn.Sequential(*mods)
    opt = torch.optim.SGD(model.parameters(), lr=0.03, weight_decay=0.1 / (n // 10))
    loss_fn = torch.nn.CrossEntropyLoss()
    def epoch():
        for j in range(0, n, 10):
            opt.zero_grad()
            loss_fn(model(x[j:j + 10]), y[j:j + 10]).backward()
            opt.step()
    epoch()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter(); epoch(); best = min(best, time.perf_counter() - t0)
    print(json.dumps({"examples_per_s": n / best, "threads": threads, "torch": torch.__version__}))
""")


def bench_torch(python, layers, n, threads, repeats):
    if not python or not Path(python).exists():
        return None
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    p = subprocess.run([python, "-c", TORCH, json.dumps(layers), str(n), str(repeats), str(threads)],
                       capture_output=True, text=True, env=env)
    if p.returncode:
        print(p.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(p.stdout.strip().splitlines()[-1])["examples_per_s"]


DENSE = textwrap.dedent("""
    import json, sys, time
    import numpy as np
    from nnsci.engine import Dataset, Network, Options, OurStreams, sgd
    sizes, n, repeats = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    rng = np.random.default_rng(0)
    ds = Dataset.classification(rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n), 10, "float32")
    st = OurStreams(np.random.SeedSequence(0))
    net = Network(sizes, dtype="float32")
    net.initialize("default", st.normal)
    sgd(net, ds.subset(100), 1, 10, 0.5, st)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter(); sgd(net, ds, 1, 10, 0.5, st); best = min(best, time.perf_counter() - t0)
    print(json.dumps(n / best))
""")


def bench_dense(tree, sizes, n, repeats):
    env = dict(os.environ, PYTHONPATH=str(tree), NUMBA_NUM_THREADS="1")
    p = subprocess.run([sys.executable, "-c", DENSE, json.dumps(sizes), str(n), str(repeats)], capture_output=True,
                       text=True, env=env, check=True, cwd=str(tree))
    return float(p.stdout.strip().splitlines()[-1])


def peak_flops(cores=2):
    ghz = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("cpu MHz"):
                ghz = float(line.split(":")[1]) / 1000
                break
    except OSError:
        pass
    return (cores * (ghz or 3.0) * 1e9 * 32), ghz


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--examples", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--torch-python", default=None,
                    help="python of an environment with torch (PyTorch is left out without it)")
    ap.add_argument("--baseline", default=None, help="a checkout of the commit to compare the dense engine with")
    ap.add_argument("--nets", default="conv1,conv2,final")
    ap.add_argument("--out", default="bench/out/convnet.json")
    a = ap.parse_args()
    peak, ghz = peak_flops(2)
    report = {"cpu_count": os.cpu_count(), "ghz": ghz, "peak_f32_2cores": peak, "examples": a.examples, "rows": []}
    load0 = os.getloadavg()[0]
    for name in [n for n in a.nets.split(",") if n]:
        layers = NETS[name]
        r = {"net": name, "mflop_per_example": training_flops(layers) / 1e6}
        r["nnsci_1"] = bench_nnsci(layers, a.examples, 1, a.repeats)
        r["nnsci_2"] = bench_nnsci(layers, a.examples, 2, a.repeats)
        r["torch_1"] = bench_torch(a.torch_python, layers, a.examples, 1, a.repeats)
        r["torch_2"] = bench_torch(a.torch_python, layers, a.examples, 2, a.repeats)
        r["numpy"] = bench_numpy(layers, min(a.examples, 1000), 1)
        best = max(r["nnsci_1"], r["nnsci_2"])
        tb = max([v for v in (r["torch_1"], r["torch_2"]) if v] or [0]) or None
        r["ratio_vs_torch_best"] = best / tb if tb else None
        r["ratio_vs_numpy"] = best / r["numpy"]
        r["fraction_of_peak"] = best * training_flops(layers) / peak
        report["rows"].append(r)
        print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()}), flush=True)
    if a.baseline:
        here = Path(__file__).resolve().parents[1]
        for sizes in ([784, 30, 10], [784, 100, 10]):
            ours, base = [], []
            for _ in range(3):   # interleaved: the machine's load drifts
                ours.append(bench_dense(here, sizes, 20000, 2))
                base.append(bench_dense(a.baseline, sizes, 20000, 2))
            r = {"dense": sizes, "this": max(ours), "baseline": max(base), "ratio": max(ours) / max(base)}
            report["rows"].append(r)
            print(json.dumps(r), flush=True)
    report["loadavg_before_after"] = [load0, os.getloadavg()[0]]
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(report, indent=2))
    print(f"float32 peak of 2 cores at {ghz} GHz: {peak / 1e9:.0f} GFLOP/s; load average {report['loadavg_before_after']}")


if __name__ == "__main__":
    main()

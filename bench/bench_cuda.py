"""GPU bench (issue 13): the CUDA backend side by side with PyTorch (eager and CUDA graphs).

Networks, all at mini-batch 10, float32:
- [784, 30, 10] (sigmoid, cross-entropy): one run, and families of many runs in ONE launch
  (ours) against PyTorch eager, one step captured in a CUDA graph, and bmm over the same number
  of runs inside a CUDA graph;
- chapter 6's final network (ConvPool20 + ConvPool40 + FC1000 + FC1000 + softmax, ReLU, dropout
  0.5): one run, and the ensemble's five networks in one launch, against PyTorch eager and graph.
Also the CPU/GPU agreement after one epoch on MNIST of [784, 30, 10] (float32 and float64) and of
the chapter 6 network: max |parameter difference| and the test accuracies.

Targets (not gates): [784, 30, 10] >= 500,000 examples/s for one run, >= 100 million over many
runs; the chapter 6 network >= 100,000 examples/s for one run.

    python bench/bench_cuda.py --mnist .mnist --out bench/out/gpu/bench.md

PyTorch runs in a subprocess (``--part torch``) so the two CUDA runtimes never share a process."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CONV_FINAL = {"input": [1, 28, 28], "layers": [
    {"conv": {"maps": 20, "k": 5, "pool": 2, "activation": "relu"}},
    {"conv": {"maps": 40, "k": 5, "pool": 2, "activation": "relu"}},
    {"fc": {"n": 1000, "activation": "relu", "dropout": 0.5}},
    {"fc": {"n": 1000, "activation": "relu", "dropout": 0.5}},
    {"softmax": {"n": 10, "dropout": 0.5}}]}


def load(mnist_dir, dtype):
    from nnsci.data.download import download_mnist
    from nnsci.data.mnist import load_mnist, prepare_mnist, to_float
    from nnsci.engine import Dataset

    cache = Path(tempfile.gettempdir()) / "nnsci-bench-mnist"
    npz = cache / "mnist.npz"
    if not npz.exists():
        download_mnist(cache / "raw", mirrors=[str(Path(mnist_dir).resolve())])
        prepare_mnist(cache / "raw", npz)
    d = load_mnist(npz)
    train = Dataset.classification(to_float(d["training_x"], dtype), d["training_y"], 10, dtype)
    test = Dataset.classification(to_float(d["test_x"], dtype), d["test_y"], 10, dtype)
    return train, test


def make(net_spec, dtype, seed, init):
    from nnsci.engine import Network

    if isinstance(net_spec, list):
        net = Network(net_spec, "sigmoid", "sigmoid", "cross_entropy", dtype)
    else:
        net = Network(net_spec, cost="log_likelihood", dtype=dtype)
    net.initialize(init, np.random.default_rng(seed).standard_normal)
    return net


def epoch_args(net, n, eta, lmbda=0.0):
    T = net.dtype.type
    return T(eta), T(1 - eta * lmbda / n), T(0), T(0)


def time_family(spec, dtype, init, runs, n, data, eta, warm=200, threads=None):
    """Examples per second over all runs: one epoch of ``n`` examples per run, ``runs`` runs in one
    launch (after a short epoch that compiles the kernel); ``threads`` per block (default: the
    backend's)."""
    from nnsci.engine.cuda.backend import CudaFamily

    nets = [make(spec, dtype, s, init) for s in range(runs)]
    fam = CudaFamily(nets, 10, threads)
    rng = np.random.default_rng(0)
    orders = [rng.permutation(len(data)).astype(np.int64) for _ in range(runs)]
    args = [epoch_args(net, len(data), eta) for net in nets]
    fam.sgd_epoch_family(data, [o[:warm] for o in orders], [warm] * runs, *zip(*args), [1] * runs, [0] * runs)
    from numba import cuda

    cuda.synchronize()
    t0 = time.perf_counter()
    fam.sgd_epoch_family(data, [o[:n] for o in orders], [n] * runs, *zip(*args), [1] * runs, [1] * runs)
    cuda.synchronize()
    return runs * n / (time.perf_counter() - t0)


def agreement(spec, dtype, init, train, test, n, eta):
    """One epoch of the same run on the CPU and on the GPU: max |params difference| and the test
    accuracies."""
    from nnsci.engine import evaluate
    from nnsci.engine.backends import open_family

    base = make(spec, dtype, 1, init)
    order = np.random.default_rng(3).permutation(n).astype(np.int64)
    out = {}
    for engine in ("cpu", "cuda"):
        net = base.copy()
        fam = open_family(engine, [net], 10)
        t0 = time.perf_counter()
        fam.sgd_epoch(train, order, n, *epoch_args(net, n, eta), 7, 0)
        secs = time.perf_counter() - t0
        out[engine] = (net.params.astype(np.float64), evaluate(net, test, engine=engine)[1], secs)
    diff = float(np.max(np.abs(out["cpu"][0] - out["cuda"][0])))
    return {"max_abs_param_diff": diff, "cpu_test_correct": out["cpu"][1], "gpu_test_correct": out["cuda"][1],
            "cpu_epoch_s": out["cpu"][2], "gpu_epoch_s": out["cuda"][2]}


def attempt(res, key, fn, *args, **kw):
    """res[key] = fn(...), or the error's first line: one failure does not lose the other numbers."""
    t0 = time.perf_counter()
    try:
        res[key] = fn(*args, **kw)
    except Exception as e:  # noqa: BLE001 - reported, and the bench goes on
        res[key] = None
        res[f"{key}_error"] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
    print(f"{key}: {res[key]} ({time.perf_counter() - t0:.1f} s){'  ' + res.get(key + '_error', '')}", flush=True)


def part_ours(a):
    from nnsci.engine.cuda.compat import import_cuda

    cuda = import_cuda()
    print("device:", getattr(cuda.get_current_device(), "name", "simulator"), flush=True)
    train32, test32 = load(a.mnist, "float32")
    res = {}
    dense = [784, 30, 10]
    attempt(res, "dense_1run", time_family, dense, "float32", "default", 1, a.examples, train32, 3.0)
    for th in a.threads:   # results do not depend on the threads per block; speed does
        attempt(res, f"dense_1run_{th}threads", time_family, dense, "float32", "default", 1, a.examples // 2,
                train32, 3.0, threads=th)
    attempt(res, "conv_1run_1024threads", time_family, CONV_FINAL, "float32", "network3", 1, a.conv_examples // 2,
            train32, 0.03, warm=20, threads=1024)
    for runs in a.runs:
        attempt(res, f"dense_{runs}runs", time_family, dense, "float32", "default", runs, a.family_examples, train32,
                3.0)
    attempt(res, "conv_1run", time_family, CONV_FINAL, "float32", "network3", 1, a.conv_examples, train32, 0.03,
            warm=20)
    attempt(res, "conv_5runs", time_family, CONV_FINAL, "float32", "network3", 5, a.conv_examples, train32, 0.03,
            warm=20)
    attempt(res, "agree_dense_f32", agreement, dense, "float32", "default", train32, test32, 10000, 3.0)
    attempt(res, "agree_conv_f32", agreement, CONV_FINAL, "float32", "network3", train32, test32, 1000, 0.03)
    train64, test64 = load(a.mnist, "float64")
    attempt(res, "dense_1run_f64", time_family, dense, "float64", "default", 1, a.examples, train64, 3.0)
    attempt(res, "agree_dense_f64", agreement, dense, "float64", "default", train64, test64, 10000, 3.0)
    return res


def part_torch(a):
    """PyTorch on the same GPU: eager, one step in a CUDA graph, and bmm over many runs in a graph."""
    import torch
    import torch.nn.functional as F

    dev = torch.device("cuda")
    train, _ = load(a.mnist, "float32")
    X = torch.tensor(train.x, device=dev)
    Y = torch.tensor(train.t, device=dev)
    m, res = 10, {}

    def dense_net():
        return torch.nn.Sequential(torch.nn.Linear(784, 30), torch.nn.Sigmoid(), torch.nn.Linear(30, 10)).to(dev)

    def conv_net():
        return torch.nn.Sequential(
            torch.nn.Conv2d(1, 20, 5), torch.nn.MaxPool2d(2), torch.nn.ReLU(),
            torch.nn.Conv2d(20, 40, 5), torch.nn.MaxPool2d(2), torch.nn.ReLU(), torch.nn.Flatten(),
            torch.nn.Dropout(0.5), torch.nn.Linear(640, 1000), torch.nn.ReLU(),
            torch.nn.Dropout(0.5), torch.nn.Linear(1000, 1000), torch.nn.ReLU(),
            torch.nn.Dropout(0.5), torch.nn.Linear(1000, 10)).to(dev)

    def loss_of(net, conv, xb, yb):
        out = net(xb.view(-1, 1, 28, 28) if conv else xb)
        if conv:
            return F.cross_entropy(out, yb.argmax(1))
        return F.binary_cross_entropy_with_logits(out, yb, reduction="sum") / m

    def sgd_step(net, conv, xb, yb, eta):
        loss = loss_of(net, conv, xb, yb)
        loss.backward()
        with torch.no_grad():
            for p in net.parameters():
                p.sub_(eta * p.grad)
                p.grad = None

    def eager(conv, steps):
        net = conv_net() if conv else dense_net()
        perm = torch.randperm(len(X), device=dev)
        for s in range(20):
            sgd_step(net, conv, X[perm[s * m:(s + 1) * m]], Y[perm[s * m:(s + 1) * m]], 0.03)
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for s in range(steps):
            idx = perm[(s * m) % (len(X) - m):][:m]
            sgd_step(net, conv, X[idx], Y[idx], 0.03)
        torch.cuda.synchronize()
        return steps * m / (time.perf_counter() - t0)

    def graphed(conv, steps, runs=1):
        """One training step (runs=1: a module; runs>1: bmm over ``runs`` independent [784, 30, 10]
        nets) captured in a CUDA graph; the graph reads its next mini-batch through a step counter
        that it advances itself, so a replay needs nothing from the host."""
        perm = torch.stack([torch.randperm(len(X), device=dev) for _ in range(runs)])
        step = torch.zeros((), dtype=torch.long, device=dev)
        ar = torch.arange(m, device=dev)
        if runs == 1:
            net = conv_net() if conv else dense_net()
            params = list(net.parameters())
        else:
            W1 = (torch.randn(runs, 784, 30, device=dev) / 28).requires_grad_()
            b1 = torch.randn(runs, 1, 30, device=dev).requires_grad_()
            W2 = (torch.randn(runs, 30, 10, device=dev) / 30 ** 0.5).requires_grad_()
            b2 = torch.randn(runs, 1, 10, device=dev).requires_grad_()
            params = [W1, b1, W2, b2]

        def body():
            cols = (step * m + ar) % len(X)
            idx = perm.index_select(1, cols)               # (runs, m)
            xb, yb = X[idx], Y[idx]                          # (runs, m, 784), (runs, m, 10)
            if runs == 1:
                loss = loss_of(net, conv, xb[0], yb[0])
            else:
                z = torch.bmm(torch.sigmoid(torch.baddbmm(b1, xb, W1)), W2) + b2
                loss = F.binary_cross_entropy_with_logits(z, yb, reduction="sum") / m
            grads = torch.autograd.grad(loss, params)
            with torch.no_grad():
                for p, g in zip(params, grads):
                    p.sub_(0.03 * g)
                step.add_(1)

        s = torch.cuda.Stream()
        s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s):
            for _ in range(3):
                body()
        torch.cuda.current_stream().wait_stream(s)
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g):
            body()
        for _ in range(10):
            g.replay()
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(steps):
            g.replay()
        torch.cuda.synchronize()
        return runs * steps * m / (time.perf_counter() - t0)

    attempt(res, "dense_eager", eager, False, a.torch_steps)
    attempt(res, "dense_graph", graphed, False, a.torch_steps * 4)
    for runs in a.runs:
        attempt(res, f"dense_bmm_{runs}runs", graphed, False, a.torch_steps, runs)
    attempt(res, "conv_eager", eager, True, a.torch_steps)
    attempt(res, "conv_graph", graphed, True, a.torch_steps)
    return res


def table(ours, torch_res, runs):
    def f(v):
        return f"{v:,.0f}" if isinstance(v, (int, float)) else "-"

    t = torch_res or {}
    lines = ["| network (mini-batch 10, float32) | nnsci CUDA | PyTorch eager | PyTorch CUDA graph | target |",
             "|---|---|---|---|---|",
             f"| [784, 30, 10], one run | {f(ours.get('dense_1run'))} | {f(t.get('dense_eager'))} | "
             f"{f(t.get('dense_graph'))} | 500,000 |"]
    for r in runs:
        lines.append(f"| [784, 30, 10], {r} runs (all runs; PyTorch: bmm in a graph) | "
                     f"{f(ours.get(f'dense_{r}runs'))} | - | {f(t.get(f'dense_bmm_{r}runs'))} | 100,000,000 |")
    lines.append(f"| chapter 6 final network, one run | {f(ours.get('conv_1run'))} | {f(t.get('conv_eager'))} | "
                 f"{f(t.get('conv_graph'))} | 100,000 |")
    lines.append(f"| chapter 6 final network, 5 runs in one launch (all runs) | {f(ours.get('conv_5runs'))} | - | - | - |")
    lines.append(f"| [784, 30, 10] float64, one run | {f(ours.get('dense_1run_f64'))} | - | - | - |")
    for k in sorted(k for k in ours if k.endswith("threads") and not k.endswith("_error")):
        lines.append(f"| {k} | {f(ours[k])} | - | - | - |")
    lines.append("")
    lines.append("Examples per second. CPU/GPU agreement after one epoch (same start, order and seed):")
    for k in ("agree_dense_f32", "agree_dense_f64", "agree_conv_f32"):
        if k in ours:
            lines.append(f"- {k}: {json.dumps(ours[k])}")
    errors = {k: v for k, v in {**ours, **t}.items() if k.endswith("_error")}
    if errors:
        lines.append("")
        lines.append("Failed: " + "; ".join(f"{k[:-6]}: {v}" for k, v in errors.items()))
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mnist", default=".mnist", help="folder with the four MNIST .gz files")
    p.add_argument("--out", default="bench/out/gpu/bench.md")
    p.add_argument("--part", choices=["all", "ours", "torch"], default="all")
    p.add_argument("--examples", type=int, default=50000, help="examples of the one-run dense epoch")
    p.add_argument("--family-examples", type=int, default=10000, help="examples per run in the family epochs")
    p.add_argument("--conv-examples", type=int, default=2000)
    p.add_argument("--runs", type=int, nargs="*", default=[132, 528])
    p.add_argument("--torch-steps", type=int, default=2000)
    p.add_argument("--threads", type=int, nargs="*", default=[128, 512, 1024],
                   help="also time one [784, 30, 10] run with these threads per block")
    a = p.parse_args()
    if a.part == "torch":
        print("TORCH " + json.dumps(part_torch(a)))
        return
    ours = part_ours(a) if a.part in ("all", "ours") else {}
    torch_res = None
    if a.part == "all":
        cmd = [sys.executable, __file__, "--part", "torch", "--mnist", a.mnist, "--torch-steps", str(a.torch_steps),
               "--runs", *map(str, a.runs)]
        r = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        sys.stdout.write(r.stdout[-4000:] + r.stderr[-4000:])
        for line in r.stdout.splitlines():
            if line.startswith("TORCH "):
                torch_res = json.loads(line[6:])
    text = table(ours, torch_res, a.runs)
    print(text)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(text + "\n")
    Path(a.out).with_suffix(".json").write_text(json.dumps({"ours": ours, "torch": torch_res}, indent=1))


if __name__ == "__main__":
    main()

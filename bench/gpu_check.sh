#!/usr/bin/env bash
# The device check of the CUDA backend (issue 13), on a machine with an NVIDIA GPU, in at most
# 8 minutes:
#   1. the cudasim tests (tests/test_cuda_sim.py) on the hardware: forward, gradient and one epoch
#      equal the CPU engine (1e-10 float64, 1e-5 float32), the family launch equals its runs;
#   2. the GPU bench against PyTorch eager and CUDA graphs (bench/bench_cuda.py);
#   3. chapter 6 at full scale (ch6.conv1, then ch6.relu, three seeds in one launch each), as far as
#      the remaining time allows, with each epoch's accuracy in the logs.
# Prepare on the development machine: bash bench/gpu_prepare.sh (fills .whl and .mnist). With the
# device tool: run(command="bash bench/gpu_check.sh", carry=[".whl", ".mnist"], timeout_s=540).
# Results go to $OUT (the device tool's folder) or bench/out/gpu.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-bench/out/gpu}"
mkdir -p "$OUT"
BUDGET="${BUDGET:-470}"            # seconds for the whole check
T0=$(date +%s)
left() { echo $(( BUDGET - ($(date +%s) - T0) )); }
export PYTHONUNBUFFERED=1 NUMBA_ENABLE_CUDASIM=0 MPLBACKEND=Agg
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
if [ -d .whl ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
        || { echo "wheel install failed"; exit 1; }
    export PYTHONPATH="$PYTHONPATH:/tmp/site"
fi
# The rules call the nnsci command; without an install, a shim runs the checkout's CLI.
mkdir -p /tmp/nnsci-bin
printf '#!/bin/sh\nexec python3 -m nnsci.cli "$@"\n' > /tmp/nnsci-bin/nnsci
chmod +x /tmp/nnsci-bin/nnsci
export PATH="/tmp/nnsci-bin:$PATH"
{ nvidia-smi -L; python3 -c "import numpy, numba, sys; print(sys.version.split()[0], 'numpy', numpy.__version__, 'numba', numba.__version__)"; } 2>&1 | tee "$OUT/env.txt"

echo "== 1. equality tests on the GPU ($(left) s left)"
# pytest-xdist (in the GPU image) spreads the cold numba compiles of the CPU side over the cores.
PAR=""; python3 -c "import xdist" 2>/dev/null && PAR="-n 8"
timeout 170 python3 -m pytest $PAR -q -m cudasim tests/test_cuda_sim.py -p no:cacheprovider --durations=5 2>&1 \
    | tee "$OUT/tests.log" | tail -25

echo "== 2. bench ($(left) s left)"
timeout 170 python3 bench/bench_cuda.py --mnist .mnist --out "$OUT/bench.md" 2>&1 | tee "$OUT/bench.log" | tail -30

T=$(( $(left) - 25 ))
echo "== 3. chapter 6 at full scale, engine=cuda, for ${T} s: ch6.conv1 s0-s2 in one launch, then ch6.relu s0-s2"
# The book's settings (60 epochs, 50,000 images, mini-batch 10); each epoch's line is in the log.
mkdir -p /tmp/ch6
python3 -m nnsci.cli download-mnist --out /tmp/ch6/raw --mirror "file://$PWD/.mnist/" > /dev/null 2>&1 \
    && python3 -m nnsci.cli prepare-mnist --raw /tmp/ch6/raw --out /tmp/ch6/mnist.npz > /dev/null 2>&1 \
    || echo "mnist preparation failed"
if [ "$T" -gt 30 ]; then
    timeout $(( T * 2 / 5 )) python3 -m nnsci.cli train ch6.conv1.s0 ch6.conv1.s1 ch6.conv1.s2 --scale full \
        --engine cuda --input mnist=/tmp/ch6/mnist.npz --results /tmp/ch6/results > "$OUT/ch6_conv1.log" 2>&1
    echo "ch6.conv1: exit $? (124: stopped at the time limit)"
    timeout $(( $(left) - 25 )) python3 -m nnsci.cli train ch6.relu.s0 ch6.relu.s1 ch6.relu.s2 --scale full \
        --engine cuda --input mnist=/tmp/ch6/mnist.npz --results /tmp/ch6/results > "$OUT/ch6_relu.log" 2>&1
    echo "ch6.relu: exit $? (124: stopped at the time limit)"
    for f in "$OUT"/ch6_*.log; do echo "-- $f"; grep -E "epoch [0-9]+:|side by side|Error|error" "$f" | tail -4; done
    (cd /tmp/ch6 && tar czf "$OUT/ch6_results.tgz" results 2>/dev/null)
fi
echo "== done in $(( $(date +%s) - T0 )) s"

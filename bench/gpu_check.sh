#!/usr/bin/env bash
# The device check of the CUDA backend (issue 13), on a machine with an NVIDIA GPU, in at most
# 8 minutes:
#   1. the cudasim tests (tests/test_cuda_sim.py) on the hardware: forward, gradient and one epoch
#      equal the CPU engine (1e-10 float64, 1e-5 float32), the family launch equals its runs;
#   2. the GPU bench against PyTorch eager and CUDA graphs (bench/bench_cuda.py);
#   3. chapter 3 at full scale through the pipeline (engine=cuda, one GPU), as far as the
#      remaining time allows, then what finished (benchmark files) and what did not.
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

T=$(( $(left) - 15 ))
echo "== 3. chapter 3 at full scale, engine=cuda, for ${T} s: the largest family first (30 runs side by side)"
export NNSCI_MNIST_MIRROR="$PWD/.mnist"
SMK="python3 -m snakemake --cores all --resources gpu=1 --keep-going --config engine=cuda scale=full"
if [ "$T" -gt 30 ]; then
    timeout $(( T / 2 )) $SMK -- train_family_ch3_eta_threshold > "$OUT/snakemake_family.log" 2>&1
    echo "largest family: snakemake exit $? (124: stopped at the time limit)"
    timeout $(( $(left) - 15 )) $SMK -- chapter3 > "$OUT/snakemake.log" 2>&1
    echo "chapter3: snakemake exit $? (124: stopped at the time limit)"
    tail -5 "$OUT/snakemake.log"
    echo "finished training jobs (benchmark files: seconds):"
    for f in benchmarks/runs/ch3*.tsv; do
        [ -f "$f" ] && printf '%s\t%s\n' "$(basename "$f" .tsv)" "$(tail -1 "$f" | cut -f1)"
    done | tee "$OUT/ch3_jobs.tsv"
    ls results/runs 2>/dev/null | grep -c '^ch3' | sed 's/^/ch3 runs finished: /'
    grep -h "side by side\|epoch 0:" logs/runs/*.log 2>/dev/null | tail -6
fi
echo "== done in $(( $(date +%s) - T0 )) s"

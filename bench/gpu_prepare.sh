#!/usr/bin/env bash
# Prepare, on the development machine, what bench/gpu_check.sh needs on a GPU machine and cannot
# fetch there: .mnist/ (the four MNIST .gz files, 11 MB, from $NNSCI_MNIST_MIRROR) and .whl/
# (snakemake, jsonschema and their needs that the GPU image lacks, as Python 3.12 wheels, 26 MB).
# Both folders are ignored by git (.gitignore) and travel with the device tool's `carry`.
set -euo pipefail
cd "$(dirname "$0")/.."
MIRROR="${NNSCI_MNIST_MIRROR:?set NNSCI_MNIST_MIRROR to a folder with the four MNIST .gz files}"
mkdir -p .mnist .whl
cp "$MIRROR"/*-ubyte.gz .mnist/
# snakemake 9.27.1 and jsonschema 4.26.0 with every requirement the GPU image lacks (the image has
# numpy, pyyaml, requests, jinja2, psutil, attrs, tabulate, wrapt, packaging, ...: the device
# tool's notes); one version of each.
WHEELS="annotated-types==0.8.0 argparse-dataclass==2.0.0 conda-inject==1.3.2 configargparse==1.9.0
docutils==0.22.4 dpath==2.2.0 fastjsonschema==2.22.3 gitdb==4.0.12 gitpython==3.2.1 greenlet==3.5.6
humanfriendly==10.0 immutables==0.21 jsonschema==4.26.0 jsonschema-specifications==2025.9.1
jupyter-core==5.9.1 nbformat==5.11.1 platformdirs==4.14.8 pulp==3.3.2 pydantic==2.14.4
pydantic-core==2.50.5 referencing==0.37.0 rpds-py==2026.9.1 smart-open==7.7.1 smmap==5.0.3
snakemake==9.27.1 snakemake-interface-common==1.23.0 snakemake-interface-executor-plugins==9.4.0
snakemake-interface-logger-plugins==2.1.0 snakemake-interface-report-plugins==1.3.0
snakemake-interface-scheduler-plugins==2.0.2 snakemake-interface-storage-plugins==4.4.1
sqlalchemy==2.0.58 sqlmodel==0.0.37 tenacity==9.2.1 throttler==1.2.3 traitlets==5.16.1
typing-inspection==0.4.5 yte==1.9.4"
PLAT=""
for p in manylinux_2_17_x86_64 manylinux2014_x86_64 manylinux1_x86_64 manylinux_2_24_x86_64 \
         manylinux_2_27_x86_64 manylinux_2_28_x86_64 manylinux_2_31_x86_64 manylinux_2_34_x86_64; do
    PLAT="$PLAT --platform $p"
done
# shellcheck disable=SC2086
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp $PLAT \
    -d .whl $WHEELS
# connection-pool 0.0.3 is published as a source archive only: build its (pure Python) wheel here.
python3 -m pip wheel -q --no-deps -w .whl connection-pool==0.0.3
du -sh .mnist .whl

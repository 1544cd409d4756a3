"""The ``nnsci`` command: every step of the pipeline, callable by hand.

Snakemake rules only call these verbs. Each verb is a thin wrapper over a
library function; a :class:`~nnsci.errors.NnsciError` becomes one line on
stderr and exit status 1."""

from __future__ import annotations

import argparse
import logging
import sys

from .cpu_target import require_valid
from .errors import NnsciError

log = logging.getLogger("nnsci")

DATASET_NAMES = ("mnist", "fashion-mnist")   # nnsci.data.download.DATASETS (kept light: no import here)


def _kv(pairs):
    """Parse repeated ``KEY=VALUE`` options into a dict."""
    out = {}
    for p in pairs or []:
        if "=" not in p:
            raise NnsciError(f"expected KEY=VALUE, got {p!r}")
        k, v = p.split("=", 1)
        out[k] = v
    return out


def _add_run_options(p):
    p.add_argument("--scale", default=None, help="full, quick or ci (default: config)")
    p.add_argument("--engine", default=None, help="cpu or cuda (default: config)")
    p.add_argument("--threads", type=int, default=None, help="threads for this job")
    p.add_argument("--seed", type=int, default=None, help="root seed (default: config)")


def cmd_download_mnist(a):
    from .data.download import download_dataset

    download_dataset(a.dataset, a.out, mirrors=a.mirror or None)


def cmd_prepare_mnist(a):
    from .data.mnist import prepare_mnist

    prepare_mnist(a.raw, a.out)


def cmd_expand_mnist(a):
    from .data.augment import expand_mnist_file

    expand_mnist_file(a.mnist, a.out, seed=a.seed, dataset=a.dataset)


def cmd_figure(a):
    from .figures import make_figure

    make_figure(a.name, a.out, inputs=_kv(a.input), scale=a.scale)


def cmd_table(a):
    from .tables import make_table

    make_table(a.name, a.out, inputs=_kv(a.input), scale=a.scale, metrics=a.metrics)


# Intermediate data that several figures and tables read (computed once by its own rule).
CURVES = {"ch3.more_data": ("nnsci.experiments.ch3_runs", "write_more_data_curves"),
          "ch6.ensemble": ("nnsci.experiments.ch6", "write_ensemble_predictions")}


def cmd_curves(a):
    import importlib

    from .config import load_config, load_scale

    if a.name not in CURVES:
        raise NnsciError(f"unknown curves {a.name!r}; known: {', '.join(sorted(CURVES))}")
    module, fn = CURVES[a.name]
    scale = load_scale(a.scale or load_config()["scale"])
    getattr(importlib.import_module(module), fn)(a.out, _kv(a.input), scale)


def cmd_svm(a):
    from .baselines import fit_svm

    fit_svm(a.mnist, a.size, a.out)


def cmd_svm_tuned(a):
    from .svm_tuned import fit_tuned_svm

    fit_tuned_svm(a.mnist, a.size, a.out)


def cmd_train(a):
    from .experiments.train import train_runs

    train_runs(a.run_ids, inputs=_kv(a.input), scale=a.scale, engine=a.engine,
               threads=a.threads, seed=a.seed, results=a.results)


def cmd_check(a):
    from .check import check

    ok = check(a.scale, a.out, results=a.results, inputs=_kv(a.input))
    if not ok and a.strict:
        raise NnsciError(f"results differ from the stored reference metrics, or a book number is missing; "
                         f"see {a.out}")


def cmd_benchmarks(a):
    from .benchmarks import benchmark_files, write_benchmark_tables

    jobs, chapters = write_benchmark_tables(benchmark_files(a.dir), a.out, a.chapters)
    print(f"{len(jobs)} jobs in {len(chapters)} chapters: {a.out}, {a.chapters}")


def cmd_report_captions(a):
    from .captions import write_captions

    written = write_captions(a.group, a.results, a.out, scale=a.scale)
    print(f"{len(written)} caption files of {a.group}")


def cmd_reference(a):
    from .reference import store

    report = store(a.scale, results=a.results, prune=a.prune, write=a.store)
    for path, r in report.items():
        changes = ", ".join(f"{len(v)} {k}" for k, v in r.items() if k != "numbers" and v)
        print(f"{path}: {r['numbers']} numbers" + (f" ({changes})" if changes else "")
              + ("" if a.store else " [dry run: pass --store to write]"))


def cmd_plan(a):
    import yaml

    from .config import load_config
    from .plan import plan_text

    # `--config k=v ... ch6`: as Snakemake's --config, which takes every KEY=VALUE that follows it
    items = [c for c in a.config if "=" in c]
    chapters = list(a.chapters) + [c for c in a.config if "=" not in c]
    overrides = {k: yaml.safe_load(v) for k, v in _kv(items).items()}
    if a.scale:
        overrides["scale"] = a.scale
    cfg = load_config(overrides)
    print(plan_text(cfg["scale"], chapters or None))


def build_parser():
    ap = argparse.ArgumentParser(prog="nnsci", description=__doc__.splitlines()[0])
    ap.add_argument("-v", "--verbose", action="store_true")
    sub = ap.add_subparsers(dest="verb", required=True)

    p = sub.add_parser("download-mnist", help="download and verify the four MNIST (or Fashion-MNIST) files")
    p.add_argument("--out", required=True, help="directory for the .gz files")
    p.add_argument("--mirror", action="append", help="mirror to try (repeatable; default: config)")
    p.add_argument("--dataset", default="mnist", choices=DATASET_NAMES, help="mnist (default) or fashion-mnist")
    p.set_defaults(func=cmd_download_mnist)

    p = sub.add_parser("prepare-mnist", help="parse the IDX files into the book's split (npz)")
    p.add_argument("--raw", required=True, help="directory with the four .gz files")
    p.add_argument("--out", required=True, help="output .npz")
    p.set_defaults(func=cmd_prepare_mnist)

    p = sub.add_parser("expand-mnist", help="chapter 6's 250,000-image expanded training set")
    p.add_argument("--mnist", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--dataset", default="mnist", choices=DATASET_NAMES,
                   help="mnist (default) or fashion-mnist: the shuffle's seed id")
    p.set_defaults(func=cmd_expand_mnist)

    # the products built from an id: a figure, a table (.md, .csv, and its numbers), or curves (JSON)
    for verb, helptext, example, out_help, func in (
            ("figure", "draw one figure", "ch1.digits", None, cmd_figure),
            ("table", "write one table (.md and .csv)", "ch1.baselines", "the .md path; the .csv goes beside it",
             cmd_table),
            ("curves", "compute data several figures and tables read (JSON)", "ch3.more_data", None, cmd_curves)):
        p = sub.add_parser(verb, help=helptext)
        p.add_argument("name", help=f"{verb} id, e.g. {example}")
        p.add_argument("--out", required=True, help=out_help)
        p.add_argument("--input", action="append", metavar="KEY=PATH")
        if verb == "table":
            p.add_argument("--metrics", default=None, help="JSON of the table's numbers for `check`")
        p.add_argument("--scale", default=None)
        p.set_defaults(func=func)

    p = sub.add_parser("svm", help="fit the book's SVM on the first SIZE training images")
    p.add_argument("--mnist", required=True)
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--out", required=True, help=".npz of predictions on validation and test")
    p.set_defaults(func=cmd_svm)

    p = sub.add_parser("svm-tuned", help="the tuned SVM: C and gamma chosen on validation, fitted on SIZE images")
    p.add_argument("--mnist", required=True)
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--out", required=True, help=".json of the grid, the chosen C and gamma and the test count")
    p.set_defaults(func=cmd_svm_tuned)

    p = sub.add_parser("train", help="train runs of config/experiments and write results/runs/<run>/")
    p.add_argument("run_ids", nargs="+", help="run ids, e.g. ch1.net30.s0")
    p.add_argument("--input", action="append", metavar="KEY=PATH",
                   help="data files, e.g. mnist=resources/mnist/mnist.npz")
    p.add_argument("--results", default="results", help="results directory")
    _add_run_options(p)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("plan", help="the networks a build trains per chapter and the estimated CPU time")
    p.add_argument("chapters", nargs="*", help="chapters (ch1, ch3, ...; default: all)")
    p.add_argument("--config", nargs="*", default=[], metavar="KEY=VALUE", help="config keys, as Snakemake's")
    p.add_argument("--scale", default=None, help="full, quick or ci (default: config)")
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser("check", help="compare results with the stored reference metrics")
    p.add_argument("--scale", default=None)
    p.add_argument("--out", required=True, help="report (.md)")
    p.add_argument("--results", default="results")
    p.add_argument("--input", action="append", metavar="KEY=PATH")
    p.add_argument("--strict", action="store_true", help="exit 1 when anything fails")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("benchmarks", help="tabulate wall time and peak memory of the benchmarked jobs")
    p.add_argument("--dir", default="benchmarks", help="the benchmark files' directory (searched recursively)")
    p.add_argument("--out", required=True, help="per-job table (.md; the .csv goes beside it)")
    p.add_argument("--chapters", required=True, help="per-chapter table (.md; the .csv goes beside it)")
    p.set_defaults(func=cmd_benchmarks)

    p = sub.add_parser("report-captions", help="write the captions of snakemake --report from the registries")
    p.add_argument("group", help="a chapter (ch1, ...), check or benchmarks: whose captions to write")
    p.add_argument("--results", default="results", help="the build's results directory")
    p.add_argument("--out", default=None, help="where the captions go (default results/report/captions/GROUP)")
    p.add_argument("--scale", default=None, help="the build's scale (default: config)")
    p.set_defaults(func=cmd_report_captions)

    p = sub.add_parser("reference", help="store our current metrics as config/reference/<scale>/chN.yaml")
    p.add_argument("--scale", required=True)
    p.add_argument("--results", default="results")
    p.add_argument("--store", action="store_true", help="write the files (default: only say what would change)")
    p.add_argument("--prune", action="store_true", help="drop stored ids that the results no longer have")
    p.set_defaults(func=cmd_reference)
    return ap


def main(argv=None):
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s", stream=sys.stderr)
    try:
        require_valid()   # NNSCI_CPU_TARGET
        args.func(args)
    except NnsciError as e:
        print(f"nnsci {args.verb}: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"nnsci {args.verb}: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Download the four IDX files of a data set (MNIST, Fashion-MNIST) from a list of mirrors,
verified and atomic.

Mirrors serve different gzip bytes for the same data (the local mirror was
recompressed with ``gzip -n -9``), so a file is verified by the sha256 of its
*decompressed* content, which is the same for every mirror. A file is written
to a temporary name in the output directory and renamed into place only once
it is verified: a failed download never leaves a file that looks finished.

Each data set is one row of :data:`DATASETS`: its table of content hashes, the
environment variable naming a mirror to try first (tests and CI point it at a
local mirror), and the config key listing its public mirrors."""

from __future__ import annotations

import gzip
import logging
import os
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

from ..errors import NnsciError
from ..io import atomic_path

log = logging.getLogger("nnsci.data")

# sha256 of the decompressed IDX files (LeCun, Cortes and Burges); they hold for every mirror.
MNIST_SHA256 = {
    "train-images-idx3-ubyte.gz": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte.gz": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

# sha256 of the decompressed IDX files of Fashion-MNIST (Xiao, Rasul and Vollgraf 2017,
# zalandoresearch/fashion-mnist); the same file names and formats as MNIST.
FASHION_MNIST_SHA256 = {
    "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}


@dataclass(frozen=True)
class Source:
    """Where a data set comes from and how its files are checked."""

    label: str           # for messages
    sha256_table: str    # name of this module's {file: sha256} table (looked up when used: tests swap it)
    mirror_env: str      # a mirror (URL or directory) tried before the configured ones
    config_key: str      # the config key listing its mirrors, in order

    @property
    def sha256(self) -> dict:
        return globals()[self.sha256_table]


DATASETS = {
    "mnist": Source("MNIST", "MNIST_SHA256", "NNSCI_MNIST_MIRROR", "mirrors"),
    "fashion-mnist": Source("Fashion-MNIST", "FASHION_MNIST_SHA256", "NNSCI_FASHION_MNIST_MIRROR",
                            "fashion_mnist_mirrors"),
}

MIRROR_ENV = DATASETS["mnist"].mirror_env
URL_SCHEMES = ("http://", "https://", "file://")
CHUNK = 1 << 20


class _ContentError(Exception):
    """The mirror answered, but with the wrong bytes: trying again will not help."""


def source(dataset: str) -> Source:
    """The :data:`DATASETS` row of ``dataset``; a one-line error for an unknown name."""
    try:
        return DATASETS[dataset]
    except KeyError:
        raise NnsciError(f"unknown data set {dataset!r}; choose one of {', '.join(DATASETS)}") from None


def download_mnist(out_dir, mirrors=None, timeout=30.0, retries=2, backoff=0.5) -> list[Path]:
    """Put the four verified MNIST .gz files in ``out_dir``; return their paths.

    ``mirrors`` are tried in order (default: the ``mirrors`` of config/config.yaml),
    after ``$NNSCI_MNIST_MIRROR`` if it is set. A file already in ``out_dir`` with
    the right content is kept and not downloaded again."""
    return download_dataset("mnist", out_dir, mirrors, timeout, retries, backoff)


def download_dataset(dataset, out_dir, mirrors=None, timeout=30.0, retries=2, backoff=0.5) -> list[Path]:
    """Put the four verified .gz files of ``dataset`` (a key of :data:`DATASETS`) in ``out_dir``.

    As :func:`download_mnist`, with the data set's own hashes, environment variable
    (``$NNSCI_FASHION_MNIST_MIRROR`` for Fashion-MNIST) and config key of mirrors."""
    src = source(dataset)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    mirrors = mirror_list(mirrors, dataset)
    paths = []
    for name, expected in src.sha256.items():
        target = out_dir / name
        if target.exists() and _is_verified(target, expected):
            log.info("%s: already present and verified; not downloading", target)
        else:
            fetch_verified(name, expected, target, mirrors, timeout, retries, backoff)
        paths.append(target)
    return paths


def mirror_list(mirrors=None, dataset="mnist") -> list[str]:
    """The mirrors to try, in order: the data set's environment variable
    (``$NNSCI_MNIST_MIRROR``) first, then ``mirrors`` (or the config's), without duplicates."""
    src = source(dataset)
    if mirrors is None:
        from ..config import load_config

        mirrors = load_config()[src.config_key]
    env = os.environ.get(src.mirror_env, "").strip()
    ordered = ([env] if env else []) + [str(m) for m in mirrors]
    return list(dict.fromkeys(ordered))


def fetch_verified(name, expected, target, mirrors, timeout=30.0, retries=2, backoff=0.5) -> None:
    """Fetch ``name`` from the first mirror that serves the right content, into ``target``."""
    failures = []
    for mirror in mirrors:
        try:
            _fetch_with_retries(mirror, name, expected, target, timeout, retries, backoff)
        except (_ContentError, OSError, EOFError, zlib.error) as e:
            reason = _one_line(e)
            log.warning("%s from %s failed: %s", name, mirror, reason)
            failures.append(f"{mirror} ({reason})")
            continue
        log.info("%s: downloaded from %s and verified (%d bytes)", target, mirror, target.stat().st_size)
        return
    tried = "; ".join(failures) if failures else "no mirrors given"
    raise NnsciError(f"{target}: could not download {name} from any mirror: {tried}")


def _fetch_with_retries(mirror, name, expected, target, timeout, retries, backoff) -> None:
    """Try one mirror up to ``1 + retries`` times; content errors are not retried."""
    for attempt in range(retries + 1):
        try:
            with atomic_path(target) as tmp:
                _copy_from_mirror(mirror, name, tmp, timeout)
                got = gz_content_sha256(tmp, name)
                if got != expected:
                    raise _ContentError(f"checksum mismatch for {name}: sha256 of the decompressed "
                                        f"content is {got}, expected {expected}")
            return
        except (_ContentError, FileNotFoundError, IsADirectoryError):
            raise
        except urllib.error.HTTPError as e:
            if e.code < 500 or attempt == retries:
                raise
        except urllib.error.URLError as e:
            if isinstance(e.reason, FileNotFoundError) or attempt == retries:
                raise
        except OSError:
            if attempt == retries:
                raise
        log.info("%s from %s: attempt %d failed; retrying", name, mirror, attempt + 1)
        time.sleep(backoff * 2**attempt)


def _copy_from_mirror(mirror, name, dest, timeout) -> None:
    """Stream ``name`` from ``mirror`` (a URL or a directory) into the file ``dest``."""
    if mirror.startswith(URL_SCHEMES):
        url = urllib.parse.urljoin(mirror.rstrip("/") + "/", name)
        with urllib.request.urlopen(url, timeout=timeout) as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out, CHUNK)
    else:
        with open(Path(mirror) / name, "rb") as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out, CHUNK)


def gz_content_sha256(path, name=None) -> str:
    """sha256 of what the gzip file ``path`` decompresses to."""
    import hashlib

    h = hashlib.sha256()
    try:
        with gzip.open(path, "rb") as f:
            while block := f.read(CHUNK):
                h.update(block)
    except (gzip.BadGzipFile, EOFError, zlib.error) as e:
        raise _ContentError(f"{name or path} is not a valid gzip file ({_one_line(e)})") from None
    return h.hexdigest()


def _is_verified(path, expected) -> bool:
    try:
        if gz_content_sha256(path) == expected:
            return True
    except _ContentError:
        pass
    log.warning("%s: present but its content is not the expected one; downloading again", path)
    return False


def _one_line(e: BaseException) -> str:
    text = str(e) or type(e).__name__
    if isinstance(e, urllib.error.URLError) and not isinstance(e, urllib.error.HTTPError):
        text = str(e.reason) or text
    return " ".join(text.split())

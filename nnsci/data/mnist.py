"""MNIST in the book's split, stored as one npz of uint8 arrays; Fashion-MNIST, a drop-in
replacement (the same IDX files, sizes and classes 0-9), in the same split.

The book's ``mnist.pkl.gz`` holds training = the first 50,000 official
training images in file order, validation = the last 10,000, test = the
official t10k set. We rebuild exactly that from the canonical IDX files and
keep the pixels as the bytes 0-255; :func:`to_float` turns them into the
book's floats."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from ..errors import NnsciError
from ..io import save_npz
from .idx import read_images, read_labels

N_TRAINING = 50_000
N_OFFICIAL_TRAINING = 60_000
N_TEST = 10_000
PIXELS = 784
SPLITS = ("training", "validation", "test")
KEYS = tuple(f"{s}_{xy}" for s in SPLITS for xy in ("x", "y"))
N_CLASSES = 10
# What labels 0-9 name, per data set (Fashion-MNIST: zalandoresearch/fashion-mnist's README).
CLASS_NAMES = {
    "mnist": tuple(str(d) for d in range(10)),
    "fashion-mnist": ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                      "Bag", "Ankle boot"),
}


def read_official(raw_dir, prefix) -> tuple[np.ndarray, np.ndarray]:
    """Images (n, 784) and labels (n,) of the official ``train`` or ``t10k`` set."""
    raw_dir = Path(raw_dir)
    images_path = raw_dir / f"{prefix}-images-idx3-ubyte.gz"
    labels_path = raw_dir / f"{prefix}-labels-idx1-ubyte.gz"
    images = read_images(images_path)
    labels = read_labels(labels_path)
    if len(images) != len(labels):
        raise NnsciError(f"{images_path}: {len(images)} images but {labels_path.name} "
                         f"has {len(labels)} labels")
    return images.reshape(len(images), PIXELS), labels


def book_split(train_x, train_y, test_x, test_y) -> dict:
    """The book's split of the official sets: training, validation and test."""
    return {
        "training_x": train_x[:N_TRAINING], "training_y": train_y[:N_TRAINING],
        "validation_x": train_x[N_TRAINING:], "validation_y": train_y[N_TRAINING:],
        "test_x": test_x, "test_y": test_y,
    }


def prepare_mnist(raw_dir, out_npz) -> None:
    """Parse the four IDX files in ``raw_dir`` and write the book's split to ``out_npz``
    (MNIST's, or Fashion-MNIST's: the same files, the same split)."""
    train_x, train_y = read_official(raw_dir, "train")
    test_x, test_y = read_official(raw_dir, "t10k")
    if len(train_x) != N_OFFICIAL_TRAINING:
        raise NnsciError(f"{Path(raw_dir) / 'train-images-idx3-ubyte.gz'}: {len(train_x)} "
                         f"training images, expected {N_OFFICIAL_TRAINING}")
    if len(test_x) != N_TEST:
        raise NnsciError(f"{Path(raw_dir) / 't10k-images-idx3-ubyte.gz'}: {len(test_x)} "
                         f"test images, expected {N_TEST}")
    save_npz(out_npz, **book_split(train_x, train_y, test_x, test_y))


def load_mnist(path) -> dict:
    """The six uint8 arrays of a prepared MNIST npz, checked: ``training_x`` (n, 784),
    ``training_y`` (n,), and the same for ``validation`` and ``test``."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = [k for k in KEYS if k not in f.files]
            if missing:
                raise NnsciError(f"{path}: missing array(s) {', '.join(missing)}; "
                                 f"expected {', '.join(KEYS)}")
            data = {k: f[k] for k in KEYS}
    except FileNotFoundError:
        raise NnsciError(f"{path}: file not found (build it with `nnsci prepare-mnist`, "
                         f"after `nnsci download-mnist [--dataset fashion-mnist]`)") from None
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
        raise NnsciError(f"{path}: not a readable npz file ({e})") from None
    for split in SPLITS:
        x, y = data[f"{split}_x"], data[f"{split}_y"]
        if x.dtype != np.uint8 or y.dtype != np.uint8:
            raise NnsciError(f"{path}: {split} arrays are {x.dtype}/{y.dtype}, expected uint8")
        if x.ndim != 2 or x.shape[1] != PIXELS or y.shape != (len(x),):
            raise NnsciError(f"{path}: {split} shapes {x.shape} and {y.shape}, "
                             f"expected (n, {PIXELS}) and (n,)")
    return data


def to_float(x, dtype=np.float32) -> np.ndarray:
    """Pixels as the book's floats: ``x / 256``.

    The book's ``mnist.pkl.gz`` stores byte k as k/256, so its brightest pixel
    is 255/256 = 0.99609375, not 1. The book's stored results (costs from the
    first epoch on) match only with k/256, so we keep it
    (docs/fidelity.md, "Data: the split and pixel/256").
    Division by a power of two is exact in every float type."""
    dtype = np.dtype(dtype)
    return np.asarray(x, dtype=dtype) / dtype.type(256)

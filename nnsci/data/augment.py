"""Data augmentation: chapter 6's one-pixel shifts and chapter 3's rotation.

Images are 28x28 arrays indexed ``[row, column]``, row 0 at the top, as
matplotlib's ``matshow`` draws them."""

from __future__ import annotations

import numpy as np

from ..config import run_seed_sequence
from ..io import save_npz
from .mnist import load_mnist

SIDE = 28


def shifts(images) -> np.ndarray:
    """Each image followed by its four one-pixel shifts, in the book's order.

    ``images`` is (n, 784) or (n, 28, 28); the result is (5n, 784) ordered
    [original, down, up, right, left] per image, as expand_mnist.py builds it
    with ``np.roll`` and zeroes the row or column that wrapped round."""
    images = np.asarray(images)
    n = len(images)
    img = images.reshape(n, SIDE, SIDE)
    out = np.zeros((n, 5, SIDE, SIDE), dtype=images.dtype)
    out[:, 0] = img
    out[:, 1, 1:, :] = img[:, :-1, :]  # down: row r moves to r+1, row 0 is zero
    out[:, 2, :-1, :] = img[:, 1:, :]  # up: row r moves to r-1, row 27 is zero
    out[:, 3, :, 1:] = img[:, :, :-1]  # right: column c moves to c+1, column 0 is zero
    out[:, 4, :, :-1] = img[:, :, 1:]  # left: column c moves to c-1, column 27 is zero
    return out.reshape(5 * n, SIDE * SIDE)


def expand(images, labels, seed) -> tuple[np.ndarray, np.ndarray]:
    """Chapter 6's expanded training set: :func:`shifts` of every image, shuffled.

    For MNIST's 50,000 training images that is 250,000 images. expand_mnist.py
    shuffled the list once with Python's *unseeded* ``random.shuffle``, so the
    book's order cannot be reproduced; we shuffle with a numpy Generator seeded
    by ``seed`` (an int or a SeedSequence), so our order is reproducible. The
    order matters: network3.py never reshuffles, so this one permutation is
    the only order the chapter 6 nets see."""
    x = shifts(images)
    y = np.repeat(np.asarray(labels), 5)
    order = np.random.default_rng(seed).permutation(len(x))
    return x[order], y[order]


def expand_mnist_file(mnist_npz, out_npz, seed) -> None:
    """Write chapter 6's expanded training set (``training_x``, ``training_y``).

    The shuffle's seed derives from the root ``seed`` and the id
    ``data.expand_mnist``, like a run's seed, so it is independent of every run."""
    data = load_mnist(mnist_npz)
    x, y = expand(data["training_x"], data["training_y"], run_seed_sequence(seed, "data.expand_mnist"))
    save_npz(out_npz, training_x=x, training_y=y)


def rotate(image, degrees, centre=(13.5, 13.5)) -> np.ndarray:
    """``image`` (28x28) rotated by ``degrees`` anticlockwise as displayed, bilinear.

    Anticlockwise as seen with row 0 at the top, so ``rotate(a, 90)`` equals
    ``np.rot90(a)``. The method is the book's (fig/mnist.py
    ``plot_rotated_image``, figure 3.24): for each output pixel, rotate its
    position back by ``degrees`` about ``centre`` (row, column) and interpolate
    bilinearly between the four pixels around that point; pixels outside the
    image count as zero. The book rotated about (row 14, column 13) rather
    than the centre (13.5, 13.5) and multiplied by a "fudge factor" of 1.3;
    pass ``centre=(14, 13)`` and scale the result to replicate its figure
    exactly. (The book blanked an output pixel when any of its four neighbours
    fell outside; that differs from zero fill only at the border, where
    MNIST's digits have none.) Returns floats (the input's float type, or
    float64)."""
    image = np.asarray(image)
    dtype = image.dtype if np.issubdtype(image.dtype, np.floating) else np.float64
    src = image.astype(np.float64)
    rows, cols = src.shape
    theta = np.deg2rad(degrees)
    c, s = np.cos(theta), np.sin(theta)
    j, k = np.mgrid[0:rows, 0:cols].astype(np.float64)
    # Cartesian coordinates (x right, y up) of each output pixel about the centre.
    x, y = k - centre[1], centre[0] - j
    # Rotate back by theta to find where the output pixel comes from.
    x1 = c * x + s * y
    y1 = -s * x + c * y
    return _bilinear(src, centre[0] - y1, centre[1] + x1).astype(dtype)


def _bilinear(src, r, q) -> np.ndarray:
    """``src`` sampled at fractional (row, column) positions; zero outside."""
    r0, q0 = np.floor(r), np.floor(q)
    dr, dq = r - r0, q - q0
    r0, q0 = r0.astype(np.int64), q0.astype(np.int64)
    padded = np.pad(src, 1)

    def at(rr, qq):
        inside = (rr >= 0) & (rr < src.shape[0]) & (qq >= 0) & (qq < src.shape[1])
        return np.where(inside, padded[np.clip(rr + 1, 0, src.shape[0] + 1),
                                       np.clip(qq + 1, 0, src.shape[1] + 1)], 0.0)

    return ((1 - dr) * (1 - dq) * at(r0, q0) + (1 - dr) * dq * at(r0, q0 + 1)
            + dr * (1 - dq) * at(r0 + 1, q0) + dr * dq * at(r0 + 1, q0 + 1))

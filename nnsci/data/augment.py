"""Data augmentation: chapter 6's one-pixel shifts and chapter 3's rotation, and both drawn
afresh every epoch during training (:class:`OnTheFly`, one of chapter 6's problems).

Images are 28x28 arrays indexed ``[row, column]``, row 0 at the top, as
matplotlib's ``matshow`` draws them."""

from __future__ import annotations

import math

import numpy as np

from ..config import run_seed_sequence
from ..errors import NnsciError
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
    for k, (rows, cols) in enumerate([(1, 0), (-1, 0), (0, 1), (0, -1)], start=1):  # down, up, right, left
        _shift_into(out[:, k], img, rows, cols)
    return out.reshape(5 * n, SIDE * SIDE)


def _span(d, side=SIDE) -> tuple[slice, slice]:
    """(destination, source) slices of one axis moved by ``d`` pixels (down or right for d > 0)."""
    if d > 0:
        return slice(d, None), slice(None, side - d)
    if d < 0:
        return slice(None, side + d), slice(-d, None)
    return slice(None), slice(None)


def _shift_into(out, img, rows, cols) -> None:
    """``out[...] = img`` moved ``rows`` pixels down and ``cols`` right (negative: up, left) over
    the last two axes; ``out`` is zero where nothing moves in (what moves out is lost)."""
    (r_dst, r_src), (c_dst, c_src) = _span(rows), _span(cols)
    out[..., r_dst, c_dst] = img[..., r_src, c_src]


def shift_each(images, rows, cols) -> np.ndarray:
    """Each image of ``images`` (n, 28, 28) moved ``rows[i]`` pixels down and ``cols[i]`` right
    (negative: up, left), zero fill: :func:`shifts`' moves, by any amount per image."""
    images = np.asarray(images)
    rows, cols = np.asarray(rows), np.asarray(cols)
    out = np.zeros_like(images)
    for dr in np.unique(rows):
        for dc in np.unique(cols):
            which = np.flatnonzero((rows == dr) & (cols == dc))
            if len(which):
                moved = np.zeros_like(images[which])
                _shift_into(moved, images[which], int(dr), int(dc))
                out[which] = moved
    return out


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


def expand_mnist_file(mnist_npz, out_npz, seed, dataset="mnist") -> None:
    """Write chapter 6's expanded training set (``training_x``, ``training_y``).

    The shuffle's seed derives from the root ``seed`` and the id
    ``data.expand_mnist`` (``data.expand_fashion-mnist`` for Fashion-MNIST), like a
    run's seed, so it is independent of every run."""
    data = load_mnist(mnist_npz)
    seed_id = "data.expand_mnist" if dataset == "mnist" else f"data.expand_{dataset}"
    x, y = expand(data["training_x"], data["training_y"], run_seed_sequence(seed, seed_id))
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


def rotate_each(images, degrees, centre=(13.5, 13.5)) -> np.ndarray:
    """Each image of ``images`` (n, 28, 28) rotated by ``degrees[i]`` anticlockwise: :func:`rotate`'s
    method for many images at once (float64). The sines and cosines come from Python's ``math``
    (the C library), not numpy's vector loops, whose last bits differ between CPUs."""
    src = np.asarray(images, dtype=np.float64)
    n, rows, cols = src.shape
    theta = [math.radians(float(d)) for d in np.asarray(degrees).reshape(n)]
    c = np.array([math.cos(t) for t in theta]).reshape(n, 1, 1)
    s = np.array([math.sin(t) for t in theta]).reshape(n, 1, 1)
    j, k = np.mgrid[0:rows, 0:cols].astype(np.float64)
    x, y = k - centre[1], centre[0] - j
    x1 = c * x + s * y
    y1 = -s * x + c * y
    return _bilinear(src, centre[0] - y1, centre[1] + x1)


def _bilinear(src, r, q) -> np.ndarray:
    """``src`` (rows, cols), or a stack (n, rows, cols), sampled at fractional (row, column)
    positions (of ``src``'s shape); zero outside. The image is padded with enough zeros that every
    position's four neighbours are pixels of the padded image: outside means zero."""
    rows, cols = src.shape[-2:]
    r0, q0 = np.floor(r), np.floor(q)
    dr, dq = r - r0, q - q0
    r0, q0 = r0.astype(np.int64), q0.astype(np.int64)
    m = max(0, -int(min(r0.min(), q0.min())), int(max(r0.max() + 2 - rows, q0.max() + 2 - cols)))
    flat = np.pad(src, [(0, 0)] * (src.ndim - 2) + [(m, m), (m, m)]).reshape(-1)
    width = cols + 2 * m
    first = np.arange(len(src)).reshape(-1, 1, 1) * ((rows + 2 * m) * width) if src.ndim == 3 else 0
    at = first + (r0 + m) * width + (q0 + m)   # flat index of each position's top-left neighbour

    return ((1 - dr) * (1 - dq) * flat.take(at) + (1 - dr) * dq * flat.take(at + 1)
            + dr * (1 - dq) * flat.take(at + width) + dr * dq * flat.take(at + width + 1))


# The run's SeedSequence gives OurStreams its children 0-2 (initial weights, batch order, dropout);
# augmentation draws from child 3, and from that child's child ``epoch`` in each epoch.
AUGMENT_CHILD = 3


class OnTheFly:
    """``Options.augment`` of a run: each epoch's training inputs, every image rotated by an angle
    drawn uniformly from [-rotate, rotate] degrees (:func:`rotate_each`, about the image's centre,
    bilinear) and then moved by whole pixels drawn uniformly from -shift..shift down and right
    (:func:`shift_each`, zero fill), a fresh draw each epoch, with no expanded set in memory or on
    disk: the labels and the order of the examples are the training set's.

    The draws of epoch ``e`` come from a generator seeded by the run's SeedSequence and ``e``
    alone (:func:`epoch_generator`), not from a stream that runs on: the same seed gives the same
    bytes, and a run resumed from a checkpoint draws what it would have drawn."""

    def __init__(self, x, seed_sequence, shift=2, rotate=15.0, chunk=256):
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != SIDE * SIDE:
            raise NnsciError(f"augmentation needs 28x28 images as rows of {SIDE * SIDE}, got {x.shape}")
        self.x, self.shift, self.rotate, self.chunk = x, int(shift), float(rotate), int(chunk)
        self.entropy, self.spawn_key = seed_sequence.entropy, tuple(seed_sequence.spawn_key)

    def epoch_generator(self, epoch) -> np.random.Generator:
        seq = np.random.SeedSequence(self.entropy, spawn_key=(*self.spawn_key, AUGMENT_CHILD, int(epoch)))
        return np.random.Generator(np.random.PCG64(seq))

    def draws(self, epoch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(degrees, rows down, columns right) of every image in ``epoch``."""
        n = len(self.x)
        rng = self.epoch_generator(epoch)
        degrees = rng.uniform(-self.rotate, self.rotate, n) if self.rotate else np.zeros(n)
        rows = rng.integers(-self.shift, self.shift, n, endpoint=True) if self.shift else np.zeros(n, np.int64)
        cols = rng.integers(-self.shift, self.shift, n, endpoint=True) if self.shift else np.zeros(n, np.int64)
        return degrees, rows, cols

    def __call__(self, epoch) -> np.ndarray:
        """The training inputs of ``epoch``: an array like the training set's ``x``."""
        degrees, rows, cols = self.draws(epoch)
        out = np.empty_like(self.x)
        for a in range(0, len(self.x), self.chunk):
            b = min(a + self.chunk, len(self.x))
            images = self.x[a:b].reshape(b - a, SIDE, SIDE)
            if self.rotate:
                images = rotate_each(images, degrees[a:b]).astype(self.x.dtype)
            if self.shift:
                images = shift_each(images, rows[a:b], cols[a:b])
            out[a:b] = images.reshape(b - a, SIDE * SIDE)
        return out


def on_the_fly(spec, x, seed_sequence) -> OnTheFly | None:
    """The run spec's ``options: {augment: {shift, rotate}}`` for training inputs ``x``, or None."""
    aug = (spec.get("options") or {}).get("augment")
    if not aug:
        return None
    return OnTheFly(x, seed_sequence, shift=aug.get("shift", 0), rotate=aug.get("rotate", 0.0))

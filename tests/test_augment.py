"""Chapter 6's one-pixel shifts and chapter 3's rotation."""

from __future__ import annotations

import numpy as np

from nnsci.data.augment import expand, expand_mnist_file, rotate, shifts
from nnsci.data.mnist import KEYS


def book_shifts(image):
    """expand_mnist.py's four shifts, written the book's way (np.roll, then zero the wrapped line)."""
    out = []
    for d, axis, index in [(1, 0, 0), (-1, 0, 27), (1, 1, 0), (-1, 1, 27)]:
        s = np.roll(image, d, axis)
        if axis == 0:
            s[index, :] = 0
        else:
            s[:, index] = 0
        out.append(s)
    return out


def test_shift_directions_and_zero_fill():
    image = np.zeros((28, 28), np.uint8)
    image[5, 7] = 200
    image[0, 0] = image[27, 27] = 9  # corners: wrapped round by np.roll, must be zeroed
    orig, down, up, right, left = shifts(image[None]).reshape(5, 28, 28)
    np.testing.assert_array_equal(orig, image)
    assert down[6, 7] == up[4, 7] == right[5, 8] == left[5, 6] == 200
    assert down[1, 0] == 9 and down[0, 27] == 0 and down.sum() == 200 + 9  # row 27 fell off
    assert up[26, 27] == 9 and up.sum() == 200 + 9
    assert right[0, 1] == 9 and right.sum() == 200 + 9
    assert left[27, 26] == 9 and left.sum() == 200 + 9
    ones = np.ones((1, 28, 28), np.uint8)
    down, up, right, left = shifts(ones).reshape(5, 28, 28)[1:]
    assert (down[0] == 0).all() and (down[1:] == 1).all()
    assert (up[27] == 0).all() and (up[:27] == 1).all()
    assert (right[:, 0] == 0).all() and (right[:, 1:] == 1).all()
    assert (left[:, 27] == 0).all() and (left[:, :27] == 1).all()


def test_shifts_match_expand_mnist_py_order():
    images = np.random.default_rng(1).integers(0, 256, (3, 784), dtype=np.uint8)
    got = shifts(images).reshape(3, 5, 28, 28)
    for i, flat in enumerate(images):
        image = flat.reshape(28, 28)
        for j, expected in enumerate([image] + book_shifts(image.copy())):
            np.testing.assert_array_equal(got[i, j], expected)


def test_expand_is_five_times_with_every_original_and_its_shifts():
    rng = np.random.default_rng(2)
    images = rng.integers(0, 256, (7, 784), dtype=np.uint8)
    labels = np.arange(7, dtype=np.uint8)
    x, y = expand(images, labels, seed=5)
    assert x.shape == (35, 784) and y.shape == (35,) and x.dtype == np.uint8
    rows = {row.tobytes(): label for row, label in zip(x, y)}
    assert len(rows) == 35
    for image, label in zip(images, labels):
        image = image.reshape(28, 28)
        for version in [image] + book_shifts(image.copy()):
            assert rows[version.tobytes()] == label
    assert not np.array_equal(x, shifts(images))  # shuffled


def test_expand_is_deterministic_by_seed():
    images = np.random.default_rng(3).integers(0, 256, (20, 784), dtype=np.uint8)
    labels = np.arange(20, dtype=np.uint8) % 10
    a, b, c = expand(images, labels, 1), expand(images, labels, 1), expand(images, labels, 2)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_expand_mnist_file(tmp_path):
    rng = np.random.default_rng(4)
    arrays = {k: rng.integers(0, 256, (4, 784) if k.endswith("_x") else (4,)).astype(np.uint8)
              for k in KEYS}
    arrays.update({k: v % 10 for k, v in arrays.items() if k.endswith("_y")})
    np.savez(tmp_path / "mnist.npz", **arrays)
    expand_mnist_file(tmp_path / "mnist.npz", tmp_path / "expanded.npz", seed=7)
    with np.load(tmp_path / "expanded.npz") as f:
        assert sorted(f.files) == ["training_x", "training_y"]
        assert f["training_x"].shape == (20, 784) and f["training_y"].shape == (20,)
        assert np.bincount(f["training_y"], minlength=10).tolist() == \
            (5 * np.bincount(arrays["training_y"], minlength=10)).tolist()


def test_rotate_zero_is_identity_and_90_is_rot90():
    image = np.random.default_rng(5).random((28, 28))
    np.testing.assert_array_equal(rotate(image, 0), image)
    np.testing.assert_allclose(rotate(image, 90), np.rot90(image), atol=1e-12)  # anticlockwise
    np.testing.assert_allclose(rotate(image, -90), np.rot90(image, -1), atol=1e-12)
    np.testing.assert_allclose(rotate(image, 180), np.rot90(image, 2), atol=1e-12)
    assert rotate(image.astype(np.float32), 15).dtype == np.float32


def book_rotation(image, degrees):
    """fig/mnist.py's plot_rotated_image loop (without its 1.3 fudge factor)."""
    rot = np.zeros((28, 28))
    theta = degrees * np.pi / 180
    for j in range(28):
        for k in range(28):
            x, y = k - 13, -j + 14
            x1 = np.cos(theta) * x + np.sin(theta) * y
            y1 = -np.sin(theta) * x + np.cos(theta) * y
            x2, y2 = np.floor(x1), np.floor(y1)
            dx, dy = x1 - x2, y1 - y2
            if x2 < -13 or x2 > 13 or y2 < -13 or y2 > 13:
                continue

            def at(xx, yy):
                return image[int(-yy + 14), int(xx + 13)]

            rot[j, k] = ((1 - dx) * (1 - dy) * at(x2, y2) + (1 - dx) * dy * at(x2, y2 + 1)
                         + dx * (1 - dy) * at(x2 + 1, y2) + dx * dy * at(x2 + 1, y2 + 1))
    return rot


def test_rotate_matches_the_books_method_about_its_centre():
    image = np.zeros((28, 28))
    image[4:24, 4:24] = np.random.default_rng(6).random((20, 20))  # MNIST-like empty border
    np.testing.assert_allclose(rotate(image, 15, centre=(14, 13)), book_rotation(image, 15), atol=1e-12)

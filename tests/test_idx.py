"""IDX parsing and the book's split: malformed files give clear errors, the real files the book's arrays."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from nnsci.data.idx import parse_idx, read_images, read_labels
from nnsci.data.mnist import KEYS, load_mnist, prepare_mnist, to_float
from nnsci.errors import NnsciError


def images_bytes(n, rows=28, cols=28, magic=0x803):
    return struct.pack(">IIII", magic, n, rows, cols) + bytes(range(256)) * (n * rows * cols // 256) \
        + bytes(n * rows * cols % 256)


def labels_bytes(labels, magic=0x801):
    return struct.pack(">II", magic, len(labels)) + bytes(labels)


def write_gz(path, data):
    path.write_bytes(gzip.compress(data, mtime=0))
    return path


def test_crafted_images_and_labels_parse(tmp_path):
    x = read_images(write_gz(tmp_path / "i.gz", images_bytes(2)))
    assert x.shape == (2, 28, 28) and x.dtype == np.uint8
    assert x.reshape(-1)[:256].tolist() == list(range(256))  # row-major, header skipped
    y = read_labels(write_gz(tmp_path / "l.gz", labels_bytes([3, 1, 4])))
    assert y.tolist() == [3, 1, 4]
    # Raw (not gzipped) files parse too.
    (tmp_path / "raw").write_bytes(labels_bytes([9, 0]))
    assert read_labels(tmp_path / "raw").tolist() == [9, 0]


def test_bad_magic(tmp_path):
    path = write_gz(tmp_path / "labels.gz", labels_bytes([1, 2], magic=0x803))
    with pytest.raises(NnsciError, match=r"labels\.gz: bad magic number 0x00000803, expected 0x00000801"):
        read_labels(path)
    with pytest.raises(NnsciError, match="bad magic number"):
        parse_idx(b"\x12\x34\x08\x01" + b"\x00" * 8)


def test_wrong_dimensions(tmp_path):
    path = write_gz(tmp_path / "images.gz", images_bytes(2, rows=27))
    with pytest.raises(NnsciError, match=r"images\.gz: images are 27x28, expected 28x28"):
        read_images(path)


def test_truncated_payload(tmp_path):
    path = write_gz(tmp_path / "images.gz", images_bytes(3)[:-1])
    with pytest.raises(NnsciError, match=r"images\.gz: truncated payload: 2351 bytes, dimensions 3x28x28 need 2352"):
        read_images(path)
    with pytest.raises(NnsciError, match="truncated header"):
        parse_idx(struct.pack(">II", 0x803, 3))


def test_trailing_bytes(tmp_path):
    path = write_gz(tmp_path / "labels.gz", labels_bytes([1, 2]) + b"\x00\x00")
    with pytest.raises(NnsciError, match=r"labels\.gz: 2 trailing bytes"):
        read_labels(path)


def test_label_out_of_range_and_bad_gzip(tmp_path):
    with pytest.raises(NnsciError, match="label 10 is not a digit"):
        read_labels(write_gz(tmp_path / "l.gz", labels_bytes([1, 10])))
    data = gzip.compress(labels_bytes([1, 2] * 100))
    (tmp_path / "cut.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(NnsciError, match=r"cut\.gz: not a valid gzip file"):
        read_labels(tmp_path / "cut.gz")


def test_count_mismatch(tmp_path):
    write_gz(tmp_path / "train-images-idx3-ubyte.gz", images_bytes(3))
    write_gz(tmp_path / "train-labels-idx1-ubyte.gz", labels_bytes([1, 2]))
    write_gz(tmp_path / "t10k-images-idx3-ubyte.gz", images_bytes(2))
    write_gz(tmp_path / "t10k-labels-idx1-ubyte.gz", labels_bytes([1, 2]))
    out = tmp_path / "mnist.npz"
    with pytest.raises(NnsciError, match="3 images but train-labels-idx1-ubyte.gz has 2 labels"):
        prepare_mnist(tmp_path, out)
    assert not out.exists()


def test_load_mnist_errors(tmp_path):
    with pytest.raises(NnsciError, match="file not found"):
        load_mnist(tmp_path / "absent.npz")
    (tmp_path / "junk.npz").write_bytes(b"not an npz")
    with pytest.raises(NnsciError, match=r"junk\.npz: not a readable npz"):
        load_mnist(tmp_path / "junk.npz")
    np.savez(tmp_path / "partial.npz", training_x=np.zeros((2, 784), np.uint8))
    with pytest.raises(NnsciError, match=r"partial\.npz: missing array\(s\) training_y"):
        load_mnist(tmp_path / "partial.npz")
    arrays = {k: np.zeros((2, 784) if k.endswith("_x") else (2,), np.uint8) for k in KEYS}
    arrays["test_x"] = np.zeros((2, 28, 28), np.uint8)
    np.savez(tmp_path / "shape.npz", **arrays)
    with pytest.raises(NnsciError, match="test shapes"):
        load_mnist(tmp_path / "shape.npz")


def test_to_float_is_k_over_256():
    x = np.array([[0, 1, 128, 255]], dtype=np.uint8)
    f = to_float(x)
    assert f.dtype == np.float32
    assert f.tolist() == [[0.0, 1 / 256, 0.5, 0.99609375]]
    assert to_float(x, np.float64).dtype == np.float64


def official(mirror_dir, name, header, offset, size):
    """``size`` bytes at record ``offset`` of an official file, read independently of nnsci."""
    with gzip.open(mirror_dir / name, "rb") as f:
        data = f.read()
    return np.frombuffer(data[header + offset * size: header + (offset + 1) * size], np.uint8)


def test_real_files_give_the_books_split(mnist_npz, mirror_dir):
    d = load_mnist(mnist_npz)
    assert set(d) == set(KEYS)
    assert d["training_x"].shape == (50000, 784) and d["training_y"].shape == (50000,)
    assert d["validation_x"].shape == (10000, 784) and d["test_x"].shape == (10000, 784)
    assert all(v.dtype == np.uint8 for v in d.values())
    # The book: training images 0-5 are "504192"; test labels start 7, 2, 1.
    assert d["training_y"][:6].tolist() == [5, 0, 4, 1, 9, 2]
    assert d["test_y"][:3].tolist() == [7, 2, 1]
    # Validation starts at official training image 50000.
    assert d["validation_y"][0] == official(mirror_dir, "train-labels-idx1-ubyte.gz", 8, 50000, 1)[0]
    np.testing.assert_array_equal(
        d["validation_x"][0], official(mirror_dir, "train-images-idx3-ubyte.gz", 16, 50000, 784))
    np.testing.assert_array_equal(
        d["training_x"][49999], official(mirror_dir, "train-images-idx3-ubyte.gz", 16, 49999, 784))
    np.testing.assert_array_equal(
        d["test_x"][9999], official(mirror_dir, "t10k-images-idx3-ubyte.gz", 16, 9999, 784))
    assert d["training_x"].max() == 255
    with np.load(mnist_npz) as f:
        assert sorted(f.files) == sorted(KEYS)

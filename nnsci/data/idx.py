"""Parse IDX files (the MNIST format), gzip-compressed or raw, with validation.

An IDX file is a 4-byte magic number ``00 00 <type> <ndim>``, then ``ndim``
big-endian uint32 dimensions, then the payload, row-major. MNIST uses type
0x08 (unsigned byte): images have magic 0x00000803 (count, rows, columns) and
labels 0x00000801 (count). Every way a file can be wrong (a download cut
short, the wrong file under a name) ends in an :class:`NnsciError` naming the
file and the problem, never in a silently short array."""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from ..errors import NnsciError

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801
IMAGE_SHAPE = (28, 28)
GZIP_MAGIC = b"\x1f\x8b"


def read_bytes(path) -> bytes:
    """The IDX bytes of ``path``, decompressed if it is a gzip file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NnsciError(f"{path}: file not found") from None
    if data[:2] == GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (gzip.BadGzipFile, EOFError, zlib.error) as e:
            raise NnsciError(f"{path}: not a valid gzip file ({e})") from None
    return data


def parse_idx(data: bytes, source="<bytes>", magic=None) -> np.ndarray:
    """The uint8 array held by the IDX bytes ``data``; ``magic``, if given, must match."""
    if len(data) < 4:
        raise NnsciError(f"{source}: too short for an IDX header ({len(data)} bytes)")
    (found,) = struct.unpack(">I", data[:4])
    if magic is not None and found != magic:
        raise NnsciError(f"{source}: bad magic number 0x{found:08x}, expected 0x{magic:08x}")
    if found >> 16 != 0 or (found >> 8) & 0xFF != 0x08:
        raise NnsciError(f"{source}: bad magic number 0x{found:08x} (not an unsigned-byte IDX file)")
    ndim = found & 0xFF
    header = 4 + 4 * ndim
    if ndim == 0 or len(data) < header:
        raise NnsciError(f"{source}: truncated header ({len(data)} bytes for {ndim} dimensions)")
    dims = struct.unpack(f">{ndim}I", data[4:header])
    expected = int(np.prod(dims, dtype=np.int64))
    payload = len(data) - header
    if payload < expected:
        raise NnsciError(f"{source}: truncated payload: {payload} bytes, dimensions "
                         f"{'x'.join(map(str, dims))} need {expected}")
    if payload > expected:
        raise NnsciError(f"{source}: {payload - expected} trailing bytes after the "
                         f"{'x'.join(map(str, dims))} payload")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims).copy()


def read_images(path) -> np.ndarray:
    """The images of an IDX image file, shape (count, 28, 28), uint8."""
    images = parse_idx(read_bytes(path), source=str(path), magic=IMAGES_MAGIC)
    if images.shape[1:] != IMAGE_SHAPE:
        raise NnsciError(f"{path}: images are {images.shape[1]}x{images.shape[2]}, expected 28x28")
    return images


def read_labels(path) -> np.ndarray:
    """The labels of an IDX label file, shape (count,), uint8 digits 0-9."""
    labels = parse_idx(read_bytes(path), source=str(path), magic=LABELS_MAGIC)
    if labels.size and labels.max() > 9:
        raise NnsciError(f"{path}: label {int(labels.max())} is not a digit 0-9")
    return labels

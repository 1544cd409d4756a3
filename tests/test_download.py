"""download_mnist: real downloads from mirrors the tests start, checksums, atomicity.

Most tests serve four small crafted IDX files (and swap the expected-hash
table for theirs) so a download takes milliseconds; one test fetches the real
files from the local mirror with the real hashes."""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import logging
import socket
import struct
import threading

import pytest

from nnsci.data import download
from nnsci.data.download import download_mnist, mirror_list
from nnsci.errors import NnsciError

NAMES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
FAST = dict(retries=1, backoff=0.0, timeout=5.0)


def idx_images(n, seed):
    return struct.pack(">IIII", 0x803, n, 28, 28) + bytes((seed + i) % 256 for i in range(n * 784))


def idx_labels(n, seed):
    return struct.pack(">II", 0x801, n) + bytes((seed + i) % 10 for i in range(n))


CONTENT = {
    "train-images-idx3-ubyte.gz": idx_images(3, 1),
    "train-labels-idx1-ubyte.gz": idx_labels(3, 2),
    "t10k-images-idx3-ubyte.gz": idx_images(2, 3),
    "t10k-labels-idx1-ubyte.gz": idx_labels(2, 4),
}


@pytest.fixture(autouse=True)
def no_env_mirror(monkeypatch):
    monkeypatch.delenv("NNSCI_MNIST_MIRROR", raising=False)


@pytest.fixture
def crafted(tmp_path, monkeypatch):
    """A directory mirror of four small IDX .gz files; the hash table expects them."""
    d = tmp_path / "mirror"
    d.mkdir()
    for name, raw in CONTENT.items():
        (d / name).write_bytes(gzip.compress(raw, mtime=0))
    monkeypatch.setattr(download, "MNIST_SHA256",
                        {n: hashlib.sha256(raw).hexdigest() for n, raw in CONTENT.items()})
    return d


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    """Start HTTP servers on 127.0.0.1 for directories; return their URLs."""
    servers = []

    def start(directory):
        handler = functools.partial(QuietHandler, directory=str(directory))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def dead_url():
    """An http URL on a port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def assert_downloaded(out, source_dir):
    assert sorted(p.name for p in out.iterdir()) == sorted(NAMES)
    for name in NAMES:
        assert (out / name).read_bytes() == (source_dir / name).read_bytes()


def test_http_download(tmp_path, crafted, serve):
    out = tmp_path / "raw"
    paths = download_mnist(out, mirrors=[serve(crafted)], **FAST)
    assert [p.name for p in paths] == NAMES
    assert_downloaded(out, crafted)


def test_real_files_from_a_directory_mirror(tmp_path, mirror_dir):
    out = tmp_path / "raw"
    download_mnist(out, mirrors=[str(mirror_dir)], **FAST)
    assert_downloaded(out, mirror_dir)


def test_file_url_mirror(tmp_path, crafted):
    out = tmp_path / "raw"
    download_mnist(out, mirrors=[crafted.as_uri()], **FAST)
    assert_downloaded(out, crafted)


def test_plain_directory_mirror(tmp_path, crafted):
    out = tmp_path / "raw"
    download_mnist(out, mirrors=[str(crafted)], **FAST)
    assert_downloaded(out, crafted)


def test_second_call_downloads_nothing(tmp_path, crafted, dead_url, caplog):
    out = tmp_path / "raw"
    download_mnist(out, mirrors=[str(crafted)], **FAST)
    before = {n: (out / n).stat().st_mtime_ns for n in NAMES}
    caplog.set_level(logging.INFO, logger="nnsci.data")
    download_mnist(out, mirrors=[dead_url], **FAST)  # would fail if it tried to download
    assert {n: (out / n).stat().st_mtime_ns for n in NAMES} == before
    assert sum("already present" in r.getMessage() for r in caplog.records) == 4


def test_dead_mirror_then_good_one(tmp_path, crafted, serve, dead_url, caplog):
    out = tmp_path / "raw"
    caplog.set_level(logging.INFO, logger="nnsci.data")
    download_mnist(out, mirrors=[dead_url, serve(crafted)], **FAST)
    assert_downloaded(out, crafted)
    assert any(dead_url in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


def test_corrupted_file_names_file_and_both_hashes(tmp_path, crafted, serve):
    name = "t10k-labels-idx1-ubyte.gz"
    bad = bytearray(CONTENT[name])
    bad[-1] ^= 1
    (crafted / name).write_bytes(gzip.compress(bytes(bad), mtime=0))
    out = tmp_path / "raw"
    with pytest.raises(NnsciError) as e:
        download_mnist(out, mirrors=[serve(crafted)], **FAST)
    message = str(e.value)
    assert name in message
    assert hashlib.sha256(CONTENT[name]).hexdigest() in message  # expected
    assert hashlib.sha256(bytes(bad)).hexdigest() in message  # got
    # The three good files are in place; nothing of the bad one, no temporary file.
    assert sorted(p.name for p in out.iterdir()) == sorted(NAMES[:3])


def test_truncated_gz(tmp_path, crafted, serve):
    name = "train-images-idx3-ubyte.gz"
    data = (crafted / name).read_bytes()
    (crafted / name).write_bytes(data[: len(data) // 2])
    out = tmp_path / "raw"
    with pytest.raises(NnsciError, match=f"{name} is not a valid gzip file"):
        download_mnist(out, mirrors=[serve(crafted)], **FAST)
    assert list(out.iterdir()) == []


def test_every_mirror_failing_gives_one_line_listing_them(tmp_path, crafted, serve, dead_url):
    empty = tmp_path / "empty"
    empty.mkdir()
    mirrors = [dead_url, serve(empty), str(tmp_path / "no-such-dir"), (tmp_path / "nope").as_uri()]
    out = tmp_path / "raw"
    with pytest.raises(NnsciError) as e:
        download_mnist(out, mirrors=mirrors, **FAST)
    message = str(e.value)
    assert "\n" not in message
    assert "train-images-idx3-ubyte.gz" in message
    for m in mirrors:
        assert m in message
    assert "404" in message
    assert list(out.iterdir()) == []


def test_environment_mirror_is_tried_first(tmp_path, crafted, dead_url, monkeypatch):
    monkeypatch.setenv("NNSCI_MNIST_MIRROR", str(crafted))
    assert mirror_list([dead_url, str(crafted)]) == [str(crafted), dead_url]
    out = tmp_path / "raw"
    download_mnist(out, mirrors=[dead_url], **FAST)
    assert_downloaded(out, crafted)


def test_default_mirrors_come_from_the_config(monkeypatch):
    from nnsci.config import load_config

    assert mirror_list() == load_config()["mirrors"]

"""Hostile and broken IDX files: every one a DataFileError naming the file, found from
the header before the array is allocated; a gzip stream is decompressed only up to the
size its header declares. Hostile cases run in a subprocess under ulimit -v 1 GiB."""

from __future__ import annotations

import gzip
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from numeric import data
from numeric.cli_train import main
from numeric.data import DataFileError
from tests.test_data import idx_bytes, write_mnist
from tests.test_model_files import python

GIB = 1 << 30


def header(type_code: int, *shape: int) -> bytes:
    return bytes([0, 0, type_code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)


def read_in_subprocess(path: Path) -> str:
    """``read_idx(path)`` under 1 GiB and 10 s; the DataFileError's message."""
    code = (
        "from numeric.data import DataFileError, read_idx\n"
        "try:\n"
        f"    read_idx({str(path)!r})\n"
        "except DataFileError as error:\n"
        "    print(error)\n"
        "else:\n"
        "    raise SystemExit('read')\n"
    )
    run = python(code)
    assert run.returncode == 0, run.stderr
    assert run.seconds < 10 and run.peak_mb < 200, (run.seconds, run.peak_mb)
    assert run.stdout.startswith(str(path)), run.stdout
    return run.stdout.strip()


def test_a_gzip_that_expands_past_its_declared_size_is_decompressed_only_that_far(tmp_path):
    # Was: a 4 MB .gz expanding to 4.2 GB ended in MemoryError (gzip.decompress of it all).
    path = tmp_path / "bomb-idx3-ubyte.gz"
    squeeze = zlib.compressobj(1, zlib.DEFLATED, 31)  # 31: a gzip wrapper
    with open(path, "wb") as file:
        file.write(squeeze.compress(header(0x08, 10, 28, 28)))
        for _ in range(GIB >> 24):
            file.write(squeeze.compress(bytes(1 << 24)))
        file.write(squeeze.flush())
    assert path.stat().st_size < 8 << 20  # 4.6 MB
    message = read_in_subprocess(path)
    assert message.endswith("too long: dimensions (10, 28, 28) need 7856 bytes, the file has more")
    # Measured: 0.3 s, 29 MB (was 10 s and 4.1 GB for 2 GiB, past 1 GiB a MemoryError).


def test_dimensions_past_the_limit_are_refused_before_allocating(tmp_path):
    path = tmp_path / "liar-idx3-ubyte"
    path.write_bytes(header(0x08, 60000, 28000, 28000) + bytes(1000))
    message = read_in_subprocess(path)
    assert "dimensions (60000, 28000, 28000) declare 47,040,000,000,000 bytes of data" in message
    assert "more than the limit of 134,217,728 (read_idx(..., max_bytes=))" in message
    with pytest.raises(DataFileError, match=r"truncated: dimensions \(60000, 28000, 28000\)"):
        data.read_idx(path, max_bytes=10**14)  # a higher limit: then the size is checked


def test_dimensions_within_the_limit_are_checked_against_the_file_size(tmp_path):
    path = tmp_path / "short-idx3-ubyte"
    path.write_bytes(header(0x08, 100000, 28, 28) + bytes(1000))
    message = read_in_subprocess(path)
    assert message.endswith(
        "truncated: dimensions (100000, 28, 28) need 78400016 bytes, the file has 1016"
    )


def test_a_gzip_too_small_to_hold_its_declared_size_is_refused_unread(tmp_path):
    path = tmp_path / "small.gz"
    path.write_bytes(gzip.compress(header(0x08, 100000, 28, 28) + bytes(1000)))
    message = read_in_subprocess(path)
    assert "truncated: dimensions (100000, 28, 28) need 78,400,016 bytes, more than a gzip" in (
        message
    )


def test_a_dimension_product_that_overflows_64_bits_is_refused(tmp_path):
    # (2^32 - 2^16) * 2^48 is 0 modulo 2^64: the header alone looked like a whole file.
    path = tmp_path / "overflow-idx4-ubyte"
    path.write_bytes(header(0x08, 2**32 - 2**16, 2**16, 2**16, 2**16))
    with pytest.raises(DataFileError, match=r"declare 1,208,907,372,870,555,465,154,560 bytes"):
        data.read_idx(path)


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"", "not an IDX file (magic number missing"),
        (b"\x00\x00", "not an IDX file (magic number 0000;"),
        (b"\x00\x00\x07\x01" + bytes(8), "not an IDX file (magic number 00000701"),
        (b"\x00\x00\x08\xff" + bytes(8), "truncated header (12 bytes, 255 dimensions)"),
        (b"\x1f\x8b", "cannot read or decompress it"),
        (b"\x1f\x8b\x08\x00" + bytes(6) + b"not deflate at all", "cannot read or decompress it"),
        (gzip.compress(header(0x08, 5) + bytes(5), mtime=0)[:-12], "cannot read or decompress it"),
        (
            gzip.compress(header(0x08, 5) + bytes(5), mtime=0)[:-4] + b"\x00\x00\x00\x01",
            "cannot read",
        ),
    ],
)
def test_every_broken_file_is_a_data_file_error_naming_it(tmp_path, raw, message):
    path = tmp_path / "broken.idx"
    path.write_bytes(raw)
    with pytest.raises(DataFileError, match=re.escape(message)) as error:
        data.read_idx(path)
    assert str(error.value).startswith(str(path))


def test_corrupt_deflate_data_is_a_data_file_error_not_zlib_error(tmp_path):
    raw = bytearray(gzip.compress(idx_bytes(np.arange(4000, dtype=np.uint8) % 7)))
    raw[30:40] = b"\xff" * 10
    path = tmp_path / "corrupt.gz"
    path.write_bytes(bytes(raw))
    with pytest.raises(DataFileError, match=r"corrupt\.gz: cannot read or decompress it"):
        data.read_idx(path)


def test_a_gzip_of_several_members_reads_whole(tmp_path):
    raw = idx_bytes(np.arange(24, dtype=np.uint8).reshape(2, 3, 4))
    path = tmp_path / "two.gz"
    path.write_bytes(gzip.compress(raw[:10]) + gzip.compress(raw[10:]))
    np.testing.assert_array_equal(data.read_idx(path), np.arange(24).reshape(2, 3, 4))


# ----- MNIST: empty sets, labels against the classes, shapes that agree -----


def test_zero_images_are_refused(tmp_path):
    # Was: 0 images went on to a ZeroDivisionError.
    write_mnist(tmp_path / "m", gz=False, n_train=0)
    with pytest.raises(DataFileError, match=r"train-images-idx3-ubyte: holds no images"):
        data.load_mnist(tmp_path / "m")


def test_a_label_past_the_tenth_class_is_refused(tmp_path, capsys):
    # Was: a label of 200 built a 201-class model without a word.
    directory = tmp_path / "m"
    write_mnist(directory, gz=True, n_train=40, n_test=10)
    labels = np.zeros(40, np.uint8)
    labels[17] = 200
    (directory / (data.MNIST_FILES["train_labels"] + ".gz")).write_bytes(
        gzip.compress(idx_bytes(labels))
    )
    message = r"labels-idx1-ubyte\.gz: label 200 at index 17; MNIST and Fashion-MNIST have 10"
    with pytest.raises(DataFileError, match=message):
        data.load_mnist(directory)
    assert main(["--data", f"mnist:{directory}", "--hidden", "4", "--epochs", "1", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "label 200 at index 17" in err


def test_train_and_test_images_of_other_sizes_are_refused(tmp_path):
    directory = tmp_path / "m"
    write_mnist(directory, gz=False)
    images = np.zeros((4, 20, 20), np.uint8)
    (directory / data.MNIST_FILES["test_images"]).write_bytes(idx_bytes(images))
    with pytest.raises(DataFileError, match=r"images of 400 pixels, but the training images"):
        data.load_mnist(directory)


def test_the_train_command_refuses_an_empty_set_in_one_line(tmp_path):
    write_mnist(tmp_path / "m", gz=True, n_test=0)
    run = python(
        "import sys; from numeric.__main__ import main; "
        f"sys.exit(main(['train', '--data', 'mnist:{tmp_path / 'm'}', '--quiet']))"
    )
    assert run.returncode == 2, run.stderr
    assert run.stderr.strip().endswith(
        "t10k-images-idx3-ubyte.gz: holds no images (dimensions (0, 28, 28))"
    )
    assert "Traceback" not in run.stderr and run.stderr.count("\n") == 1

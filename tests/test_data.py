"""numeric.data: bundled digits, seeded generators, IDX files written here, the split."""

from __future__ import annotations

import gzip
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from numeric import data
from numeric.data import DataFileError


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    """An IDX file: magic 00 00 type ndim, big-endian uint32 dimensions, the data."""
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(data.IDX_TYPES[type_code]).tobytes()


def write_mnist(directory: Path, gz: bool, n_train: int = 6, n_test: int = 4) -> dict:
    rng = np.random.default_rng(0)
    arrays = {
        "train_images": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, n_train, dtype=np.uint8),
        "test_images": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    directory.mkdir(exist_ok=True)
    for key, array in arrays.items():
        raw = idx_bytes(array)
        name = data.MNIST_FILES[key] + (".gz" if gz else "")
        (directory / name).write_bytes(gzip.compress(raw) if gz else raw)
    return arrays


# ----- IDX -----


@pytest.mark.parametrize("gz", [False, True])
def test_idx_round_trip_plain_and_gzipped(tmp_path, gz):
    for code, array in [
        (0x08, np.arange(24, dtype=np.uint8).reshape(2, 3, 4)),
        (0x0C, np.array([-5, 70000, 3], dtype=np.int32)),
        (0x0E, np.linspace(-1, 1, 6).reshape(3, 2)),
    ]:
        raw = idx_bytes(array, code)
        path = tmp_path / f"a{code}.idx"
        path.write_bytes(gzip.compress(raw) if gz else raw)
        read = data.read_idx(path)
        assert read.dtype.isnative
        np.testing.assert_array_equal(read, array)


def test_idx_wrong_magic_names_the_file(tmp_path):
    path = tmp_path / "images.idx"
    path.write_bytes(b"\x08\x03\x00\x00" + bytes(16))
    with pytest.raises(
        DataFileError, match=r"images\.idx: not an IDX file \(magic number 08030000"
    ):
        data.read_idx(path)


@pytest.mark.parametrize("gz", [False, True])
def test_idx_truncated_data_names_the_file_and_sizes(tmp_path, gz):
    raw = idx_bytes(np.zeros((10, 28, 28), np.uint8))[:-100]
    path = tmp_path / "short.idx"
    path.write_bytes(gzip.compress(raw) if gz else raw)
    with pytest.raises(
        DataFileError,
        match=r"short\.idx: truncated: dimensions \(10, 28, 28\) need 7856 bytes, .* has 7756",
    ):
        data.read_idx(path)


def test_idx_truncated_gzip_stream_and_header(tmp_path):
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros((10, 28, 28), np.uint8)))[:-30])
    with pytest.raises(DataFileError, match=r"cut\.gz: cannot read or decompress"):
        data.read_idx(path)
    path.write_bytes(b"\x00\x00\x08\x03\x00\x00")
    with pytest.raises(DataFileError, match=r"cut\.gz: truncated header"):
        data.read_idx(path)


def test_idx_too_long_and_missing(tmp_path):
    path = tmp_path / "long.idx"
    path.write_bytes(idx_bytes(np.zeros(5, np.uint8)) + b"\x00")
    with pytest.raises(DataFileError, match=r"long\.idx: too long"):
        data.read_idx(path)
    with pytest.raises(DataFileError, match=r"nothere\.idx: no such file"):
        data.read_idx(tmp_path / "nothere.idx")


# ----- MNIST layout -----


@pytest.mark.parametrize("gz", [False, True])
def test_load_mnist_scales_uint8_to_float32(tmp_path, gz):
    arrays = write_mnist(tmp_path / "mnist", gz)
    X_train, y_train, X_test, y_test = data.load_mnist(tmp_path / "mnist")
    assert X_train.shape == (6, 784) and X_test.shape == (4, 784)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    np.testing.assert_array_equal(X_train * 255, arrays["train_images"].reshape(6, -1))
    np.testing.assert_array_equal(y_test, arrays["test_labels"])
    assert 0 <= X_train.min() and X_train.max() <= 1


def test_load_mnist_checks_kinds_counts_and_presence(tmp_path):
    directory = tmp_path / "mnist"
    write_mnist(directory, gz=False)
    labels = directory / data.MNIST_FILES["train_labels"]
    labels.write_bytes(idx_bytes(np.zeros(5, np.uint8)))
    with pytest.raises(DataFileError, match=r"train-labels-idx1-ubyte: 5 labels for 6 images"):
        data.load_mnist(directory)
    labels.write_bytes(idx_bytes(np.zeros((6, 28, 28), np.uint8)))
    with pytest.raises(DataFileError, match=r"train-labels-idx1-ubyte: expected uint8 labels"):
        data.load_mnist(directory)
    labels.unlink()
    with pytest.raises(DataFileError, match=r"train-labels-idx1-ubyte\[\.gz\]: no such file"):
        data.load_mnist(directory)
    with pytest.raises(DataFileError, match=r"elsewhere: not a directory"):
        data.load_mnist(tmp_path / "elsewhere")


# ----- bundled and generated data -----


def test_digits_are_floats_in_the_unit_interval():
    X, y = data.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64 and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0 and set(y) == set(range(10))


def test_digits_without_scikit_learn_say_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pip install scikit-learn"):
        data.load_digits()


@pytest.mark.parametrize("generator", [data.spiral_data, data.vertical_data])
def test_generators_are_seeded(generator):
    X, y = generator(100, 3, seed=5)
    assert X.shape == (300, 2) and np.bincount(y).tolist() == [100, 100, 100]
    np.testing.assert_array_equal(X, generator(100, 3, seed=5)[0])
    assert not np.array_equal(X, generator(100, 3, seed=6)[0])
    assert generator(10, 2, dtype=np.float32)[0].dtype == np.float32


def test_spiral_radius_and_sine():
    X, _ = data.spiral_data(50, 2)
    np.testing.assert_allclose(np.hypot(*X[:50].T), np.linspace(0, 1, 50), atol=1e-12)
    X, y = data.sine_data(8)
    assert X.shape == y.shape == (8, 1)
    np.testing.assert_allclose(y[2, 0], 1.0)  # sin(2 pi / 4)


def test_split_is_seeded_and_disjoint():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    X_train, y_train, X_test, y_test = data.split(X, y, test_size=0.3, seed=1)
    assert len(X_train) == 7 and len(X_test) == 3
    assert sorted([*y_train, *y_test]) == list(range(10))
    np.testing.assert_array_equal(X_test[:, 0], 2 * y_test)
    np.testing.assert_array_equal(y_test, data.split(X, y, test_size=0.3, seed=1)[3])
    with pytest.raises(ValueError, match=r"test_size must lie in \(0, 1\)"):
        data.split(X, y, test_size=1.5)


def test_load_by_name(tmp_path):
    X, y, X_test, y_test = data.load("digits")
    assert (len(X), len(X_test)) == (1438, 359)
    write_mnist(tmp_path / "m", gz=True)
    assert data.load(f"mnist:{tmp_path / 'm'}")[0].shape == (6, 784)
    with pytest.raises(ValueError, match=r"unknown data set 'iris'"):
        data.load("iris")

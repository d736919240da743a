"""Data sets for training, all local: nothing is downloaded at run time.

Features are returned as floats by one rule: pixel intensities are divided by
their maximum (digits: 0..16 -> / 16; MNIST uint8: 0..255 -> / 255), giving
values in [0, 1]; the generators' coordinates are floats already. ``dtype`` is
float64 by default, float32 for the IDX (MNIST) loaders, whose arrays are large.
Labels are int64 class indices (``(samples,)``), or float targets for regression.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from pathlib import Path

import numpy as np

# IDX type codes (the third byte of the magic number) and their big-endian dtypes.
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
MAX_IDX_BYTES = 1 << 27  # 128 MiB of data; MNIST's training images are 47 MB
GZIP_RATIO = 1100  # deflate expands at most 1032-fold: a header declaring more is a lie
MNIST_CLASSES = 10  # MNIST and Fashion-MNIST: labels 0..9
MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


class DataFileError(ValueError):
    """A data file that is missing, truncated or not what it claims; names the file."""


def load_digits(dtype: type = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 digits: X (1797, 64) in [0, 1], y (1797,) in 0..9."""
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError:
        raise ImportError(
            "the digits data set comes with scikit-learn, which is not installed; "
            "pip install scikit-learn (or the package's 'data' extra)"
        ) from None
    data = sklearn_digits()
    return (data.data / 16.0).astype(dtype), data.target.astype(np.int64)


def _by_class(
    samples: int, classes: int, seed: int | None, dtype: type, place
) -> tuple[np.ndarray, np.ndarray]:
    """X (samples * classes, 2) with class k's points from ``place(k, rng)``, y its labels."""
    rng = np.random.default_rng(seed)
    X = np.concatenate([place(k, rng) for k in range(classes)])
    return X.astype(dtype), np.repeat(np.arange(classes, dtype=np.int64), samples)


def spiral_data(
    samples: int, classes: int, seed: int | None = 0, dtype: type = np.float64
) -> tuple[np.ndarray, np.ndarray]:
    """nnfs-style spiral arms: X (samples * classes, 2), y (samples * classes,)."""

    def arm(k: int, rng: np.random.Generator) -> np.ndarray:
        radius = np.linspace(0.0, 1, samples)
        angle = np.linspace(k * 4, (k + 1) * 4, samples) + rng.standard_normal(samples) * 0.2
        return np.c_[radius * np.sin(angle * 2.5), radius * np.cos(angle * 2.5)]

    return _by_class(samples, classes, seed, dtype, arm)


def vertical_data(
    samples: int, classes: int, seed: int | None = 0, dtype: type = np.float64
) -> tuple[np.ndarray, np.ndarray]:
    """nnfs-style vertical clusters: X (samples * classes, 2), y (samples * classes,)."""

    def cluster(k: int, rng: np.random.Generator) -> np.ndarray:
        return np.c_[
            rng.standard_normal(samples) * 0.1 + k / 3, rng.standard_normal(samples) * 0.1 + 0.5
        ]

    return _by_class(samples, classes, seed, dtype, cluster)


def sine_data(samples: int = 1000, dtype: type = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """nnfs-style regression data ``y = sin(2 pi x)``: X (samples, 1) in [0, 1), y (samples, 1)."""
    X = (np.arange(samples) / samples).reshape(-1, 1)
    return X.astype(dtype), np.sin(2 * np.pi * X).astype(dtype)


def split(
    X: np.ndarray, y: np.ndarray, test_size: float = 0.2, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Seeded shuffle split: X_train, y_train, X_test, y_test (test_size a share in (0, 1))."""
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must lie in (0, 1), got {test_size}")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
    order = np.random.default_rng(seed).permutation(len(X))
    n_test = max(1, round(len(X) * test_size))
    test, train = order[:n_test], order[n_test:]
    return X[train], y[train], X[test], y[test]


# ----- IDX files (MNIST, Fashion-MNIST) -----


def read_idx(path: str | os.PathLike, max_bytes: int = MAX_IDX_BYTES) -> np.ndarray:
    """The array stored in an IDX file, gzipped or not; ``DataFileError`` naming it if bad.

    The header's dimensions are checked against the file (its size, or for a ``.gz``
    what it can expand to) and against ``max_bytes`` before the array is allocated;
    a gzip stream is decompressed only up to the size the header declares, plus one byte.
    """
    path = Path(path)
    try:
        with open(path, "rb") as raw:
            size = os.fstat(raw.fileno()).st_size
            compressed = raw.read(2) == b"\x1f\x8b"
            raw.seek(0)
            if compressed:
                with gzip.GzipFile(fileobj=raw) as stream:
                    return _read_idx(path, stream, size, compressed, max_bytes)
            return _read_idx(path, raw, size, compressed, max_bytes)
    except FileNotFoundError:
        raise DataFileError(f"{path}: no such file (nothing is downloaded; see README)") from None
    except (OSError, EOFError, zlib.error) as error:  # gzip.BadGzipFile is an OSError
        raise DataFileError(f"{path}: cannot read or decompress it ({error})") from None


def _read_idx(path: Path, stream: object, size: int, compressed: bool, limit: int) -> np.ndarray:
    head = stream.read(4)
    if len(head) < 4 or head[:2] != b"\x00\x00" or head[2] not in IDX_TYPES:
        raise DataFileError(
            f"{path}: not an IDX file (magic number {head.hex() or 'missing'}; "
            f"expected 0000 then a type code and a dimension count)"
        )
    dtype, ndim = np.dtype(IDX_TYPES[head[2]]), head[3]
    dims = stream.read(4 * ndim)
    header = 4 + len(dims)
    if len(dims) < 4 * ndim:
        raise DataFileError(f"{path}: truncated header ({header} bytes, {ndim} dimensions)")
    shape = struct.unpack(f">{ndim}I", dims)
    declared = math.prod(shape) * dtype.itemsize  # a Python int: no overflow
    expected = header + declared
    if declared > limit:
        raise DataFileError(
            f"{path}: dimensions {shape} declare {declared:,} bytes of data, more than the "
            f"limit of {limit:,} (read_idx(..., max_bytes=))"
        )
    if not compressed and size != expected:
        problem = "truncated" if size < expected else "too long"
        raise DataFileError(
            f"{path}: {problem}: dimensions {shape} need {expected} bytes, the file has {size}"
        )
    if compressed and expected > GZIP_RATIO * size:
        raise DataFileError(
            f"{path}: truncated: dimensions {shape} need {expected:,} bytes, more than a gzip "
            f"file of {size:,} bytes can hold"
        )
    array = np.empty(shape, dtype)
    buffer = memoryview(array.reshape(-1).view(np.uint8))
    filled = 0
    while filled < declared:
        count = stream.readinto(buffer[filled:])
        if not count:
            raise DataFileError(
                f"{path}: truncated: dimensions {shape} need {expected} bytes, the file has "
                f"{header + filled}"
            )
        filled += count
    if stream.read(1):
        raise DataFileError(
            f"{path}: too long: dimensions {shape} need {expected} bytes, the file has more"
        )
    return array.astype(dtype.newbyteorder("="), copy=False)


def _find(directory: Path, stem: str) -> Path:
    for name in (
        stem,
        stem + ".gz",
        stem.replace("-idx", ".idx"),
        stem.replace("-idx", ".idx") + ".gz",
    ):
        if (directory / name).exists():
            return directory / name
    raise DataFileError(
        f"{directory / stem}[.gz]: no such file; put the four MNIST / Fashion-MNIST IDX files "
        f"({', '.join(MNIST_FILES.values())}) in {directory} (nothing is downloaded)"
    )


def _images(path: Path, dtype: type, max_bytes: int) -> np.ndarray:
    images = read_idx(path, max_bytes)
    if images.dtype != np.uint8 or images.ndim != 3:
        raise DataFileError(
            f"{path}: expected uint8 images (magic 0x00000803), got {images.dtype} {images.shape}"
        )
    if images.size == 0:
        raise DataFileError(f"{path}: holds no images (dimensions {images.shape})")
    features = images.reshape(len(images), -1).astype(dtype)
    features /= 255
    return features


def _labels(path: Path, count: int, max_bytes: int) -> np.ndarray:
    labels = read_idx(path, max_bytes)
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise DataFileError(
            f"{path}: expected uint8 labels (magic 0x00000801), got {labels.dtype} {labels.shape}"
        )
    if len(labels) != count:
        raise DataFileError(f"{path}: {len(labels)} labels for {count} images")
    outside = labels >= MNIST_CLASSES
    if outside.any():
        first = int(np.argmax(outside))
        raise DataFileError(
            f"{path}: label {labels[first]} at index {first}; MNIST and Fashion-MNIST have "
            f"{MNIST_CLASSES} classes, labelled 0 to {MNIST_CLASSES - 1}"
        )
    return labels.astype(np.int64)


def load_mnist(
    directory: str | os.PathLike, dtype: type = np.float32, max_bytes: int = MAX_IDX_BYTES
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """MNIST / Fashion-MNIST IDX files: X_train (60000, 784) / 255, y_train, X_test, y_test.

    Each images file may hold at most ``max_bytes`` of pixels (128 MiB; MNIST has 47 MB).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise DataFileError(f"{directory}: not a directory holding the MNIST IDX files")
    paths = {key: _find(directory, stem) for key, stem in MNIST_FILES.items()}
    X_train = _images(paths["train_images"], dtype, max_bytes)
    y_train = _labels(paths["train_labels"], len(X_train), max_bytes)
    X_test = _images(paths["test_images"], dtype, max_bytes)
    y_test = _labels(paths["test_labels"], len(X_test), max_bytes)
    if X_test.shape[1] != X_train.shape[1]:
        raise DataFileError(
            f"{paths['test_images']}: images of {X_test.shape[1]} pixels, but the training "
            f"images in {paths['train_images']} have {X_train.shape[1]}"
        )
    return X_train, y_train, X_test, y_test


def load(
    spec: str, seed: int | None = 0, test_size: float = 0.2
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """By name: ``digits``, ``spiral``, ``vertical`` (split by ``split``) or ``mnist:DIR``."""
    name, _, where = spec.partition(":")
    if name in ("mnist", "fashion-mnist", "fashion"):
        if not where:
            raise ValueError(
                f"{spec!r}: give the directory of the IDX files, e.g. mnist:data/mnist"
            )
        return load_mnist(where)
    generators = {
        "digits": load_digits,
        "spiral": lambda: spiral_data(1000, 3, seed=seed),
        "vertical": lambda: vertical_data(1000, 3, seed=seed),
    }
    if name not in generators:
        raise ValueError(f"unknown data set {spec!r}; use digits, spiral, vertical or mnist:DIR")
    return split(*generators[name](), test_size=test_size, seed=seed)

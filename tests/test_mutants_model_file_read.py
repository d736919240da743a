"""numeric/model_file.py, reading and writing the archive: behaviours that mutation
testing found unpinned.

The zip's end records are written here byte by byte (APPNOTE 4.3.14-16: the end of
central directory record, and zip64's record and locator), so that every field the
reader trusts is set by the test, not by ``zipfile``. Messages are compared whole
where the message is the behaviour. Run by ``python benchmarks/mutation.py``.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest

from numeric import (
    Dense,
    Model,
    ReLU,
    Softmax,
    model_file,
)
from numeric.losses import CategoricalCrossEntropy
from numeric.model_file import ModelFileError

END = b"PK\x05\x06"  # end of central directory record, 22 bytes and a comment
ZIP64_END = b"PK\x06\x06"  # zip64 end of central directory record, 56 bytes
ZIP64_LOCATOR = b"PK\x06\x07"  # zip64 end of central directory locator, 20 bytes
X = np.linspace(-2.0, 2.0, 10).reshape(5, 2)


# ----- files -----


def classifier(seed: int = 0) -> Model:
    """Dense(2, 3) relu Dense(3, 2) softmax, float64."""
    layers = [Dense(2, 3, rng=seed), ReLU(), Dense(3, 2, rng=seed + 1), Softmax()]
    return Model(layers, loss=CategoricalCrossEntropy())


def saved(path: Path, model: Model | None = None) -> Path:
    (model or classifier()).save(path)
    return path


def npy(array: np.ndarray, version: tuple[int, int] | None = None) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, version=version, allow_pickle=False)
    return buffer.getvalue()


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def rewrite(path: Path, contents: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    return path


def with_architecture(path: Path, change: object) -> Path:
    """Rewrite the architecture member of ``path`` as ``change(architecture)`` returns it."""
    contents = members(path)
    architecture = json.loads(str(np.load(io.BytesIO(contents["architecture.npy"]))))
    text = json.dumps(change(architecture))
    return rewrite(path, {**contents, "architecture.npy": npy(np.array(text))})


def end_record(entries: int, size: int, offset: int, comment: bytes = b"") -> bytes:
    """Signature, this disk, the directory's disk, entries here, entries, size, offset."""
    fields = (END, 0, 0, entries & 0xFFFF, entries, size, offset, len(comment))
    return struct.pack("<4s4H2LH", *fields) + comment


def zip64_record(entries: int, size: int, offset: int) -> bytes:
    """Signature, size of the rest (44), versions, disks, entries here, entries, size, offset."""
    return struct.pack("<4sQ2H2L4Q", ZIP64_END, 44, 45, 45, 0, 0, entries, entries, size, offset)


def zip64_locator(offset: int) -> bytes:
    """Signature, the record's disk, the record's offset, disks."""
    return struct.pack("<4sLQL", ZIP64_LOCATOR, 0, offset, 1)


def directory(data: bytes) -> tuple[int, int, int]:
    """(entries, size, offset) of the end record of an archive without a comment."""
    assert data[-22:-18] == END
    _, _, _, _, entries, size, offset, _ = struct.unpack("<4s4H2LH", data[-22:])
    return entries, size, offset


def zip64_ended(data: bytes, entries: int | None, size: int | None) -> bytes:
    """``data`` ended as a zip64 writer ends it: the zip64 record (the true counts) and its
    locator, then an end record holding ``entries`` and ``size`` (None: the true ones)."""
    true_entries, true_size, offset = directory(data)
    record_at = len(data) - 22
    end = end_record(
        true_entries if entries is None else entries,
        true_size if size is None else size,
        0xFFFFFFFF,
    )
    record = zip64_record(true_entries, true_size, offset)
    return data[:record_at] + record + zip64_locator(record_at) + end


def refusal(path: Path, read: object = model_file.read) -> str:
    """The ModelFileError's message for ``path``, checked to begin with the path."""
    with pytest.raises(ModelFileError) as error:
        read(path)
    text = str(error.value)
    assert text.startswith(str(path)), text
    return text


def predicts_as_saved(path: Path) -> None:
    np.testing.assert_array_equal(Model.load(path).predict(X), classifier().predict(X))


# ----- the central directory: found, read as zipfile reads it, bounded -----


def test_a_file_that_is_no_zip_or_whose_end_record_is_cut_is_refused_by_name(tmp_path):
    text = tmp_path / "notes.npz"
    text.write_text("a model file? no: plain text, longer than one end record\n")
    assert refusal(text) == f"{text}: not a zip archive (no end of central directory)"
    cut = tmp_path / "cut.npz"
    cut.write_bytes(saved(tmp_path / "whole.npz").read_bytes()[:-10])  # 12 of its 22 bytes
    assert refusal(cut) == f"{cut}: not a zip archive (no end of central directory)"


def test_an_empty_zip_archive_is_refused_as_no_model_file(tmp_path):
    path = tmp_path / "empty.npz"
    zipfile.ZipFile(path, "w").close()  # the end record alone, at offset 0
    assert path.read_bytes()[:4] == END
    assert refusal(path) == f"{path}: no architecture member: not a model file"


def test_the_end_record_is_found_behind_the_longest_comment_and_no_further(tmp_path):
    path = saved(tmp_path / "commented.npz")
    with zipfile.ZipFile(path, "a") as archive:
        archive.comment = b"c" * 65535  # the end record starts 22 + 65535 bytes from the end
    predicts_as_saved(path)
    beyond = tmp_path / "beyond.npz"
    beyond.write_bytes(saved(tmp_path / "plain.npz").read_bytes() + bytes(65536))
    assert refusal(beyond) == f"{beyond}: not a zip archive (no end of central directory)"


def test_weights_holding_the_end_record_signature_load(tmp_path):
    # The last signature is the end record: an earlier one is data. These bytes, read as
    # an end record, would declare 65,535 members in 1 GiB.
    model = classifier()
    fake = END + bytes(6) + b"\xff\xff" + b"\x00\x00\x00\x40"
    weights = np.frombuffer(fake + bytes(32), dtype="<f8").reshape(2, 3)
    assert np.isfinite(weights).all()
    model.layers[0].weights = weights.copy()
    path = saved(tmp_path / "signature.npz", model)
    assert path.read_bytes().count(END) == 2
    np.testing.assert_array_equal(Model.load(path).layers[0].weights, weights)


def test_the_declared_members_and_directory_bytes_are_bounded_inclusively(tmp_path):
    data = saved(tmp_path / "model.npz").read_bytes()
    entries, size, offset = directory(data)
    path = tmp_path / "declared.npz"

    def declaring(members: int, size: int) -> Path:
        path.write_bytes(data[:-22] + end_record(members, size, offset))
        return path

    # zipfile reads the directory's bytes, not its count: 20,001 (at the bound) loads
    predicts_as_saved(declaring(20_001, size))
    assert refusal(declaring(20_002, size)) == (
        f"{path}: the archive declares 20,002 members in {size:,} bytes; a model file has "
        f"at most 20,001 members"
    )
    # 16 bits read unsigned: 40,000, not -25,536
    assert "declares 40,000 members in" in refusal(declaring(40_000, size))
    # 20,001 * 256 directory bytes pass the bound (and zipfile finds no directory there)
    assert refusal(declaring(entries, 5_120_256)) == (
        f"{path} is not a readable model file (damaged or not written by Model.save): "
        f"BadZipFile: Bad offset for central directory"
    )
    assert refusal(declaring(entries, 5_120_257)) == (
        f"{path}: the archive declares {entries} members in 5,120,257 bytes; a model file has "
        f"at most 20,001 members"
    )
    # 32 bits read unsigned: 2,415,919,104, not -1,879,048,192
    assert f"declares {entries} members in 2,415,919,104 bytes" in refusal(
        declaring(entries, 0x90000000)
    )


@pytest.mark.parametrize(
    "entries, size",
    [(0xFFFF, 0xFFFFFFFF), (0xFFFF, None), (None, 0xFFFFFFFF)],
    ids=["both-marked", "entries-marked", "size-marked"],
)
def test_a_model_ended_with_zip64_records_loads_with_the_zip64_counts(tmp_path, entries, size):
    # A field of the end record at its maximum means "see the zip64 record", whose
    # locator (just before the end record) gives its offset.
    data = saved(tmp_path / "plain.npz").read_bytes()
    path = tmp_path / "zip64.npz"
    path.write_bytes(zip64_ended(data, entries, size))
    predicts_as_saved(path)


def test_zip64_counts_past_the_bounds_are_refused_with_the_64_bit_count(tmp_path):
    data = saved(tmp_path / "plain.npz").read_bytes()
    _, size, offset = directory(data)
    record_at = len(data) - 22
    record = zip64_record(2**64 - 1, size, offset)
    path = tmp_path / "zip64.npz"
    path.write_bytes(
        data[:record_at] + record + zip64_locator(record_at) + end_record(0xFFFF, size, offset)
    )
    assert refusal(path) == (
        f"{path}: the archive declares 18,446,744,073,709,551,615 members in {size:,} bytes; "
        f"a model file has at most 20,001 members"
    )


def test_a_zip64_locator_pointing_at_no_zip64_record_leaves_the_end_records_counts(tmp_path):
    data = saved(tmp_path / "plain.npz").read_bytes()
    _, _, offset = directory(data)
    end = end_record(0xFFFF, 0xFFFFFFFF, offset)
    expected = "the archive declares 65,535 members in 4,294,967,295 bytes; a model file has"
    path = tmp_path / "locator.npz"
    for pointing_at in (0, len(data), len(data) + 1000):  # a local header; past the end
        path.write_bytes(data[:-22] + zip64_locator(pointing_at) + end)
        assert refusal(path) == f"{path}: {expected} at most 20,001 members", pointing_at
    # the record cut short by the end of the file (it is the end record's comment)
    short = zip64_record(3, 100, offset)[:36]
    comment_at = len(data) - 22 + 20 + 22
    end_cut = end_record(0xFFFF, 0xFFFFFFFF, offset, short)
    path.write_bytes(data[:-22] + zip64_locator(comment_at) + end_cut)
    assert refusal(path) == f"{path}: {expected} at most 20,001 members"
    # an offset no file reaches, 2**64 - 1: refused as unreadable (whatever seek says)
    path.write_bytes(data[:-22] + zip64_locator(2**64 - 1) + end)
    assert refusal(path).startswith(
        f"{path} is not a readable model file (damaged or not written by Model.save): "
    )


def test_a_zip64_locator_at_the_very_start_of_the_file_is_read(tmp_path):
    # locator (20 bytes), end record whose 56-byte comment is the zip64 record
    record = zip64_record(30_000, 1_000, 0)
    data = zip64_locator(42) + end_record(0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, record)
    path = tmp_path / "start.npz"
    path.write_bytes(data)
    assert refusal(path) == (
        f"{path}: the archive declares 30,000 members in 1,000 bytes; a model file has at "
        f"most 20,001 members"
    )

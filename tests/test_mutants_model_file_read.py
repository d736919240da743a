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
import os
import stat
import struct
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

from numeric import (
    Activation,
    Adam,
    BatchNorm,
    Dense,
    Dropout,
    LayerNorm,
    Model,
    ReLU,
    Softmax,
    model_file,
)
from numeric.losses import CategoricalCrossEntropy
from numeric.model_file import ArchitectureMismatch, ModelFileError

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
    for pointing_at in (0, len(data), 2**64 - 1):  # a local header; past the end
        path.write_bytes(data[:-22] + zip64_locator(pointing_at) + end)
        assert refusal(path) == f"{path}: {expected} at most 20,001 members", pointing_at
    # the record cut short by the end of the file (it is the end record's comment)
    short = zip64_record(3, 100, offset)[:36]
    comment_at = len(data) - 22 + 20 + 22
    end_cut = end_record(0xFFFF, 0xFFFFFFFF, offset, short)
    path.write_bytes(data[:-22] + zip64_locator(comment_at) + end_cut)
    assert refusal(path) == f"{path}: {expected} at most 20,001 members"


def test_a_zip64_record_is_bounded_whatever_the_end_record_says(tmp_path):
    # zipfile takes the zip64 record's counts whenever a locator precedes the end record,
    # even one that declares 5 members in 316 bytes: 30,005 members got through to it.
    path = saved(tmp_path / "members.npz")
    with zipfile.ZipFile(path, "a") as archive:
        for k in range(30000):
            archive.writestr(f"m{k}", b"")
    data = path.read_bytes()
    _, size, _ = directory(data)
    path.write_bytes(zip64_ended(data, 5, 316))
    assert refusal(path) == (
        f"{path}: the archive declares 30,005 members in {size:,} bytes; a model file has "
        f"at most 20,001 members"
    )


# ----- the members: each declared, named, of its declared type and size -----


def test_two_members_of_one_name_are_refused_with_the_exact_message(tmp_path):
    path = saved(tmp_path / "twice.npz")
    with pytest.warns(UserWarning, match="Duplicate name"):
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr("layer0.biases.npy", npy(np.zeros((1, 3))))
    assert refusal(path) == f"{path}: the archive holds two members of the same name"


def test_a_missing_member_is_named_without_its_npy_suffix(tmp_path):
    path = saved(tmp_path / "missing.npz")
    contents = members(path)
    del contents["layer2.biases.npy"]
    rewrite(path, contents)
    assert refusal(path) == f"{path}: layer2.biases is missing; the file is damaged"


def test_an_unknown_member_is_refused_in_at_most_300_characters_after_the_path(tmp_path):
    path = saved(tmp_path / "long.npz")
    name = "x" * 400 + ".npy"
    rewrite(path, {**members(path), name: npy(np.zeros(1))})
    expected = f"member {name!r} is not part of the architecture"[:300]
    assert refusal(path) == f"{path}: {expected}"


def test_the_architecture_member_may_be_8_mib_and_no_more(tmp_path):
    # A .npy of one '<U{n}' string: a 128-byte header, then 4 bytes a character.
    path = saved(tmp_path / "padded.npz")
    text = json.dumps(model_file.architecture(classifier()))
    spaces = ((8 << 20) - 128) // 4 - len(text)
    padded = npy(np.array(text + " " * spaces))
    assert len(padded) == 8 << 20
    contents = members(path)
    rewrite(path, {**contents, "architecture.npy": padded})
    predicts_as_saved(path)  # JSON allows the trailing spaces
    one_more = npy(np.array(text + " " * (spaces + 1)))
    rewrite(path, {**contents, "architecture.npy": one_more})
    assert refusal(path) == f"{path}: the architecture member is 8,388,612 bytes; at most 8 MiB"


@pytest.mark.parametrize("version", [(1, 0), (2, 0), (3, 0)])
def test_members_in_every_npy_format_version_load(tmp_path, version):
    # 2.0: a 4-byte header length (for headers past 64 KiB); 3.0: the header in UTF-8
    path = saved(tmp_path / "versions.npz")
    contents = members(path)
    weights = classifier().layers[0].weights
    rewrite(path, {**contents, "layer0.weights.npy": npy(weights, version)})
    assert members(path)["layer0.weights.npy"][6:8] == bytes(version)
    predicts_as_saved(path)


def test_an_unknown_npy_version_is_refused_naming_member_and_version(tmp_path):
    path = saved(tmp_path / "future.npz")
    contents = members(path)
    future = b"\x93NUMPY\x09\x00" + contents["layer0.weights.npy"][8:]
    rewrite(path, {**contents, "layer0.weights.npy": future})
    assert refusal(path) == f"{path}: layer0.weights.npy has .npy version (9, 0)"


def test_a_model_file_compressed_with_deflate_loads(tmp_path):
    path = saved(tmp_path / "deflated.npz")
    rewrite(path, members(path), zipfile.ZIP_DEFLATED)  # as np.savez_compressed writes
    with zipfile.ZipFile(path) as archive:
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_DEFLATED}
    predicts_as_saved(path)


def test_a_member_compressed_otherwise_than_deflate_is_refused_naming_the_method(tmp_path):
    path = saved(tmp_path / "bzip2.npz")
    rewrite(path, members(path), zipfile.ZIP_BZIP2)
    assert refusal(path) == f"{path}: architecture.npy is compressed with method 12"


@pytest.mark.parametrize(
    "array, shown",
    [(np.array(["{}", "{}"]), "<U2 [2]"), (np.array(1.5), "float64 []")],
    ids=["two-strings", "a-number"],
)
def test_an_architecture_that_is_not_one_string_is_refused_with_its_type(tmp_path, array, shown):
    path = saved(tmp_path / "text.npz")
    rewrite(path, {**members(path), "architecture.npy": npy(array)})
    assert refusal(path) == f"{path}: architecture must be JSON text, got {shown}"


def test_a_long_unreadable_file_message_is_cut_at_600_characters(tmp_path):
    deep = tmp_path / ("d" * 200) / ("e" * 200)
    deep.mkdir(parents=True)
    path = saved(deep / "model.npz")
    contents = members(path)
    rewrite(path, {**contents, "architecture.npy": npy(np.array("{not json"))})
    whole = (
        f"{path} is not a readable model file (damaged or not written by Model.save): "
        f"JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 "
        f"(char 1)"
    )
    assert len(whole) > 600
    assert refusal(path) == whole[:600]


# ----- what a file gives back: every array bit for bit, every layer, the optimizer -----


def trained(seed: int = 0, dtype: type = np.float64) -> tuple[Model, Adam]:
    """Dense (L2) BatchNorm relu Dropout Dense (L1 on biases) LayerNorm softmax, after two
    Adam steps: moments, running statistics and the dropout generator all moved."""
    model = Model(
        [
            Dense(2, 4, rng=seed, dtype=dtype, weight_regularizer_l2=5e-4),
            BatchNorm(4, momentum=0.25, eps=1e-3, dtype=dtype),
            ReLU(),
            Dropout(0.25, rng=seed + 7),
            Dense(4, 3, rng=seed + 1, dtype=dtype, bias_regularizer_l1=0.125),
            LayerNorm(3, eps=1e-4, dtype=dtype),
            Softmax(),
        ],
        loss=CategoricalCrossEntropy(),
    )
    optimizer = Adam(learning_rate=0.01)
    inputs = np.random.default_rng(seed).standard_normal((8, 2)).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # two steps do not learn: the stall warning
        model.fit(
            inputs,
            np.arange(8) % 3,
            epochs=1,
            batch_size=4,
            optimizer=optimizer,
            blas_threads=0,
            seed=0,
        )
    return model, optimizer


PARAMETERS = {
    0: "weights biases",
    1: "weights biases running_mean running_var",
    4: "weights biases",
    5: "weights biases",
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_normalisation_dropout_regularisers_and_adam_state_come_back_bit_for_bit(tmp_path, dtype):
    model, optimizer = trained(dtype=dtype)
    assert model.layers[1].running_var.dtype == dtype
    path = tmp_path / "full.npz"
    model.save(path, optimizer=optimizer)
    loaded = Model.load(path)
    assert [repr(layer) for layer in loaded.layers] == [repr(layer) for layer in model.layers]
    for k, names in PARAMETERS.items():
        for name in names.split():
            mine, theirs = getattr(model.layers[k], name), getattr(loaded.layers[k], name)
            assert theirs.dtype == mine.dtype and theirs.tobytes() == mine.tobytes(), (k, name)
    assert loaded.layers[1].running_mean.any() and (
        loaded.layers[1].momentum,
        loaded.layers[1].eps,
    ) == (0.25, 1e-3)
    assert loaded.layers[5].eps == 1e-4 and loaded.layers[3].rate == 0.25
    assert loaded.layers[3].rng.bit_generator.state == model.layers[3].rng.bit_generator.state
    assert loaded.layers[0].regularizers == {"weight_regularizer_l2": 5e-4}
    assert loaded.layers[4].regularizers == {"bias_regularizer_l1": 0.125}
    resumed = loaded.optimizer
    assert type(resumed) is Adam and resumed.iterations == 2 and resumed.learning_rate == 0.01
    for k in PARAMETERS:
        mine, theirs = (
            optimizer.state[id(model.layers[k])][1],
            resumed.state[id(loaded.layers[k])][1],
        )
        for name in ("weights", "biases"):
            for a, b in zip(mine[name], theirs[name], strict=True):
                assert a.tobytes() == b.tobytes(), (k, name)


def test_a_big_endian_member_is_read_as_native_floats_of_the_same_values(tmp_path):
    path = saved(tmp_path / "big.npz")
    contents = members(path)
    weights = classifier().layers[0].weights
    rewrite(path, {**contents, "layer0.weights.npy": npy(weights.astype(">f8"))})
    loaded = Model.load(path).layers[0].weights
    assert loaded.dtype == np.dtype("float64") and loaded.dtype.isnative
    assert loaded.tobytes() == weights.tobytes()


def test_reading_holds_each_array_once(tmp_path):
    # An 8 MB weight matrix: read into one array of its size, not read then copied (the
    # peak would be 16 MB); NumPy reports its allocations to tracemalloc.
    path = saved(tmp_path / "wide.npz", Model([Dense(1000, 1000, rng=0)]))
    tracemalloc.start()
    try:
        _, arrays = model_file.read(path)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert arrays["layer0.weights"].nbytes == 8_000_000 <= held
    assert peak - held < 4_000_000, (held, peak)


def test_a_file_saved_without_an_optimizer_loads_without_one(tmp_path):
    model, _ = trained()
    model.save(tmp_path / "bare.npz")
    assert getattr(Model.load(tmp_path / "bare.npz"), "optimizer", None) is None
    assert not any(name.startswith("optimizer") for name in members(tmp_path / "bare.npz"))


# ----- load_weights: into the model at hand, in place, or ArchitectureMismatch -----


def test_load_weights_copies_every_array_in_place_whatever_the_dropout_generator(tmp_path):
    model, _ = trained(seed=0)
    path = tmp_path / "weights.npz"
    model.save(path)
    other, _ = trained(seed=10)  # other weights, statistics and dropout generator state
    held = {
        (k, n): getattr(other.layers[k], n)
        for k, names in PARAMETERS.items()
        for n in names.split()
    }
    assert other.load_weights(path) is other
    for (k, name), array in held.items():
        assert getattr(other.layers[k], name) is array, (k, name)  # copied into, not replaced
        assert array.tobytes() == getattr(model.layers[k], name).tobytes(), (k, name)


@pytest.mark.parametrize(
    "other, key, theirs, ours",
    [
        (
            Model(
                [
                    Dense(2, 3, rng=0, dtype=np.float32),
                    ReLU(),
                    Dense(3, 2, rng=1, dtype=np.float32),
                    Softmax(),
                ],
                loss=CategoricalCrossEntropy(),
            ),
            "dtype",
            "'float64'",
            "'float32'",
        ),
        (
            Model([Dense(2, 3, rng=0), ReLU(), Dense(3, 2, rng=1), Softmax()]),
            "loss",
            "'cross_entropy'",
            "None",
        ),
        (
            Model(
                [Dense(2, 3, rng=0), ReLU(), Dense(3, 4, rng=1), Softmax()],
                loss=CategoricalCrossEntropy(),
            ),
            "layers",
            "Dense(2, 3) relu Dense(3, 2) softmax",
            "Dense(2, 3) relu Dense(3, 4) softmax",
        ),
    ],
    ids=["dtype", "loss", "layers"],
)
def test_load_weights_refuses_another_model_naming_what_differs(tmp_path, other, key, theirs, ours):
    path = saved(tmp_path / "m.npz")
    with pytest.raises(ArchitectureMismatch) as error:
        other.load_weights(path)
    assert (
        str(error.value)
        == f"{path}: the file holds a model with {key} {theirs}, but this model has {ours}"
    )


def test_load_weights_compares_definitions_except_from_a_version_1_file(tmp_path):
    from symbolic.define import define_activation, undefine

    define_activation("softsign_m1", "x/(1 + Abs(x))")
    try:
        model = Model([Dense(2, 3, rng=0), Activation("softsign_m1")])
        path = saved(tmp_path / "user.npz", model)
        saved_as = {"kind": "activation", "formula": "x/(Abs(x) + 1)", "h0": "0"}
        assert model_file.read(path)[0]["definitions"] == {"softsign_m1": saved_as}
        other = {"kind": "activation", "formula": "x/(Abs(x) + 2)", "h0": "0"}

        def redefined(architecture: dict) -> dict:
            return {**architecture, "definitions": {"softsign_m1": other}}

        with pytest.raises(ArchitectureMismatch) as error:
            model.load_weights(with_architecture(path, redefined))
        assert str(error.value) == (
            f"{path}: the file holds a model with definitions {{'softsign_m1': {other!r}}}, "
            f"but this model has {{'softsign_m1': {saved_as!r}}}"
        )

        def version_1(architecture: dict) -> dict:  # names its user op without a formula
            del architecture["definitions"]
            return {**architecture, "version": 1}

        fresh = Model([Dense(2, 3, rng=5), Activation("softsign_m1")])
        fresh.load_weights(with_architecture(path, version_1))
        assert fresh.layers[0].weights.tobytes() == model.layers[0].weights.tobytes()
    finally:
        undefine("softsign_m1")


# ----- writing: atomic, readable by all, named after the target while written -----


def test_a_saved_file_is_readable_by_everyone_and_writable_by_its_owner(tmp_path):
    path = saved(tmp_path / "mode.npz")
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_a_save_that_fails_keeps_the_previous_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = saved(tmp_path / "kept.npz")
    before = path.read_bytes()
    renamed = []

    def crash(source: str, target: object) -> None:
        renamed.append((Path(source), Path(target)))
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk gone"):
        saved(path, classifier(seed=3))
    ((source, target),) = renamed
    # a hidden file beside the target, named after it
    assert source.parent == tmp_path and source.name.startswith(".kept.npz.") and target == path
    assert path.read_bytes() == before and sorted(tmp_path.iterdir()) == [path]


def test_saving_into_a_missing_directory_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        saved(tmp_path / "nowhere" / "m.npz")
    assert list(tmp_path.iterdir()) == []


def test_an_activation_is_written_with_only_the_parameters_off_its_defaults():
    layers = [Dense(2, 2, rng=0), Activation("leaky_relu"), Activation("leaky_relu", alpha=0.1)]
    written = model_file.architecture(Model(layers))["layers"]
    assert written[1:] == [
        {"kind": "activation", "name": "leaky_relu", "params": {}},
        {"kind": "activation", "name": "leaky_relu", "params": {"alpha": 0.1}},
    ]


# ----- names and widths: bounds inclusive -----


def test_names_of_1_to_200_characters_and_widths_up_to_a_million_are_accepted():
    def architecture(loss: object, inputs: int) -> dict:
        layers = [{"kind": "dense", "inputs": inputs, "outputs": 1}]
        return {
            "format": model_file.FORMAT,
            "version": 2,
            "dtype": "float64",
            "loss": loss,
            "layers": layers,
        }

    assert model_file.check_architecture(architecture("l" * 200, 1_000_000))["loss"] == "l" * 200
    for loss, inputs, message in [
        ("", 1, "the loss must be a name (a string of 1 to 200 characters), got ''"),
        (
            "l" * 201,
            1,
            f"the loss must be a name (a string of 1 to 200 characters), got {'l' * 201!r}",
        ),
        ("mse", 1_000_001, "layer 0 inputs must be an integer in [1, 1,000,000], got 1000001"),
    ]:
        with pytest.raises(model_file._Bad) as error:
            model_file.check_architecture(architecture(loss, inputs))
        assert str(error.value) == message


def test_a_missing_file_is_file_not_found_and_a_directory_is_no_model_file(tmp_path):
    # the caller (the CLI) says "no such file", not "damaged"
    with pytest.raises(FileNotFoundError) as missing:
        Model.load(tmp_path / "absent.npz")
    assert not isinstance(missing.value, ModelFileError)
    with pytest.raises(FileNotFoundError):
        classifier().load_weights(tmp_path / "absent.npz")
    assert refusal(tmp_path) == (
        f"{tmp_path} is not a readable model file (damaged or not written by Model.save): "
        f"IsADirectoryError: [Errno 21] Is a directory: '{tmp_path}'"
    )


def test_a_zip64_record_at_the_very_start_of_the_file_is_bounded_too(tmp_path):
    # record (56 bytes) and locator (20) fill the file up to the end record at offset 76:
    # the earliest place they can be, and zipfile reads them there
    path = tmp_path / "start.npz"
    path.write_bytes(zip64_record(30_000, 1_000, 0) + zip64_locator(0) + end_record(5, 316, 0))
    assert refusal(path) == (
        f"{path}: the archive declares 30,000 members in 1,000 bytes; a model file has at "
        f"most 20,001 members"
    )

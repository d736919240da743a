"""The model file: one ``.npz`` (a zip of ``.npy`` members), no pickle.

``architecture.npy`` holds JSON text: the format and its version, the dtype, the loss,
the layers (``dense`` with its sizes; ``activation`` with its op name and parameters,
floats kept exactly), and the formula of every user-defined op the model uses.
``layer{k}.weights.npy`` / ``layer{k}.biases.npy`` hold each Dense layer's arrays.

Writing is atomic: a temporary file in the same directory, renamed over the target.
Reading trusts nothing in the file. Before any array is read, the architecture is
checked (kinds, sizes, counts, ops of the right kind for their place) and every member
of the archive is compared with it, using the zip headers: its name, its dtype and
shape (the ``.npy`` header), and its uncompressed size, which also bounds what is
decompressed. Arrays are then read into arrays of exactly the declared size, checked
to be finite. Every failure is a ``ModelFileError`` naming the file and the problem.
"""

from __future__ import annotations

import json
import math
import os
import re
import struct
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np

from numeric import layer_specs, optimizer_file

FORMAT = "backprop-derived Model"
VERSION = 2  # 2: activation parameters and user-defined formulas; 1 is still read

# Bounds on what a file may declare, checked before anything is allocated.
MAX_LAYERS = 10_000
MAX_WIDTH = 1_000_000  # inputs or outputs of one Dense layer
MAX_PARAMETERS = 50_000_000  # 400 MB of float64 weights; the seed's MNIST net has 109,386
MAX_DISTINCT_OPS = 64  # activations of distinct op or parameters: each is compiled on load
MAX_ARCHITECTURE_BYTES = 8 << 20  # the JSON member (4 bytes a character in .npy)
MAX_MEMBERS = 2 * MAX_LAYERS + 1
MAX_DIRECTORY_BYTES = MAX_MEMBERS * 256  # the zip's central directory
DTYPES = ("float32", "float64")
# "optimizer": written only with model.save(path, optimizer=...); numeric/optimizer_file.py
TOP_LEVEL = {
    "format",
    "version",
    "dtype",
    "loss",
    "loss_class",
    "layers",
    "definitions",
    "optimizer",
}


class ModelFileError(ValueError):
    """A file that is not a readable model file (damaged, truncated, foreign); names the file."""


class ArchitectureMismatch(ModelFileError):
    """A model file whose architecture differs from the model it is loaded into; names the file."""


# ----- writing -----


def architecture(model: object) -> dict:
    """Layer kinds, sizes, activation names and parameters, loss, dtype, user formulas."""
    from numeric.layers import Activation, Dense

    layers, definitions = [], {}
    for layer in model.layers:
        if isinstance(layer, Dense):
            spec = {"kind": "dense", "inputs": layer.n_inputs, "outputs": layer.n_neurons}
            if getattr(layer, "regularizers", None):  # the nnfs keywords, floats kept exactly
                spec["regularizers"] = dict(layer.regularizers)
            layers.append(spec)
        elif isinstance(layer, Activation):
            name, params = _base_name(layer.entry), _params(layer.entry)
            layers.append({"kind": "activation", "name": name, "params": params})
            _define_entry(definitions, name, layer.entry)
        elif layer_specs.spec_of(layer) is not None:  # Dropout, BatchNorm, LayerNorm
            layers.append(layer_specs.spec_of(layer))
        else:
            raise TypeError(f"cannot save a {type(layer).__name__} layer")
    loss = getattr(model.loss, "name", None)
    if loss is not None:
        _define_entry(definitions, loss)
    return {
        "format": FORMAT,
        "version": VERSION,
        "dtype": str(model.dtype),
        "loss": loss,
        "loss_class": type(model.loss).__name__ if model.loss is not None else None,
        "layers": layers,
        "definitions": definitions,
    }


def save(model: object, path: str | os.PathLike, optimizer: object | None = None) -> None:
    """Write ``model`` (and ``optimizer``'s state, if given) to the ``.npz`` at ``path``
    atomically (temporary file + rename)."""
    path = Path(path)
    spec, arrays = architecture(model), {}
    if optimizer is not None:
        spec["optimizer"], arrays = optimizer_file.describe(optimizer, model)
    arrays["architecture"] = np.array(json.dumps(spec))
    for k, layer in enumerate(model.layers):
        if hasattr(layer, "weights"):
            arrays[f"layer{k}.weights"] = layer.weights
            arrays[f"layer{k}.biases"] = layer.biases
        for name in ("running_mean", "running_var"):  # BatchNorm's statistics
            if hasattr(layer, name):
                arrays[f"layer{k}.{name}"] = getattr(layer, name)
    temporary = None
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(descriptor, "wb") as file:
            np.savez(file, **arrays)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
        temporary = None
        _fsync_directory(path.parent)
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)


def _fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (a no-op where directories cannot be opened)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


# ----- user-defined ops: saved with their formula, re-defined or refused on load -----


def _base_name(entry: object) -> str:
    """The table name of an entry: ``leaky_relu`` for ``leaky_relu(alpha=0.1)``."""
    return entry.name.partition("(")[0]


def _params(entry: object) -> dict[str, float]:
    """The parameters that differ from the table's defaults, as exact floats."""
    from symbolic.ops import OPS

    table = OPS.get(_base_name(entry))
    defaults = {symbol.name: value for symbol, value in getattr(table, "params", ())}
    return {
        symbol.name: float(value)
        for symbol, value in getattr(entry, "params", ())
        if defaults.get(symbol.name) != value
    }


def formula_text(expr: object) -> str:
    """``expr`` as a formula ``symbolic.define`` parses back: floats as ``repr``, exactly."""
    from sympy.printing.str import StrPrinter

    class Exact(StrPrinter):
        def _print_Float(self, value: object) -> str:
            return repr(float(value))

    return Exact().doprint(expr)


def definition(entry: object) -> dict:
    """What re-defines a user-defined activation or loss: its formula and options."""
    import sympy as sp

    from symbolic.ops import Elementwise, j, p, t

    if isinstance(entry, Elementwise):
        return {"kind": "activation", "formula": formula_text(entry.expr), "h0": str(entry.h0)}
    summand = entry.expr.function if isinstance(entry.expr, sp.Sum) else entry.expr
    plain = summand.xreplace({p[j]: sp.Symbol("p", real=True), t[j]: sp.Symbol("t", real=True)})
    return {
        "kind": "loss",
        "formula": formula_text(plain),
        "clip": bool(entry.clip),
        "targets": entry.targets,
    }


def _define_entry(definitions: dict, name: str, used: object | None = None) -> None:
    """Add the formula of the user-defined op ``name`` to ``definitions``: the entry a
    layer computes with (``used``), else the table's."""
    from symbolic.ops import BUILT_IN, OPS, Elementwise, Loss

    if name in BUILT_IN or name in definitions:
        return
    entry = used if used is not None else OPS.get(name)
    if entry is None:  # a loss undefined since the model was built: no formula to write
        raise TypeError(
            f"cannot save the user-defined op {name!r}: it is no longer defined; define it "
            f"again (symbolic.define) before saving, or the file could not be loaded"
        )
    if not isinstance(entry, Elementwise | Loss):
        raise TypeError(f"cannot save the user-defined op {name!r}: a {type(entry).__name__}")
    definitions[name] = definition(entry)


def _redefine(name: str, saved: dict, path: object) -> None:
    """Define ``name`` as the file says, or check that its current definition is the same."""
    from symbolic.ops import OPS

    current = OPS.get(name)
    if current is not None:
        if definition(current) != saved:
            raise ModelFileError(
                f"{path}: the file defines {name!r} as {_show(saved)}, but it is now defined as "
                f"{_show(definition(current))}; undefine it (symbolic.define.undefine) or load "
                f"the file in a fresh process"
            )
        return
    from symbolic import define

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", define.UnstableKernelWarning)
            if saved["kind"] == "activation":
                define.define_activation(name, saved["formula"], h0=int(saved["h0"]))
            else:
                define.define_loss(
                    name, saved["formula"], clip=saved["clip"], targets=saved["targets"]
                )
    except (ValueError, TypeError, KeyError, SyntaxError, RecursionError) as error:
        raise ModelFileError(f"{path}: cannot define {name!r} as the file says: {error}") from None
    read_back = definition(OPS[name])
    if read_back != saved:  # the formula did not survive printing and parsing
        define.undefine(name)
        raise ModelFileError(
            f"{path}: {name!r} defined from the file reads {_show(read_back)}, not {_show(saved)}"
        )


def _show(saved: dict) -> str:
    options = {k: v for k, v in saved.items() if k not in ("kind", "formula")}
    extra = ", ".join(f"{k}={v}" for k, v in options.items())
    return f"{saved['formula']!r}" + (f" ({extra})" if extra else "")


# ----- reading: the architecture first, then the zip headers, then the arrays -----


class _Bad(Exception):
    """A problem found in a file; ``read`` turns it into a ``ModelFileError`` naming the file."""


def _integer(value: object, what: str, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise _Bad(f"{what} must be an integer in [{low}, {high:,}], got {value!r}")
    return value


def _text(value: object, what: str, limit: int = 200) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= limit:
        raise _Bad(f"{what} must be a name (a string of 1 to {limit} characters), got {value!r}")
    return value


DENSE_FIELDS = ("kind", "inputs", "outputs")


def _regularizers(value: object, k: int) -> dict[str, float]:
    """A Dense layer's L1/L2 strengths: known keywords, each a finite number > 0."""
    from numeric.layers import REGULARIZERS

    if not isinstance(value, dict) or not set(value) <= set(REGULARIZERS):
        raise _Bad(f"layer {k} regularizers must map {', '.join(REGULARIZERS)} to numbers"[:300])
    for name, lam in value.items():
        if type(lam) not in (int, float) or not 0 < lam < math.inf:
            raise _Bad(f"layer {k} {name} must be a finite number > 0, got {lam!r}"[:300])
    return {name: float(lam) for name, lam in value.items()}


_LEGACY_PARAMS = re.compile(r"^(\w+)\((.*)\)$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _layer(spec: object, k: int, version: int) -> dict:
    """One layer's spec, checked: kind, sizes or op name, parameters (finite numbers)."""
    if not isinstance(spec, dict):
        raise _Bad(f"layer {k} must be an object, got {spec!r}"[:300])
    kind = spec.get("kind")
    if kind == "dense":
        if not {"kind", "inputs", "outputs"} <= set(spec) <= {*DENSE_FIELDS, "regularizers"}:
            raise _Bad(f"layer {k} (dense) must have exactly kind, inputs and outputs: {spec}")
        inputs = _integer(spec["inputs"], f"layer {k} inputs", 1, MAX_WIDTH)
        outputs = _integer(spec["outputs"], f"layer {k} outputs", 1, MAX_WIDTH)
        checked = {"kind": "dense", "inputs": inputs, "outputs": outputs}
        if "regularizers" in spec:
            checked["regularizers"] = _regularizers(spec["regularizers"], k)
        return checked
    if kind in layer_specs.KINDS:
        try:
            return layer_specs.check(spec, k, MAX_WIDTH)
        except layer_specs.BadSpec as problem:
            raise _Bad(str(problem)) from None
    if kind != "activation":
        raise _Bad(f"layer {k} has kind {kind!r}; a layer is 'dense' or 'activation'"[:300])
    if not set(spec) <= {"kind", "name", "params"} or "name" not in spec:
        raise _Bad(f"layer {k} (activation) must have kind, name and params: {spec}"[:300])
    name = _text(spec["name"], f"layer {k} name")
    params = spec.get("params", {})
    legacy = _LEGACY_PARAMS.match(name) if version == 1 else None
    if not legacy and not _NAME.match(name):
        raise _Bad(f"layer {k} has the op name {name!r}; an op name is an identifier"[:300])
    if legacy:  # version 1 wrote "leaky_relu(alpha=0.1)", the value rounded to 6 digits
        name, params = legacy[1], {}
        for item in filter(None, (part.strip() for part in legacy[2].split(","))):
            key, _, value = item.partition("=")
            try:
                params[key.strip()] = float(value)
            except ValueError:
                raise _Bad(f"layer {k} has parameter {item!r}; parameters are key=number") from None
    if not isinstance(params, dict) or len(params) > 16:
        raise _Bad(f"layer {k} params must be an object of at most 16 numbers, got {params!r}")
    for key, value in params.items():
        if type(value) not in (int, float) or not math.isfinite(value):
            raise _Bad(f"layer {k} parameter {key!r} must be a finite number, got {value!r}")
    return {"kind": "activation", "name": name, "params": dict(params)}


def check_architecture(architecture: object) -> dict:
    """The architecture of a file, checked and normalised (version 1 read as 2); or ``_Bad``."""
    if not isinstance(architecture, dict):
        raise _Bad(f"the architecture must be a JSON object, got {type(architecture).__name__}")
    if architecture.get("format") != FORMAT:
        raise _Bad(f"format is {architecture.get('format')!r}, not {FORMAT!r}"[:300])
    version = architecture.get("version")
    if version not in (1, VERSION) or type(version) is not int:
        raise _Bad(f"format version {version!r} is not one this package reads (1 or {VERSION})")
    unknown = sorted(set(architecture) - TOP_LEVEL)
    if unknown:
        raise _Bad(f"unknown field {unknown[0]!r} in the architecture"[:300])
    missing = sorted({"dtype", "loss", "layers"} - set(architecture))
    if missing:
        raise _Bad(f"the architecture has no {missing[0]!r}")
    dtype = architecture["dtype"]
    if dtype not in DTYPES:
        raise _Bad(f"dtype must be float32 or float64, got {dtype!r}"[:300])
    loss, loss_class = architecture["loss"], architecture.get("loss_class")
    if loss is not None:
        _text(loss, "the loss")
    if loss_class is not None:
        _text(loss_class, "the loss class")
    layers = architecture["layers"]
    if not isinstance(layers, list):
        raise _Bad(f"layers must be a list, got {type(layers).__name__}")
    if len(layers) > MAX_LAYERS:
        raise _Bad(f"{len(layers):,} layers; a model file holds at most {MAX_LAYERS:,}")
    checked = [_layer(spec, k, version) for k, spec in enumerate(layers)]
    distinct = {
        (spec["name"], tuple(sorted(spec["params"].items())))
        for spec in checked
        if spec["kind"] == "activation"
    }
    if len(distinct) > MAX_DISTINCT_OPS:  # each one is derived and compiled on loading
        raise _Bad(
            f"the layers use {len(distinct):,} distinct activations (op and parameters); a "
            f"model file holds at most {MAX_DISTINCT_OPS}"
        )
    parameters, width = 0, None
    for k, spec in enumerate(checked):
        if "features" in spec:  # BatchNorm, LayerNorm: as wide as the layer before
            if width is not None and spec["features"] != width:
                raise _Bad(
                    f"layer {k} has {spec['features']} features but the one before gives {width}"
                )
            parameters += 2 * spec["features"]
        if spec["kind"] != "dense":
            continue
        if width is not None and spec["inputs"] != width:
            raise _Bad(f"layer {k} takes {spec['inputs']} inputs but the one before gives {width}")
        width = spec["outputs"]
        parameters += (spec["inputs"] + 1) * spec["outputs"]
        if parameters > MAX_PARAMETERS:
            raise _Bad(
                f"Dense({spec['inputs']}, {spec['outputs']}) at layer {k} brings the parameters "
                f"to {parameters:,}; a model file holds at most {MAX_PARAMETERS:,} "
                f"(numeric.model_file.MAX_PARAMETERS)"
            )
    definitions = architecture.get("definitions", {})
    if not isinstance(definitions, dict) or len(definitions) > 64:
        raise _Bad("definitions must be an object of at most 64 op definitions")
    used = {spec["name"] for spec in checked if spec["kind"] == "activation"} | {loss}
    for name, saved in definitions.items():
        _definition(name, saved)
        if name not in used:
            raise _Bad(f"the definition of {name!r} is not used by any layer or the loss"[:300])
    checked_architecture = {
        "format": FORMAT,
        "version": version,
        "dtype": dtype,
        "loss": loss,
        "loss_class": loss_class,
        "layers": checked,
        "definitions": definitions,
    }
    if "optimizer" in architecture:
        try:
            checked_architecture["optimizer"] = optimizer_file.check(
                architecture["optimizer"], _dense_shapes(checked)
            )
        except optimizer_file.BadOptimizer as problem:
            raise _Bad(str(problem)) from None
    return checked_architecture


def _dense_shapes(layers: list[dict]) -> dict[int, tuple[int, int]]:
    shapes = {k: (s["inputs"], s["outputs"]) for k, s in enumerate(layers) if s["kind"] == "dense"}
    # BatchNorm's and LayerNorm's gamma and beta, (1, features): an optimizer keeps their state
    shapes.update({k: (1, s["features"]) for k, s in enumerate(layers) if "features" in s})
    return dict(sorted(shapes.items()))


def _definition(name: str, saved: object) -> None:
    _text(name, "a defined op's name")
    fields = {
        "activation": {"kind", "formula", "h0"},
        "loss": {"kind", "formula", "clip", "targets"},
    }
    kind = saved.get("kind") if isinstance(saved, dict) else None
    if kind not in fields or set(saved) != fields[kind]:
        raise _Bad(f"the definition of {name!r} is not one of an activation or a loss"[:300])
    _text(saved["formula"], f"the formula of {name!r}", 2000)
    if kind == "activation" and saved["h0"] not in ("0", "1"):
        raise _Bad(f"the definition of {name!r} has h0 {saved['h0']!r}; expected 0 or 1")
    if kind == "loss" and (
        type(saved["clip"]) is not bool or saved["targets"] not in ("onehot", "binary", "real")
    ):
        raise _Bad(f"the definition of {name!r} has clip or targets of the wrong kind")


def _central_directory(file: object) -> None:
    """Refuse an archive whose central directory declares too many members or bytes,
    before ``zipfile`` builds an object for each."""
    file.seek(0, os.SEEK_END)
    size = file.tell()
    tail = min(size, 22 + 65535)
    file.seek(size - tail)
    data = file.read(tail)
    at = data.rfind(b"PK\x05\x06")
    if at < 0 or len(data) - at < 22:
        raise _Bad("not a zip archive (no end of central directory)")
    entries, directory_size = struct.unpack("<xxxxxxxxxxHI", data[at : at + 16])
    # zipfile (_EndRecData64) takes the zip64 record's counts whenever a zip64 record and
    # its locator end just before the end record, whatever the end record says and
    # wherever the locator points: bound the counts zipfile will use.
    end = size - len(data) + at  # the end record's offset in the file
    if end >= 76:
        file.seek(end - 76)
        zip64 = file.read(76)  # the record (56 bytes), then its locator (20)
        if zip64[:4] == b"PK\x06\x06" and zip64[56:60] == b"PK\x06\x07":
            entries, directory_size = struct.unpack("<QQ", zip64[32:48])
    if entries > MAX_MEMBERS or directory_size > MAX_DIRECTORY_BYTES:
        raise _Bad(
            f"the archive declares {entries:,} members in {directory_size:,} bytes; a model "
            f"file has at most {MAX_MEMBERS:,} members"
        )
    file.seek(0)


def _header(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[tuple, bool, np.dtype, int]:
    """The ``.npy`` header of a member: shape, Fortran order, dtype, and its length in bytes."""
    with archive.open(info) as stream:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            raise _Bad(f"{info.filename} has .npy version {version}")
        return shape, fortran, dtype, stream.tell()


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, shape: tuple, kind: str) -> None:
    """Compare a member's zip and ``.npy`` headers with what the architecture declares."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _Bad(f"{info.filename} is compressed with method {info.compress_type}")
    found, fortran, dtype, header = _header(archive, info)
    name = info.filename.removesuffix(".npy")
    if kind == "text":
        if dtype.kind != "U" or found != ():
            raise _Bad(f"{name} must be JSON text, got {dtype} {list(found)}")
    elif dtype.kind != "f" or dtype.itemsize != np.dtype(kind).itemsize or found != shape:
        raise _Bad(f"{name} is {dtype}{list(found)}; the architecture declares {kind}{list(shape)}")
    expected = header + math.prod(found) * dtype.itemsize
    if info.file_size != expected:
        raise _Bad(
            f"{name} holds {info.file_size:,} bytes but its header declares {expected:,} "
            f"({dtype}{list(found)})"
        )


def _array(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    """A member's array, read to the end so that its CRC is checked."""
    with archive.open(info) as stream:
        array = np.lib.format.read_array(stream, allow_pickle=False)
        if stream.read(1):
            raise _Bad(f"{info.filename} is longer than its header says")
    return array


def read(path: str | os.PathLike) -> tuple[dict, dict[str, np.ndarray]]:
    """The checked architecture and the arrays of the model file at ``path``."""
    try:
        with open(path, "rb") as file:
            _central_directory(file)
            with zipfile.ZipFile(file) as archive:
                return _read_archive(archive)
    except FileNotFoundError:
        raise
    except _Bad as problem:
        raise ModelFileError(f"{path}: {problem}") from None
    except Exception as error:  # zipfile, zlib, JSON, OS errors alike
        raise ModelFileError(
            f"{path} is not a readable model file (damaged or not written by Model.save): "
            f"{type(error).__name__}: {error}"[:600]
        ) from error


def _read_archive(archive: zipfile.ZipFile) -> tuple[dict, dict[str, np.ndarray]]:
    infos = archive.infolist()
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        raise _Bad("the archive holds two members of the same name")
    members = dict(zip(names, infos, strict=True))
    text = members.get("architecture.npy")
    if text is None:
        raise _Bad("no architecture member: not a model file")
    if text.file_size > MAX_ARCHITECTURE_BYTES:
        raise _Bad(f"the architecture member is {text.file_size:,} bytes; at most 8 MiB")
    _member(archive, text, (), "text")
    architecture = check_architecture(json.loads(str(_array(archive, text))))
    dtype = architecture["dtype"]
    declared = {}
    for k, spec in enumerate(architecture["layers"]):
        if spec["kind"] == "dense":
            declared[f"layer{k}.weights.npy"] = (spec["inputs"], spec["outputs"])
            declared[f"layer{k}.biases.npy"] = (1, spec["outputs"])
        elif spec["kind"] in layer_specs.KINDS:
            declared.update(layer_specs.members(spec, k))
    if "optimizer" in architecture:
        shapes = _dense_shapes(architecture["layers"])
        declared.update(optimizer_file.members(architecture["optimizer"], shapes))
    for name in names:
        if name != "architecture.npy" and name not in declared:
            raise _Bad(f"member {name!r} is not part of the architecture"[:300])
    for name, shape in declared.items():
        if name not in members:
            raise _Bad(f"{name.removesuffix('.npy')} is missing; the file is damaged")
        _member(archive, members[name], shape, dtype)
    arrays = {}
    for name in declared:
        array = _array(archive, members[name])
        bad = array.size - int(np.count_nonzero(np.isfinite(array)))
        if bad:
            raise _Bad(
                f"{name.removesuffix('.npy')} holds {bad:,} NaN or infinite values of "
                f"{array.size:,}; the model had diverged when saved, or the file is damaged"
            )
        arrays[name.removesuffix(".npy")] = array.astype(dtype, copy=False)
    return architecture, arrays


# ----- building a model from a checked file -----


def _activation(name: str, path: object, params: dict | None = None) -> object:
    """The activation layer ``name``, or ``ModelFileError`` if it is no activation."""
    from numeric.layers import Activation
    from symbolic import op
    from symbolic.ops import Elementwise, Rowwise

    try:
        entry = op(name)
        if not isinstance(entry, Elementwise | Rowwise):
            raise ValueError(f"{name!r} is a {type(entry).__name__} op, not an activation")
        return Activation(name, **(params or {}))
    except ValueError as error:  # a loss, a penalty or the dense layer where an activation is
        raise ModelFileError(f"{path}: {error}") from None
    except TypeError as error:  # a parameter the op does not have
        raise ModelFileError(f"{path}: activation {name!r}: {error}") from None
    except KeyError:
        raise ModelFileError(
            f"{path}: activation {name!r} is not in the op table; define it "
            f"(symbolic.define.define_activation) before loading"
        ) from None


def _loss(name: str | None, class_name: str | None, path: object) -> object:
    """The saved loss: its class in ``numeric.losses`` by name, or ``Loss(name)``."""
    from numeric import losses
    from symbolic import op
    from symbolic.ops import Composed, Loss

    if name is None:
        return None
    try:
        entry = op(name)
    except KeyError:
        raise ModelFileError(f"{path}: loss {name!r} is not in the op table") from None
    if not isinstance(entry, Loss | Composed):
        raise ModelFileError(f"{path}: {name!r} is a {type(entry).__name__} op, not a loss")
    classes = {
        cls.__name__: cls
        for cls in vars(losses).values()
        if isinstance(cls, type) and issubclass(cls, losses.Loss) and cls is not losses.Loss
    }
    cls = classes.get(class_name)
    if cls is not None:
        loss = cls()
        if loss.name == name:
            return loss
    return losses.Loss(name)


def _dense(weights: np.ndarray, biases: np.ndarray) -> object:
    """A Dense layer holding the file's arrays (no weights drawn at the declared size)."""
    from numeric.layers import Dense

    layer = Dense(1, 1, rng=0, dtype=weights.dtype)
    layer.n_inputs, layer.n_neurons = weights.shape
    layer.weights, layer.biases = weights, biases
    layer.init = "file"  # Model.add re-draws only "glorot" and "he" layers
    return layer


def _definitions(architecture: dict, path: object) -> None:
    from symbolic.ops import BUILT_IN

    if architecture["version"] == 1:
        names = [s["name"] for s in architecture["layers"] if s["kind"] == "activation"]
        user = sorted({n for n in [*names, architecture["loss"]] if n and n not in BUILT_IN})
        if user:
            warnings.warn(
                f"{path}: a version 1 file names the user-defined op {user[0]!r} without its "
                f"formula; it is loaded with the current definition, unchecked",
                stacklevel=4,
            )
        return
    used = [s["name"] for s in architecture["layers"] if s["kind"] == "activation"]
    for name in [*used, architecture["loss"]]:
        if name and name not in BUILT_IN and name not in architecture["definitions"]:
            raise ModelFileError(
                f"{path}: {name!r} is not a built-in op, and the file gives no formula for it"
            )
    for name, saved in architecture["definitions"].items():
        if name in BUILT_IN:
            raise ModelFileError(f"{path}: the file re-defines the built-in op {name!r}")
        _redefine(name, saved, path)


def load(path: str | os.PathLike) -> object:
    """A new ``Model`` with the architecture and weights saved at ``path``."""
    from numeric.model import Model

    architecture, arrays = read(path)
    _definitions(architecture, path)
    layers = []
    for k, spec in enumerate(architecture["layers"]):
        if spec["kind"] == "dense":
            layers.append(_dense(arrays[f"layer{k}.weights"], arrays[f"layer{k}.biases"]))
            for name, lam in spec.get("regularizers", {}).items():
                setattr(layers[-1], name, lam)
        elif spec["kind"] in layer_specs.KINDS:
            layers.append(layer_specs.build(spec, arrays, k))
        else:
            layers.append(_activation(spec["name"], path, spec["params"]))
    model = Model(loss=_loss(architecture["loss"], architecture["loss_class"], path))
    model.layers = layers  # sizes chain: checked with the architecture
    if "optimizer" in architecture:  # saved with model.save(path, optimizer=...)
        model.optimizer = optimizer_file.build(architecture["optimizer"], arrays, layers)
    return model


def load_weights(model: object, path: str | os.PathLike) -> object:
    """Copy the weights saved at ``path`` into ``model``; ``ArchitectureMismatch`` if it differs."""
    theirs, arrays = read(path)
    ours = check_architecture(json.loads(json.dumps(architecture(model))))
    for key in ("layers", "dtype", "loss", "definitions"):
        mine, saved = ours[key], theirs[key]
        if key == "layers":  # a Dropout's generator state is not its architecture
            mine, saved = layer_specs.architecture_only(mine), layer_specs.architecture_only(saved)
        if saved != mine and not (key == "definitions" and theirs["version"] == 1):
            raise ArchitectureMismatch(
                f"{path}: the file holds a model with {key} {describe(theirs[key])}, "
                f"but this model has {describe(ours[key])}"
            )
    for k, layer in enumerate(model.layers):
        if hasattr(layer, "weights"):
            np.copyto(layer.weights, arrays[f"layer{k}.weights"])
            np.copyto(layer.biases, arrays[f"layer{k}.biases"])
        for name in ("running_mean", "running_var"):  # BatchNorm's statistics
            if hasattr(layer, name):
                np.copyto(getattr(layer, name), arrays[f"layer{k}.{name}"])
    return model


def describe(value: object) -> str:
    """Layers as ``Dense(64, 32) relu leaky_relu(alpha=0.1)``; anything else as its repr."""
    if not isinstance(value, list):
        return repr(value)
    words = []
    for spec in value:
        if spec["kind"] == "dense":
            extra = "".join(f", {n}={v!r}" for n, v in spec.get("regularizers", {}).items())
            words.append(f"Dense({spec['inputs']}, {spec['outputs']}{extra})")
        elif spec["kind"] in layer_specs.KINDS:
            words.append(layer_specs.describe(spec))
        elif spec["params"]:
            params = ", ".join(f"{k}={v!r}" for k, v in spec["params"].items())
            words.append(f"{spec['name']}({params})")
        else:
            words.append(spec["name"])
    return " ".join(words)

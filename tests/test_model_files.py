"""Hostile and broken model files: every one a ModelFileError naming the file and the
problem, found from the zip and .npy headers before anything of the declared size is
allocated; hostile cases measured in a subprocess under a 1 GiB address-space limit."""

from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from numeric import Activation, Dense, Loss, Model, ReLU, Softmax, model_file
from numeric.losses import CategoricalCrossEntropy
from numeric.model_file import ArchitectureMismatch, ModelFileError

ROOT = Path(__file__).resolve().parent.parent
GIB = 1 << 30


# ----- running a case in a bounded subprocess -----


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float | None  # the child's peak resident memory, VmHWM (None if it was killed)


# Imported by every Python started through `bounded` (it is first on PYTHONPATH): at exit,
# the process writes its peak resident memory. VmHWM, not ru_maxrss: Linux carries a
# forked child's ru_maxrss over from its parent (here pytest, 300 MB), VmHWM starts anew.
PEAK_HOOK = """
import atexit, os

def _peak():
    with open("/proc/self/status") as status:
        kilobytes = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(os.environ["BOUNDED_PEAK_FILE"], "w") as out:
        out.write(kilobytes)

if os.environ.get("BOUNDED_PEAK_FILE"):
    atexit.register(_peak)
"""


def bounded(argv: list[str], memory: int = GIB, timeout: float = 10.0, **kwargs) -> Run:
    """Run ``argv`` under ``ulimit -v memory``; its wall time and peak resident memory.

    The child is killed at three times ``timeout`` so that a hang fails the test
    instead of the suite; the caller asserts ``seconds < timeout``.
    """

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    with tempfile.TemporaryDirectory() as hook:
        Path(hook, "sitecustomize.py").write_text(PEAK_HOOK)
        peak = Path(hook, "peak")
        env = dict(kwargs.pop("env", os.environ))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [hook, env.get("PYTHONPATH")]))
        env["BOUNDED_PEAK_FILE"] = str(peak)
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            start = time.monotonic()
            process = subprocess.Popen(
                argv,
                stdout=out,
                stderr=err,
                preexec_fn=limit,
                cwd=kwargs.pop("cwd", ROOT),
                env=env,
                **kwargs,
            )
            try:
                process.wait(timeout=3 * timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            seconds = time.monotonic() - start
            out.seek(0), err.seek(0)
            return Run(
                process.returncode,
                out.read().decode(errors="replace"),
                err.read().decode(errors="replace"),
                seconds,
                int(peak.read_text()) / 1024 if peak.exists() else None,
            )


def python(code: str, **kwargs) -> Run:
    return bounded([sys.executable, "-c", code], **kwargs)


def load_refused(path: Path) -> Run:
    """``Model.load(path)`` in a bounded subprocess; prints the ModelFileError's message."""
    code = (
        "from numeric import Model, ModelFileError\n"
        "try:\n"
        f"    Model.load({str(path)!r})\n"
        "except ModelFileError as error:\n"
        "    print(error)\n"
        "else:\n"
        "    raise SystemExit('loaded')\n"
    )
    run = python(code)
    assert run.returncode == 0, run.stderr
    assert run.seconds < 10, run.seconds
    assert run.peak_mb < 300, run.peak_mb
    return run


# ----- writing files by hand -----


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def arch(layers: list | None = None, **fields) -> dict:
    return {
        "format": model_file.FORMAT,
        "version": 2,
        "dtype": "float64",
        "loss": "cross_entropy",
        "loss_class": "CategoricalCrossEntropy",
        "layers": layers or [],
        "definitions": {},
        **fields,
    }


def dense(inputs: object, outputs: object) -> dict:
    return {"kind": "dense", "inputs": inputs, "outputs": outputs}


def act(name: str, **params: float) -> dict:
    return {"kind": "activation", "name": name, "params": params}


def write(path: Path, architecture: dict, arrays: dict, compress: bool = False) -> Path:
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", method) as archive:
        archive.writestr("architecture.npy", npy(np.array(json.dumps(architecture))))
        for name, value in arrays.items():
            archive.writestr(name + ".npy", value if isinstance(value, bytes) else npy(value))
    return path


def small(path: Path, **fields) -> Path:
    """A valid 2-3-2 softmax classifier, with ``fields`` overriding the architecture."""
    rng = np.random.default_rng(0)
    arrays = {
        "layer0.weights": rng.standard_normal((2, 3)),
        "layer0.biases": np.zeros((1, 3)),
        "layer2.weights": rng.standard_normal((3, 2)),
        "layer2.biases": np.zeros((1, 2)),
    }
    layers = [dense(2, 3), act("relu"), dense(3, 2), act("softmax")]
    return write(path, arch(fields.pop("layers", layers), **fields), arrays)


def refused(path: Path, message: str) -> str:
    with pytest.raises(ModelFileError) as error:
        Model.load(path)
    text = str(error.value)
    assert text.startswith(str(path)), text  # names the file
    assert message in text, text
    return text


# ----- sizes: checked before anything is allocated -----


def test_a_valid_hand_written_file_loads(tmp_path):
    model = Model.load(small(tmp_path / "ok.npz"))
    assert [repr(layer) for layer in model.layers] == [
        "Dense(2, 3)",
        "Activation('relu')",
        "Dense(3, 2)",
        "Activation('softmax')",
    ]
    assert model.predict(np.ones((1, 2))).sum() == pytest.approx(1)


def test_a_1_kb_file_declaring_dense_20000_by_20000_is_refused_in_bounded_memory(tmp_path):
    # Was: 24 s and 6.1 GB before ModelFileError (Dense drew 400 M weights first).
    path = write(tmp_path / "big.npz", arch([dense(20000, 20000)]), {})
    assert path.stat().st_size < 1200
    run = load_refused(path)
    assert (
        "Dense(20000, 20000) at layer 0 brings the parameters to 400,020,000; a model file "
        "holds at most 50,000,000" in run.stdout
    )
    # Measured: 0.2 s, 29 MB (the interpreter and NumPy).


def test_sizes_past_the_bounds_are_refused_by_name(tmp_path):
    refused(write(tmp_path / "w.npz", arch([dense(2, 10**7)]), {}), "layer 0 outputs")
    refused(write(tmp_path / "w.npz", arch([dense(2, 10**7)]), {}), "[1, 1,000,000], got 10000000")
    many = [dense(5000, 5000), act("relu")] * 3
    path = write(tmp_path / "p.npz", arch(many), {})
    refused(path, "Dense(5000, 5000) at layer 2 brings the parameters to 50,010,000")


@pytest.mark.parametrize(
    "size, shown", [(-5, "-5"), (0, "0"), (True, "True"), (2.5, "2.5"), ("3", "'3'")]
)
def test_negative_zero_and_non_integer_sizes_are_refused(tmp_path, size, shown):
    path = write(tmp_path / "n.npz", arch([dense(size, 2)]), {})
    refused(path, f"layer 0 inputs must be an integer in [1, 1,000,000], got {shown}")


def test_widths_that_do_not_chain_are_refused(tmp_path):
    path = write(tmp_path / "c.npz", arch([dense(2, 3), act("relu"), dense(4, 2)]), {})
    refused(path, "layer 2 takes 4 inputs but the one before gives 3")


def test_a_member_shaped_otherwise_than_declared_is_refused_before_it_is_read(tmp_path):
    arrays = {"layer0.weights": np.ones((1, 1)), "layer0.biases": np.zeros((1, 2000))}
    path = write(tmp_path / "s.npz", arch([dense(2000, 2000)]), arrays)
    refused(path, "layer0.weights is float64[1, 1]; the architecture declares float64[2000, 2000]")


def test_a_member_whose_zip_size_disagrees_with_its_npy_header_is_refused(tmp_path):
    header = npy(np.zeros((2000, 2000)))[:128]  # the header alone, no data
    arrays = {"layer0.weights": header, "layer0.biases": np.zeros((1, 2000))}
    path = write(tmp_path / "z.npz", arch([dense(2000, 2000)]), arrays)
    refused(path, "layer0.weights holds 128 bytes but its header declares 32,000,128")


def test_a_6_mb_file_with_an_unused_gib_member_is_refused_unread(tmp_path):
    # Was: loaded after using 6.2 GB (np.load read every member). Here 1 GiB of zeros.
    path = small(tmp_path / "unused.npz")
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (GIB // 8,)}
    )
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("extra.npy", "w", force_zip64=True) as member:
            member.write(header.getvalue())
            for _ in range(GIB >> 24):
                member.write(bytes(1 << 24))
    assert path.stat().st_size < 8 << 20
    run = load_refused(path)
    assert "member 'extra.npy' is not part of the architecture" in run.stdout


def test_small_members_not_in_the_architecture_and_duplicates_are_refused(tmp_path):
    path = small(tmp_path / "x.npz")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("layer1.weights.npy", npy(np.ones((2, 2))))
    refused(path, "member 'layer1.weights.npy' is not part of the architecture")
    path = small(tmp_path / "d.npz")
    with pytest.warns(UserWarning, match="Duplicate name"):
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr("layer0.biases.npy", npy(np.zeros((1, 3))))
    refused(path, "two members of the same name")


def test_an_archive_declaring_30000_members_is_refused_before_zipfile_lists_them(tmp_path):
    path = small(tmp_path / "members.npz")
    with zipfile.ZipFile(path, "a") as archive:
        for k in range(30000):
            archive.writestr(f"m{k}", b"")
    refused(path, "declares 30,005 members")


def test_100000_declared_layers_are_refused_at_once(tmp_path):
    # Was: over a minute (loading was quadratic in the layer count).
    path = write(tmp_path / "deep.npz", arch([dense(1, 1), act("relu")] * 50000), {})
    run = load_refused(path)
    assert "the architecture member is" in run.stdout and "at most 8 MiB" in run.stdout
    compact = arch([act("relu")] * 12000)
    refused(write(tmp_path / "d.npz", compact, {}), "12,000 layers; a model file holds at most")


def test_thousands_of_distinct_activation_parameters_are_refused_before_compiling_any(tmp_path):
    # Each distinct value is an op derived and compiled anew (25 ms): 5,000 would take 2 min.
    layers = [dense(2, 2)]
    for k in range(5000):
        layers.append(act("leaky_relu", alpha=0.01 + k * 1e-6))
    path = write(tmp_path / "alphas.npz", arch(layers), {})
    refused(path, "the layers use 5,000 distinct activations (op and parameters); a model")


def test_loading_is_linear_in_the_layer_count(tmp_path):
    def seconds(n: int) -> float:
        path = tmp_path / f"deep{n}.npz"
        Model([layer for _ in range(n) for layer in (Dense(1, 1, rng=0), ReLU())]).save(path)
        times = []
        for _ in range(2):
            start = time.perf_counter()
            Model.load(path)
            times.append(time.perf_counter() - start)
        return min(times)

    short, long = seconds(500), seconds(5000)  # 1,000 and 10,000 layers (the most a file holds)
    assert long < 20 * short, (short, long)  # measured 0.10 s and 1.0 s
    assert long < 10, long


def test_adding_a_layer_does_not_rescan_the_model():
    # Was quadratic: add() listed every Dense so far to find the last one (9.6 s here).
    layers = [Dense(1, 1, rng=0) for _ in range(20000)]
    start = time.perf_counter()
    Model(layers)
    assert time.perf_counter() - start < 1.0  # measured 0.02 s


# ----- dtypes and values -----


@pytest.mark.parametrize("dtype", ["float16", "int32", "<U5", "object", "complex128"])
def test_only_float32_and_float64_are_accepted(tmp_path, dtype):
    refused(small(tmp_path / "t.npz", dtype=dtype), "dtype must be float32 or float64, got")


@pytest.mark.parametrize(
    "array, shown",
    [
        (np.ones((2, 3), np.float16), "float16[2, 3]"),
        (np.ones((2, 3), np.int64), "int64[2, 3]"),
        (np.array([["a"] * 3] * 2), "<U1[2, 3]"),
    ],
)
def test_a_member_of_another_dtype_is_refused(tmp_path, array, shown):
    path = write(
        tmp_path / "m.npz",
        arch([dense(2, 3)]),
        {
            "layer0.weights": array,
            "layer0.biases": np.zeros((1, 3)),
        },
    )
    refused(path, f"layer0.weights is {shown}; the architecture declares float64[2, 3]")


def test_an_object_member_is_refused_without_unpickling(tmp_path):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.array([None] * 6, object).reshape(2, 3), allow_pickle=True)
    path = write(
        tmp_path / "o.npz",
        arch([dense(2, 3)]),
        {
            "layer0.weights": buffer.getvalue(),
            "layer0.biases": np.zeros((1, 3)),
        },
    )
    refused(path, "layer0.weights is object[2, 3]")


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_nan_or_infinite_weights_are_refused(tmp_path, value):
    model = Model([Dense(2, 3, rng=0), ReLU()])
    model.layers[0].weights[1, 2] = value
    model.save(tmp_path / "nan.npz")
    refused(tmp_path / "nan.npz", "layer0.weights holds 1 NaN or infinite values of 6")


def test_a_damaged_member_fails_its_crc(tmp_path):
    path = small(tmp_path / "crc.npz")
    raw = bytearray(path.read_bytes())
    at = raw.index(npy(np.zeros((1, 3)))[-24:])  # layer0.biases' data, stored
    raw[at + 3] ^= 0x40
    path.write_bytes(bytes(raw))
    refused(path, "not a readable model file (damaged or not written by Model.save): BadZipFile")


# ----- the architecture: fields, kinds, ops of the right kind for their place -----


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"format": "keras"}, "format is 'keras', not 'backprop-derived Model'"),
        ({"version": 7}, "format version 7 is not one this package reads"),
        ({"weights_url": "http://x"}, "unknown field 'weights_url'"),
        ({"loss": 5}, "the loss must be a name (a string of 1 to 200 characters), got 5"),
        ({"loss": "relu"}, "'relu' is a Elementwise op, not a loss"),
        ({"loss": "dense"}, "'dense' is a Affine op, not a loss"),
        ({"loss": "hinge"}, "'hinge' is not a built-in op, and the file gives no formula"),
        ({"loss_class": ["x"]}, "the loss class must be a name"),
        ({"layers": "all of them"}, "layers must be a list, got str"),
        ({"layers": [{"kind": "conv", "filters": 3}]}, "layer 0 has kind 'conv'"),
        ({"layers": [act("dense")]}, "'dense' is a Affine op, not an activation"),
        ({"layers": [act("cross_entropy")]}, "'cross_entropy' is a Loss op, not an activation"),
        ({"layers": [act("l2_penalty")]}, "'l2_penalty' is a Penalty op, not an activation"),
        ({"layers": [act("nonesuch")]}, "'nonesuch' is not a built-in op, and the file gives"),
        ({"layers": [act("leaky_relu", beta=1.0)]}, "leaky_relu has no parameter 'beta'"),
        ({"layers": [act("relu(alpha=1)")]}, "an op name is an identifier"),
        ({"layers": [{"kind": "activation", "name": "relu", "params": {"a": "NaN"}}]}, "finite"),
    ],
)
def test_a_malformed_architecture_is_refused_naming_the_problem(tmp_path, fields, message):
    path = tmp_path / "a.npz"
    if "layers" in fields:  # no weights: the layers are refused before the members are
        refused(write(path, arch(**fields), {}), message)
    else:
        refused(small(path, **fields), message)


def test_a_missing_loss_or_layers_field_is_refused(tmp_path):
    for field in ("loss", "layers", "dtype"):
        architecture = arch([])
        del architecture[field]
        refused(write(tmp_path / "f.npz", architecture, {}), f"the architecture has no {field!r}")


@pytest.mark.parametrize(
    "text, message",
    [
        (b"[" * 100000, "RecursionError"),
        (b'"just a string"', "the architecture must be a JSON object, got str"),
        (b"{not json", "JSONDecodeError"),
    ],
)
def test_architecture_text_that_is_not_an_object_is_refused(tmp_path, text, message):
    path = tmp_path / "j.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("architecture.npy", npy(np.array(text.decode())))
    refused(path, message)


# ----- parameters and user-defined ops, exactly -----


def test_an_activation_parameter_comes_back_exactly(tmp_path):
    # Was: alpha=0.123456789 came back as 0.123457 (the name's 6 digits).
    X = np.random.default_rng(0).standard_normal((50, 3))
    model = Model([Dense(3, 8, rng=0), Activation("leaky_relu", alpha=0.123456789)])
    model.save(tmp_path / "a.npz")
    loaded = Model.load(tmp_path / "a.npz")
    assert loaded.layers[1].entry.params[0][1] == 0.123456789
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    rounded = Model([Dense(3, 8, rng=0), Activation("leaky_relu", alpha=0.123457)])
    assert not np.array_equal(rounded.predict(X), model.predict(X))  # the test bites
    with pytest.raises(ArchitectureMismatch, match=r"leaky_relu\(alpha=0.123456789\)"):
        rounded.load_weights(tmp_path / "a.npz")


def test_a_version_1_file_still_loads(tmp_path):
    rng = np.random.default_rng(0)
    layers = [dense(2, 3), {"kind": "activation", "name": "leaky_relu(alpha=0.1)"}]
    version_1 = arch(layers, version=1, loss=None, loss_class=None)
    del version_1["definitions"]
    arrays = {"layer0.weights": rng.standard_normal((2, 3)), "layer0.biases": np.zeros((1, 3))}
    model = Model.load(write(tmp_path / "v1.npz", version_1, arrays))
    assert model.layers[1].entry.params[0][1] == 0.1 and model.loss is None


USER_OP = """
import json, sys
import numpy as np
from symbolic.define import define_activation, define_loss, undefine
from numeric import Activation, Dense, Loss, Model, ModelFileError
path, step = sys.argv[1], sys.argv[2]
X = np.linspace(-3, 3, 12).reshape(4, 3)
if step == "save":
    define_activation("softsign_file", "x/(1 + 0.1234567891234567*Abs(x))")
    define_loss("quartic_file", "(p - t)**4")
    model = Model([Dense(3, 2, rng=0), Activation("softsign_file")], loss=Loss("quartic_file"))
    model.save(path)
    print(json.dumps(model.predict(X).tolist()))
elif step == "load":
    print(json.dumps(Model.load(path).predict(X).tolist()))
else:
    define_activation("softsign_file", "x/(1 + Abs(x))")
    try:
        Model.load(path)
    except ModelFileError as error:
        print(error)
"""


def test_a_user_defined_op_is_saved_with_its_formula_and_redefined_or_refused(tmp_path):
    # Was: saved by name only; another formula under that name gave other predictions.
    path = str(tmp_path / "user.npz")

    def run(step: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", USER_OP, path, step], capture_output=True, text=True, cwd=ROOT
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    saved = run("save")
    architecture, _ = model_file.read(path)
    assert architecture["definitions"] == {
        "softsign_file": {
            "kind": "activation",
            "formula": "x/(0.1234567891234567*Abs(x) + 1)",
            "h0": "0",
        },
        "quartic_file": {"kind": "loss", "formula": "(p - t)**4", "clip": False, "targets": "real"},
    }
    assert run("load") == saved  # a fresh process defines both from the file, exactly
    message = run("differs")
    assert message.startswith(path)
    assert (
        "the file defines 'softsign_file' as 'x/(0.1234567891234567*Abs(x) + 1)' (h0=0), but it "
        "is now defined as 'x/(Abs(x) + 1)' (h0=0)" in message
    )


def test_a_formula_in_a_file_goes_through_the_restricted_parser(tmp_path):
    marker = tmp_path / "ran"
    formula = f"__import__('os').system('touch {marker}') + x"
    definitions = {"evil": {"kind": "activation", "formula": formula, "h0": "0"}}
    path = small(tmp_path / "evil.npz", definitions=definitions)
    architecture = json.loads(str(np.load(path)["architecture"]))
    architecture["layers"][1]["name"] = "evil"
    with np.load(path) as archive:
        arrays = {name: archive[name] for name in archive.files if name != "architecture"}
    write(path, architecture, arrays)
    text = refused(path, "cannot define 'evil' as the file says: ")
    assert "allowed in a formula" in text  # the formula checker's refusal, whichever node
    assert not marker.exists(), text
    from symbolic import OPS

    assert "evil" not in OPS


def test_definitions_must_be_used_and_user_ops_must_come_with_one(tmp_path):
    definitions = {"spare": {"kind": "activation", "formula": "x", "h0": "0"}}
    refused(small(tmp_path / "u.npz", definitions=definitions), "'spare' is not used")
    layers = [dense(2, 3), act("softsign_nowhere"), dense(3, 2), act("softmax")]
    refused(small(tmp_path / "n.npz", layers=layers), "'softsign_nowhere' is not a built-in op")
    defs = {"relu": {"kind": "activation", "formula": "x", "h0": "0"}}
    refused(small(tmp_path / "b.npz", definitions=defs), "re-defines the built-in op 'relu'")


# ----- what a good file gives back -----


def test_round_trip_keeps_loss_class_dtype_and_predictions(tmp_path):
    model = Model(
        [Dense(4, 5, rng=0, dtype=np.float32), ReLU(), Dense(5, 3, rng=1, dtype=np.float32)],
        loss=CategoricalCrossEntropy(),
    )
    model.add(Softmax())
    model.save(tmp_path / "r.npz")
    loaded = Model.load(tmp_path / "r.npz")
    X = np.random.default_rng(2).standard_normal((6, 4)).astype(np.float32)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert type(loaded.loss) is CategoricalCrossEntropy and loaded.dtype == np.float32
    assert [p.name for p in tmp_path.iterdir()] == ["r.npz"]
    assert isinstance(Model.load(tmp_path / "r.npz").loss, Loss)

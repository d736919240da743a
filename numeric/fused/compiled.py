"""Fused loops as importable modules: printed once, kept on disk, compiled by numba.

A loop's module is written to ``<kernel cache>/fused/`` (the directory of
``numeric/kernel_cache.py``: ``$BACKPROP_DERIVED_CACHE``, else the user's cache),
named by a hash of what it is printed from: the op's table entry, the dtype and
the source of this package. A second process imports it without deriving
anything, and numba's own cache (``cache=True``: ``__pycache__`` beside the
module, or ``$NUMBA_CACHE_DIR``) skips the compilation too.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
from functools import cache
from pathlib import Path
from types import ModuleType

import numpy as np

FORMAT = 1  # bump when the layout of a module changes


@cache
def available() -> bool:
    """True when numba can be imported (the fused loops need it)."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


@cache
def _fingerprint() -> str:
    digest = hashlib.sha256(f"fused {FORMAT}".encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def directory() -> Path:
    from numeric import kernel_cache

    return kernel_cache.directory() / "fused"


def clear() -> int:
    """Delete every generated module and numba's cache of it; return how many modules."""
    import shutil

    modules = list(directory().glob("fused_*.py"))
    if directory().exists():
        shutil.rmtree(directory(), ignore_errors=True)
    return len(modules)


def _entry_key(entry: object) -> str:
    from numeric import kernel_cache

    return kernel_cache.key(entry)


def module(kind: str, key: str, source: callable, dtype: np.dtype) -> ModuleType:
    """The module ``kind`` for ``key`` and ``dtype``: imported from disk, else printed by
    ``source(dtype_name)`` and written there first."""
    dtype = np.dtype(dtype).name
    digest = hashlib.sha256(f"{_fingerprint()} {kind} {key} {dtype}".encode()).hexdigest()[:20]
    name = f"fused_{_identifier(kind)}_{dtype}_{digest}"
    loaded = sys.modules.get(name)  # numba's cache finds the module again by this name
    if loaded is not None:
        return loaded
    path = directory() / f"{name}.py"
    if not path.exists():
        text = source(dtype)
        try:
            _write(path, text)
        except OSError:  # a read-only cache: a private directory for this process
            path = Path(tempfile.mkdtemp(prefix="backprop-fused-")) / f"{name}.py"
            _write(path, text)
    spec = importlib.util.spec_from_file_location(name, path)
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[name] = loaded
    try:
        spec.loader.exec_module(loaded)
    except BaseException:
        del sys.modules[name]
        raise
    return loaded


def _identifier(kind: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in kind)


def _write(path: Path, text: str) -> None:
    """Write atomically, so that a concurrent process never imports half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# ----- the modules, by kind: (key, source) to print, then loaded -----


def activation_source(entry: object | None) -> tuple[str, callable]:
    """The key and the source printer of an activation's loops (None: no activation)."""
    from numeric.fused.loops import activation_source as loops

    def source(dtype_name: str) -> str:
        if entry is None:
            import sympy as sp

            x, g = sp.symbols("x g", real=True)  # y = x: dy/dx by SymPy, no activation
            return loops("identity", x, g * sp.diff(x, x), dtype_name)
        from symbolic.forms import derive_entry

        derivation = derive_entry(entry)
        return loops(entry.name, derivation.forward.expr, derivation.backward.expr, dtype_name)

    return ("identity" if entry is None else _entry_key(entry)), source


def activation(entry: object | None, dtype: np.dtype) -> ModuleType:
    """``forward(Z, b, Y)`` and ``backward(X, Y, G, db)`` of an activation entry
    (None: no activation, the dense layer's output itself)."""
    key, source = activation_source(entry)
    return module(f"activation_{getattr(entry, 'name', 'identity')}", key, source, dtype)


def softmax_cross_entropy_source() -> tuple[str, callable]:
    from numeric.fused.loops import rowwise_source
    from symbolic import op

    composed = op("softmax_cross_entropy")

    def source(dtype_name: str) -> str:
        from symbolic.forms import derive_entry

        softmax, loss = derive_entry(op(composed.activation)), derive_entry(composed)
        s = loss.backward.args[1]  # the softmax's output, an argument of the gradient
        probabilities = softmax.forward.expr
        outputs = {"P": probabilities, "G": loss.backward.expr.xreplace({s: probabilities})}
        return rowwise_source(composed.name, outputs, loss.forward.expr, "G", dtype_name)

    return _entry_key(composed) + _entry_key(op(composed.activation)), source


def softmax_cross_entropy(dtype: np.dtype) -> ModuleType:
    """``forward_backward(Z, b, Tt, P, G, db)``: the softmax P, the gradient G, their loss."""
    return module("softmax_cross_entropy", *softmax_cross_entropy_source(), dtype=dtype)


def update_source(rule: object) -> tuple[str, callable]:
    from numeric.fused.loops import update_source as loops

    def source(dtype_name: str) -> str:
        return loops(rule.kind, rule.assign, rule.arrays, rule.scalars, dtype_name)

    return repr(rule), source


def update(rule: object, dtype: np.dtype) -> ModuleType:
    """``apply(...)``: the rule's new values into spare buffers; gradients' sums of squares."""
    return module(f"update_{rule.kind}", *update_source(rule), dtype=dtype)


def sources(name: str, dtype: str = "float32") -> list[tuple[str, str]]:
    """(title, source) of the fused loops that print op ``name`` (none for the others)."""
    from numeric.fused.updates import RULES
    from symbolic import op
    from symbolic.ops import Elementwise

    if name in RULES:
        return [(f"{name}: fused update ({dtype})", update_source(RULES[name])[1](dtype))]
    entry = op(name)
    if isinstance(entry, Elementwise):
        title = f"{name}: fused loops, bias add + forward, backward + dbiases ({dtype})"
        return [(title, activation_source(entry)[1](dtype))]
    if name in ("softmax", "cross_entropy", "softmax_cross_entropy"):
        title = f"softmax_cross_entropy: fused loop ({dtype}), used for softmax + cross-entropy"
        return [(title, softmax_cross_entropy_source()[1](dtype))]
    return []

"""Fused loops as importable modules: printed, written to disk, compiled by numba.

A loop's module is printed from the derivation in every process that needs it
(SymPy's work: 0.1-0.4 s) and written to ``<kernel cache>/fused/`` (the directory
of ``numeric/kernel_cache.py``: ``$BACKPROP_DERIVED_CACHE``, else the user's
cache), named by a hash of its own text. A file already there is imported only
when it is a regular file of ours, no one else may write, holding exactly that
text: source on disk is never trusted, only recognised. numba's cache of the
compiled code (``cache=True``: pickles in ``__pycache__`` beside the module, or
``$NUMBA_CACHE_DIR``) is what a second process saves (the compilation, 1-2 s);
it is used only in a directory that is ours and private, as the kernel cache's
own rule says (``kernel_cache.untrusted``); otherwise a private temporary
directory serves this process, with a ``KernelCacheWarning``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
import warnings
from functools import cache
from pathlib import Path
from types import ModuleType

import numpy as np

_loaded: dict[tuple, ModuleType] = {}  # (kind, what it is printed from, dtype) -> module


@cache
def available() -> bool:
    """True when numba is installed (the fused loops need it); found without importing it."""
    import importlib.util

    return importlib.util.find_spec("numba") is not None


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


def module(kind: str, key: object, source: callable, dtype: np.dtype) -> ModuleType:
    """The module ``kind`` printed from ``key`` (a table entry, a rule) for ``dtype``:
    ``source(dtype_name)`` printed, checked against the file of that name, imported."""
    dtype = np.dtype(dtype).name
    memo = (kind, key, dtype)
    if memo in _loaded:
        return _loaded[memo]
    text = source(dtype)
    digest = hashlib.sha256(text.encode()).hexdigest()[:20]
    name = f"fused_{_identifier(kind)}_{dtype}_{digest}"
    loaded = sys.modules.get(name)  # numba's cache finds the module again by this name
    if loaded is None:
        path = _place(name, text)
        spec = importlib.util.spec_from_file_location(name, path)
        loaded = importlib.util.module_from_spec(spec)
        sys.modules[name] = loaded
        try:
            spec.loader.exec_module(loaded)
        except BaseException:
            del sys.modules[name]
            raise
    _loaded[memo] = loaded
    return loaded


def _place(name: str, text: str) -> Path:
    """The path of a file of ours holding exactly ``text``: found, or written."""
    from numeric.kernel_cache import UntrustedEntry, _read_own

    folder = _folder()
    path = folder / f"{name}.py"
    try:
        if _read_own(path) == text:
            return path
    except FileNotFoundError:
        pass
    except (OSError, UntrustedEntry, UnicodeDecodeError):
        path.unlink(missing_ok=True)  # not ours, or not what we print: written anew
    try:
        _write(path, text)
    except OSError:  # a read-only cache: a private directory for this process
        path = _temporary() / f"{name}.py"
        _write(path, text)
    return path


def _folder() -> Path:
    """The fused modules' directory, when it (and the cache, and numba's cache in it) is
    ours and private; else a private temporary directory, with a warning."""
    from numeric.kernel_cache import KernelCacheWarning, untrusted

    folder = directory()
    for place in (folder.parent, folder, folder / "__pycache__"):
        reason = untrusted(place)
        if reason is not None:
            warnings.warn(
                f"{place} is not used for the fused loops: {reason}; they are compiled in a "
                f"private temporary directory instead (chmod 700, or set BACKPROP_DERIVED_CACHE)",
                KernelCacheWarning,
                stacklevel=5,
            )
            return _temporary()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return _temporary()
    return folder


@cache
def _temporary() -> Path:
    return Path(tempfile.mkdtemp(prefix="backprop-fused-"))  # mode 700


def _identifier(kind: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in kind)


def _write(path: Path, text: str) -> None:
    """Write atomically (a concurrent process never imports half a file), mode 600."""
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

    return ("identity" if entry is None else entry), source


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

    return (composed, op(composed.activation)), source


def softmax_cross_entropy(dtype: np.dtype) -> ModuleType:
    """``forward_backward(Z, b, Tt, P, G, db)``: the softmax P, the gradient G, their loss."""
    return module("softmax_cross_entropy", *softmax_cross_entropy_source(), dtype=dtype)


def update_source(rule: object) -> tuple[str, callable]:
    from numeric.fused.loops import update_source as loops

    def source(dtype_name: str) -> str:
        return loops(rule.kind, rule.assign, rule.arrays, rule.scalars, dtype_name)

    return rule, source


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

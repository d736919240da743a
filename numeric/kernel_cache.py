"""An on-disk cache of generated kernel source, so a second process skips SymPy's work.

An entry is keyed by the op's table entry (every SymPy expression in it, by
``srepr``), the SymPy version, and the source of the code that derives and prints
kernels; any change to one of them is a miss. It lives in
``$BACKPROP_DERIVED_CACHE``, else ``$XDG_CACHE_HOME/backprop-derived``, else
``~/.cache/backprop-derived``; deleting it is always safe, and a corrupt entry is
rebuilt. ``python -m numeric kernels --clear-cache`` empties it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import os
import re
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

FORMAT = 1  # bump when the layout of an entry changes
_MODULES = re.compile(r"\b(numpy|scipy(?:\.special)?)\.")


def directory() -> Path:
    if os.environ.get("BACKPROP_DERIVED_CACHE"):
        return Path(os.environ["BACKPROP_DERIVED_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "backprop-derived"


@cache
def _code_fingerprint() -> str:
    """A hash of the code that turns a table entry into kernel source."""
    import sympy

    import symbolic

    files = sorted(Path(symbolic.__file__).parent.glob("*.py"))
    files += [Path(__file__).with_name("kernels.py"), Path(__file__).with_name("printer.py")]
    digest = hashlib.sha256(f"{FORMAT} sympy {sympy.__version__}".encode())
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def key(entry: Any) -> str:
    """The cache key of a table entry: its expressions, SymPy, and our code."""
    import sympy

    digest = hashlib.sha256(_code_fingerprint().encode())
    digest.update(type(entry).__name__.encode())
    for item in dataclasses.fields(entry):
        value = getattr(entry, item.name)
        digest.update(f"{item.name}={sympy.srepr(value)};".encode())
    return digest.hexdigest()[:24]


def _path(entry: Any) -> Path:
    return directory() / f"{entry.name}-{key(entry)}.json"


def _record(kernel: Any) -> dict:
    return {
        "role": kernel.role,
        "args": list(kernel.args),
        "expr": kernel.expr,
        "source": kernel.source,
        "parts": [_record(part) for part in kernel.parts],
    }


def _compile(name: str, record: dict) -> Any:
    """A Kernel from its stored source, executed in a namespace of the modules it names."""
    from numeric.kernels import Kernel

    namespace = {}
    for module in set(_MODULES.findall(record["source"])):
        namespace[module.split(".")[0]] = importlib.import_module(module.split(".")[0])
        importlib.import_module(module)
    exec(compile(record["source"], f"<kernel {name} {record['role']}>", "exec"), namespace)
    fn = namespace["_lambdifygenerated"]
    parts = tuple(_compile(name, part) for part in record["parts"])
    return Kernel(
        name, record["role"], tuple(record["args"]), record["expr"], record["source"], fn, parts
    )


def load(entry: Any) -> tuple | None:
    """The cached (forward, backward) of ``entry``, or None on a miss or a corrupt entry."""
    path = _path(entry)
    try:
        records = json.loads(path.read_text())
        return tuple(_compile(entry.name, record) for record in records["kernels"])
    except FileNotFoundError:
        return None
    except Exception:  # a corrupt or foreign entry: forget it, the caller rebuilds
        path.unlink(missing_ok=True)
        return None


def store(entry: Any, built: tuple) -> None:
    """Write ``built`` for ``entry``, atomically; an unwritable cache is skipped."""
    path = _path(entry)
    text = json.dumps({"name": entry.name, "kernels": [_record(k) for k in built]})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False) as tmp:
            tmp.write(text)
        os.replace(tmp.name, path)
    except OSError:
        pass


def clear() -> int:
    """Delete every cached entry; return how many there were."""
    entries = list(directory().glob("*.json"))
    for path in entries:
        path.unlink(missing_ok=True)
    return len(entries)

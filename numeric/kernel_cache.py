"""An on-disk cache of generated kernel source, so a second process skips SymPy's work.

An entry is keyed by the op's table entry, the SymPy version, and the source of the
code that derives and prints kernels; any change to one of them is a miss. A built-in
op, as the table's source declares it, is keyed by its name, so a warm process finds
its kernels (``load_built_in``) without importing SymPy or ``symbolic`` (10-46 ms for
all 22, where SymPy's import alone takes 0.25 s: ``benchmarks/kernel_build.py``); any
other entry (a user's op, other parameters) by every SymPy expression in it (``srepr``). It lives in
``$BACKPROP_DERIVED_CACHE``, else ``$XDG_CACHE_HOME/backprop-derived``, else
``~/.cache/backprop-derived``; deleting it is always safe.
``python -m numeric kernels --clear-cache`` empties it, temporary files included.

A cached entry is Python source that will run, so it is never trusted blindly:

* the directory must be yours and writable by no one else; otherwise a
  ``KernelCacheWarning`` says why and kernels are built instead, every time;
* an entry must be a regular file of yours that no one else may write, hold its own
  key and a digest of its kernels, and each kernel's source must be what the kernel
  printer writes: one ``def _lambdifygenerated`` of the kernel's arguments, made of
  assignments and a return of arithmetic on NumPy math functions -- no loops, no
  imports but ``scipy.special``, no other names (``check_source``);
* it runs with no builtins but ``abs``. An entry that fails any check is rebuilt, with
  a warning.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import importlib
import importlib.util
import json
import os
import stat
import tempfile
import warnings
from functools import cache
from pathlib import Path
from typing import Any

FORMAT = 2  # bump when the layout of an entry changes
MAX_ENTRY_BYTES = 4 * 2**20
ENTRY = "_lambdifygenerated"

# What the kernel printer (numeric/printer.py, SymPy's NumPyPrinter) may call: NumPy's
# math, comparisons and reductions -- nothing that reads, writes or allocates by size.
NUMPY_NAMES = frozenset(
    """
    abs absolute amax amin angle arccos arccosh arcsin arcsinh arctan arctan2 arctanh ceil
    conjugate cos cosh dot e equal euler_gamma exp exp2 expm1 floor greater greater_equal
    heaviside hypot imag inf isinf isnan less less_equal log log10 log1p log2 logaddexp
    logaddexp2 logical_and logical_not logical_or matmul max maximum min minimum mod
    multiply nan not_equal pi real select sign sin sinc sinh sqrt sum tan tanh transpose
    """.split()
)
SPECIAL_NAMES = frozenset({"erf", "erfc", "ndtr"})  # scipy.special, as the printer calls it
ARRAY_NAMES = frozenset({"T", "dot"})  # (X.T).dot(G)
KEYWORDS = frozenset({"axis", "keepdims", "default"})
_GLOBALS = frozenset({"numpy", "abs"})
_NODES = (
    ast.Module,
    ast.FunctionDef,
    ast.arguments,
    ast.arg,
    ast.Assign,
    ast.Return,
    ast.Name,
    ast.Load,
    ast.Store,
    ast.Attribute,
    ast.Call,
    ast.keyword,
    ast.Constant,
    ast.BinOp,
    ast.UnaryOp,
    ast.Tuple,
    ast.List,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.Pow,
    ast.MatMult,
    ast.USub,
    ast.UAdd,
)


class KernelCacheWarning(UserWarning):
    """The kernel cache, or an entry of it, was not used; kernels are built instead."""


class UntrustedEntry(ValueError):
    """A cached entry that is not what this package writes."""


def directory() -> Path:
    if os.environ.get("BACKPROP_DERIVED_CACHE"):
        return Path(os.environ["BACKPROP_DERIVED_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "backprop-derived"


def _package_files(name: str) -> list[Path]:
    """The top-level ``.py`` files of package ``name``, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"package {name} is not installed")
    return sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.py"))


@cache
def _code_fingerprint() -> str:
    """A hash of the code that turns a table entry into kernel source: ``symbolic`` (the
    table included), the printer, and SymPy's version -- read from the files, importing
    neither (``sympy/release.py`` holds ``__version__``)."""
    files = [path for path in _package_files("sympy") if path.name == "release.py"]
    files += _package_files("symbolic")
    files += [Path(__file__).with_name("kernels.py"), Path(__file__).with_name("printer.py")]
    digest = hashlib.sha256(f"{FORMAT}".encode())
    for path in files:
        digest.update(f"{path.parent.name}/{path.name}".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def built_in_key(name: str) -> str:
    """The key of the built-in op ``name`` as the table's source declares it: the code's
    fingerprint and the name say everything about its kernels (``define`` refuses to
    redefine a built-in name). Computed with no SymPy."""
    digest = hashlib.sha256(_code_fingerprint().encode())
    digest.update(f"built-in {name}".encode())
    return digest.hexdigest()[:24]


def _is_built_in(entry: Any) -> bool:
    """Whether ``entry`` is the table's own entry of a built-in name (not a copy with
    other parameters or expressions)."""
    from symbolic.ops import BUILT_IN, OPS

    return entry.name in BUILT_IN and OPS.get(entry.name) is entry


def key(entry: Any) -> str:
    """The cache key of a table entry: a built-in's name, else its expressions; SymPy,
    and our code."""
    if _is_built_in(entry):
        return built_in_key(entry.name)
    import sympy

    digest = hashlib.sha256(_code_fingerprint().encode())
    digest.update(type(entry).__name__.encode())
    for item in dataclasses.fields(entry):
        value = getattr(entry, item.name)
        digest.update(f"{item.name}={sympy.srepr(value)};".encode())
    return digest.hexdigest()[:24]


# ----- trust: the directory, the file, the source -----

_warned: set[str] = set()


def _warn(message: str) -> None:
    if message not in _warned:  # once per process
        _warned.add(message)
        warnings.warn(message, KernelCacheWarning, stacklevel=4)


def untrusted(folder: Path) -> str | None:
    """Why the cache directory ``folder`` must not be used, or None when it may."""
    try:
        info = folder.stat()
    except FileNotFoundError:
        return None  # created private (0o700) when first written
    except OSError as error:
        return f"it cannot be read ({error.strerror})"
    if not stat.S_ISDIR(info.st_mode):
        return "it is not a directory"
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return f"it belongs to another user (uid {info.st_uid})"
    if os.name == "posix" and info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"others may write to it (mode {stat.S_IMODE(info.st_mode):o})"
    return None  # a directory swapped in later is caught file by file (_read_own)


def _usable(folder: Path) -> bool:
    reason = untrusted(folder)
    if reason is None:
        return True
    _warn(
        f"the kernel cache {folder} is not used: {reason}; kernels are built instead "
        f"(make it private with chmod 700, or set BACKPROP_DERIVED_CACHE)"
    )
    return False


def _read_own(path: Path) -> str:
    """The text of ``path``, a regular file of ours no one else may write (never a link)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags)
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise UntrustedEntry("it is not a regular file")
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise UntrustedEntry(f"it belongs to another user (uid {info.st_uid})")
        if os.name == "posix" and info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise UntrustedEntry(f"others may write to it (mode {stat.S_IMODE(info.st_mode):o})")
        if info.st_size > MAX_ENTRY_BYTES:
            raise UntrustedEntry(f"it holds {info.st_size} bytes, more than an entry can")
        return handle.read().decode()


def check_source(source: str, args: list[str]) -> None:
    """Raise ``UntrustedEntry`` unless ``source`` is a kernel as the printer writes it.

    One ``def _lambdifygenerated(<args>)`` whose body assigns names and returns;
    expressions are arithmetic, tuples, lists, numbers, the arguments, names assigned
    before, ``numpy.<math>`` (``NUMPY_NAMES``), ``abs``, ``.T`` and ``.dot`` of arrays,
    and ``__import__("scipy.special").special.<erf, erfc, ndtr>``.

    >>> check_source("def _lambdifygenerated(x):\\n    return numpy.exp(-x)", ["x"])
    >>> check_source("def _lambdifygenerated(x):\\n    return numpy.load(x)", ["x"])
    Traceback (most recent call last):
    ...
    numeric.kernel_cache.UntrustedEntry: numpy.load is not a function the kernel printer writes
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        raise UntrustedEntry(f"its source does not parse ({type(error).__name__})") from None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.FunctionDef):
        raise UntrustedEntry("its source is not one function")
    function = tree.body[0]
    signature = function.args
    if (
        function.name != ENTRY
        or function.decorator_list
        or function.returns
        or signature.posonlyargs
        or signature.vararg
        or signature.kwonlyargs
        or signature.kwarg
        or signature.defaults
        or [a.arg for a in signature.args] != list(args)
        or any(a.annotation for a in signature.args)
    ):
        raise UntrustedEntry(f"its function is not def {ENTRY}({', '.join(args)})")
    bound = set(args)
    for number, statement in enumerate(function.body, 1):
        last = number == len(function.body)
        if isinstance(statement, ast.Return) and last and statement.value is not None:
            _check_expression(statement.value, bound)
        elif isinstance(statement, ast.Assign) and not last:
            (target,) = statement.targets if len(statement.targets) == 1 else (None,)
            if not isinstance(target, ast.Name) or target.id in _GLOBALS | {"__import__"}:
                raise UntrustedEntry(f"line {number} of its body assigns to something else")
            _check_expression(statement.value, bound)
            bound.add(target.id)
        else:
            kind = type(statement).__name__
            raise UntrustedEntry(
                f"line {number} of its body is not an assignment or the return: {kind}"
            )


def _check_expression(root: ast.AST, bound: set[str]) -> None:
    stack = [root]
    while stack:  # iterative: a long sum is a deep tree
        node = stack.pop()
        if not isinstance(node, _NODES) or isinstance(node, ast.Store):
            raise UntrustedEntry(f"{type(node).__name__} is not something the printer writes")
        if isinstance(node, ast.Name):
            if node.id not in bound and node.id not in _GLOBALS:
                raise UntrustedEntry(f"{node.id!r} is not a name the kernel printer writes")
        elif isinstance(node, ast.Attribute):
            stack.extend(_attribute(node))
        elif isinstance(node, ast.Constant):
            if type(node.value) not in (int, float, bool):
                raise UntrustedEntry(f"{node.value!r} is not a constant the printer writes")
        elif isinstance(node, ast.keyword):
            if node.arg not in KEYWORDS:
                raise UntrustedEntry(f"{node.arg}= is not a keyword the printer writes")
            stack.append(node.value)
        else:
            stack.extend(reversed(list(ast.iter_child_nodes(node))))  # in reading order


def _attribute(node: ast.Attribute) -> list[ast.AST]:
    """The parts of ``node`` left to check: ``numpy.f`` and ``scipy.special.f`` are whole."""
    value = node.value
    if isinstance(value, ast.Name) and value.id == "numpy":
        if node.attr not in NUMPY_NAMES:
            raise UntrustedEntry(f"numpy.{node.attr} is not a function the kernel printer writes")
        return []
    if _is_scipy_special(value):
        if node.attr not in SPECIAL_NAMES:
            raise UntrustedEntry(f"scipy.special.{node.attr} is not one the kernel printer writes")
        return []
    if node.attr not in ARRAY_NAMES:
        raise UntrustedEntry(f".{node.attr} is not an attribute the kernel printer writes")
    return [value]


def _is_scipy_special(node: ast.AST) -> bool:
    """``__import__("scipy.special").special``, as the printer writes it."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "special"
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
        and node.value.func.id == "__import__"
        and not node.value.keywords
        and len(node.value.args) == 1
        and isinstance(node.value.args[0], ast.Constant)
        and node.value.args[0].value == "scipy.special"
    )


def _import(name: str, *args: Any, **kwargs: Any) -> Any:
    if name != "scipy.special":
        raise ImportError(f"a cached kernel may import scipy.special only, not {name}")
    importlib.import_module("scipy.special")
    return importlib.import_module("scipy")


# ----- entries -----


def _record(kernel: Any) -> dict:
    return {
        "role": kernel.role,
        "args": list(kernel.args),
        "expr": kernel.expr,
        "source": kernel.source,
        "parts": [_record(part) for part in kernel.parts],
    }


def _digest(entry_key: str, kernels: list) -> str:
    text = json.dumps([entry_key, kernels], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _checked(name: str, text: str, entry_key: str) -> list[dict]:
    """The kernel records of an entry's text, once everything in it is checked."""
    try:
        stored = json.loads(text)
    except ValueError:
        raise UntrustedEntry("it is not JSON") from None
    if not isinstance(stored, dict) or stored.get("format") != FORMAT:
        raise UntrustedEntry(f"it is not an entry of format {FORMAT}")
    kernels = stored.get("kernels")
    if stored.get("name") != name or stored.get("key") != entry_key:
        raise UntrustedEntry("it holds another op's key")
    if not isinstance(kernels, list) or len(kernels) != 2:
        raise UntrustedEntry("it does not hold a forward and a backward kernel")
    if stored.get("digest") != _digest(entry_key, kernels):
        raise UntrustedEntry("its kernels do not match their digest (edited since written)")
    records = list(kernels)
    while records:
        record = records.pop()
        fields = {"role": str, "args": list, "expr": str, "source": str, "parts": list}
        if not isinstance(record, dict) or any(
            not isinstance(record.get(name), kind) for name, kind in fields.items()
        ):
            raise UntrustedEntry("a kernel record lacks a field")
        if not all(isinstance(arg, str) and arg.isidentifier() for arg in record["args"]):
            raise UntrustedEntry("a kernel's arguments are not names")
        check_source(record["source"], record["args"])
        records.extend(record["parts"])
    return kernels


def _compile(name: str, record: dict) -> Any:
    """A Kernel from its checked source, run with NumPy and no builtins but ``abs``."""
    import numpy

    from numeric.kernels import Kernel

    namespace = {"numpy": numpy, "__builtins__": {"abs": abs, "__import__": _import}}
    exec(compile(record["source"], f"<kernel {name} {record['role']}>", "exec"), namespace)
    fn = namespace[ENTRY]
    parts = tuple(_compile(name, part) for part in record["parts"])
    return Kernel(
        name, record["role"], tuple(record["args"]), record["expr"], record["source"], fn, parts
    )


def load(entry: Any) -> tuple | None:
    """The cached (forward, backward) of ``entry``; None on a miss, or an entry or a
    directory that is not trusted (with a ``KernelCacheWarning``)."""
    if not _usable(directory()):
        return None
    return _load(entry.name, key(entry))


def load_built_in(name: str) -> tuple | None:
    """The cached (forward, backward) of the built-in op ``name``, found by its name
    alone: no SymPy, no table. None on a miss, for a name that is not a built-in's, or
    as ``load`` does; every check of an entry applies."""
    if not name.isidentifier() or not _usable(directory()):
        return None
    return _load(name, built_in_key(name))


def _load(name: str, entry_key: str) -> tuple | None:
    path = directory() / f"{name}-{entry_key}.json"
    try:
        kernels = _checked(name, _read_own(path), entry_key)
        return tuple(_compile(name, record) for record in kernels)
    except FileNotFoundError:
        return None
    except Exception as error:  # noqa: BLE001 - whatever is wrong with it, it is rebuilt
        reason = str(error) or type(error).__name__
        _warn(f"the kernel cache entry {path} is not used: {reason}; it is rebuilt")
        try:
            path.unlink()
        except OSError:
            pass
        return None


def store(entry: Any, built: tuple) -> None:
    """Write ``built`` for ``entry``, atomically; an unwritable or untrusted cache is skipped."""
    folder = directory()
    if not _usable(folder):
        return
    entry_key = key(entry)
    path = folder / f"{entry.name}-{entry_key}.json"
    kernels = [_record(k) for k in built]
    document = {
        "format": FORMAT,
        "name": entry.name,
        "key": entry_key,
        "digest": _digest(entry_key, kernels),
        "kernels": kernels,
    }
    temporary = None
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if untrusted(folder) is not None:
            return
        with tempfile.NamedTemporaryFile(
            "w", dir=folder, prefix=f".{path.name}.", suffix=".tmp", delete=False
        ) as handle:
            temporary = handle.name
            handle.write(json.dumps(document))
        os.replace(temporary, path)
        temporary = None
    except OSError:
        pass
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)


def _temporary(path: Path) -> bool:
    """A file a store() left behind: ours (``.<entry>.json.*.tmp``) or of format 1 (``tmp*``)."""
    name = path.name
    if name.startswith(".") and name.endswith(".tmp") and ".json." in name:
        return True
    return name.startswith("tmp") and len(name) == 11 and name[3:].replace("_", "").isalnum()


def clear() -> int:
    """Delete every cached entry, and the temporary files of interrupted writes; return how
    many entries there were."""
    folder = directory()
    if not folder.is_dir():
        return 0
    entries = list(folder.glob("*.json"))
    for path in entries + [p for p in folder.iterdir() if _temporary(p)]:
        path.unlink(missing_ok=True)
    return len(entries)

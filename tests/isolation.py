"""The test suite writes nothing under the home directory (issue 16, point 3).

``environment`` points every cache the suite's processes could write -- our kernel
cache, matplotlib's font cache, numba's compiled code, IPython's profile, Jupyter's
connection files, anything else under ``$XDG_CACHE_HOME`` -- at a temporary directory.
``snapshot`` lists the places under the home directory that these programs write by
default (every file in them, with its size and modification time, and the names at
the top of the home directory and of ``~/.cache``); ``changes`` says what differs.
The whole home directory is not walked: it holds toolchains of gigabytes, and the
machinery running this session writes its own logs there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

# Where, by default, the programs the suite runs write under $HOME.
WATCHED = (
    ".cache/backprop-derived",  # numeric.kernel_cache without $BACKPROP_DERIVED_CACHE
    ".cache/matplotlib",  # matplotlib's font list
    ".config/matplotlib",
    ".matplotlib",
    ".cache/numba",
    ".ipython",  # ipykernel's profile, history.sqlite
    ".jupyter",
    ".local/share/jupyter",  # runtime/kernel-*.json connection files
    ".hypothesis",
)
# Only their names are compared (a new cache dir, a stray file at the top of $HOME).
LISTED = ("", ".cache", ".config", ".local/share")
# Written by the session's machinery or other tools, not by the suite.
IGNORED_NAMES = frozenset(
    {".claude", ".bash_history", ".python_history", ".lesshst", ".viminfo", "pip", "uv"}
)


@dataclass
class Isolation:
    temporary: Path  # removed at the end of the run
    kernels: Path  # the kernel cache of the run
    environ: dict  # os.environ before the run, restored after
    before: dict = field(default_factory=dict)


def environment(temporary: Path, kernels: Path) -> dict[str, str]:
    """The variables that send every cache of the suite's processes to ``temporary``."""
    places = {
        "BACKPROP_DERIVED_CACHE": kernels,
        "XDG_CACHE_HOME": temporary / "cache",
        "MPLCONFIGDIR": temporary / "matplotlib",
        "NUMBA_CACHE_DIR": temporary / "numba",
        "IPYTHONDIR": temporary / "ipython",
        "JUPYTER_RUNTIME_DIR": temporary / "jupyter-runtime",
    }
    for path in places.values():
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return {name: str(path) for name, path in places.items()}


def snapshot(home: Path) -> dict[str, tuple]:
    """``{relative path: (size, mtime_ns) or "dir"}`` of the watched places under ``home``."""
    found: dict[str, tuple] = {}
    for listed in LISTED:
        folder = home / listed
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            if name not in IGNORED_NAMES:
                found[f"{listed}/{name}".lstrip("/") + " (name)"] = ("listed",)
    for watched in WATCHED:
        for root, dirs, files in os.walk(home / watched):
            dirs.sort()
            for name in sorted(files):
                path = Path(root, name)
                try:
                    info = path.lstat()
                except OSError:
                    continue
                found[str(path.relative_to(home))] = (info.st_size, info.st_mtime_ns)
    return found


def changes(before: dict, after: dict) -> list[str]:
    """What ``after`` adds, removes or modifies relative to ``before``, one line each."""
    lines = []
    for path in sorted(before.keys() | after.keys()):
        if path not in before:
            lines.append(f"created: {path}")
        elif path not in after:
            lines.append(f"removed: {path}")
        elif before[path] != after[path]:
            lines.append(f"modified: {path}")
    return lines

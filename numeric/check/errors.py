"""Why a check could not give a verdict; the CLI turns each into exit 2 and one line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class CheckError(Exception):
    """The subject cannot be checked: wrong arguments, an unknown style, a random forward."""


class UserCodeError(CheckError):
    """The checked code raised (``SystemExit`` and ``KeyboardInterrupt`` included)."""


def call(label: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``; anything it raises becomes a ``UserCodeError`` naming ``label``.

    ``BaseException`` is caught on purpose: an ``exit()`` in a forward must not end
    the check as a pass (exit 0), nor a ``KeyboardInterrupt`` the code raises itself.
    """
    try:
        return fn(*args, **kwargs)
    except CheckError:
        raise
    except BaseException as error:  # noqa: BLE001 - see the docstring
        if isinstance(error, SystemExit):
            said = f"SystemExit({error.code!r}): it called exit() or sys.exit()"
        else:
            said = type(error).__name__ + (f": {error}" if str(error) else "")
        raise UserCodeError(f"{label} raised {said}") from None

"""Checking hand-written gradients, in the styles people write them.

``check_gradients(target, *args)`` recognises the style of ``target`` (an object
with ``forward``/``backward``, a cs231n forward function, a micrograd ``Value``
class, a PyTorch ``Function``), checks every gradient its backward gives against
central finite differences and, when the op is known, the generated kernel, and
returns a ``Report``. ``python -m numeric check`` is ``numeric/check/cli.py``.
"""

from numeric.check.diagnose import Report
from numeric.check.errors import CheckError, UserCodeError
from numeric.check.report import check_gradients

__all__ = ["CheckError", "Report", "UserCodeError", "check_gradients"]

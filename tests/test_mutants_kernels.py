"""numeric/kernels.py: what a generated kernel is, and how a warm process finds it.

Each test names the behaviour it protects; sources are lambdify's, written out here.
Run by ``python benchmarks/mutation.py``.
"""

import importlib
import os
import subprocess
import sys

import numpy as np
import pytest

from numeric.kernels import kernels
from tests.tolerances import RTOL


def test_a_kernel_is_named_by_op_and_role_with_its_arguments_and_formula():
    forward, backward = kernels("silu")
    assert (forward.name, forward.role, forward.args) == ("silu", "forward", ("x",))
    assert (backward.name, backward.role, backward.args) == ("silu", "backward", ("x", "y", "g"))
    assert forward.expr == "x*exp(-logaddexp(0, -x))"


def test_a_kernel_source_shares_common_subexpressions_and_has_no_docstring():
    source = kernels("silu")[1].source
    assert source == (
        "def _lambdifygenerated(x, y, g):\n"
        "    x0 = numpy.exp(-numpy.logaddexp(0, -x))\n"
        "    return g*(x*x0*numpy.exp(-numpy.logaddexp(0, x)) + x0)\n"
    )


def test_a_kernel_of_several_results_has_one_part_per_result():
    parts = kernels("batch_norm")[1].parts
    assert [(p.name, p.role) for p in parts] == [
        ("batch_norm", "backward[0]"),
        ("batch_norm", "backward[1]"),
        ("batch_norm", "backward[2]"),
    ]


def test_a_warm_process_finds_built_in_kernels_by_name_without_sympy(tmp_path):
    env = dict(os.environ, BACKPROP_DERIVED_CACHE=str(tmp_path))
    warm = "from numeric.kernels import kernels; kernels('relu')"
    subprocess.run([sys.executable, "-c", warm], env=env, check=True, timeout=120)
    probe = (
        "import sys; from numeric.kernels import kernels; f, b = kernels('relu'); "
        "print('sympy' in sys.modules, f.name, f.role, b.role, kernels('relu')[0] is f)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    )
    assert done.stdout.split() == ["False", "relu", "forward", "backward", "True"]


# mutmut credits a test only with the functions it calls in its own process, and only
# the first test to build a kernel calls ``generate`` (the rest find it cached): the
# tests below call ``generate`` and the by-name lookup directly.


def test_generate_shares_subexpressions_and_redacts_lambdify_docstring():
    import sympy as sp

    from numeric.kernels import generate

    x, g = sp.symbols("x g")
    kernel = generate("toy", "backward", (x, g), g * sp.exp(-x) * x + sp.exp(-x))
    assert kernel.source == (
        "def _lambdifygenerated(x, g):\n    x0 = numpy.exp(-x)\n    return g*x*x0 + x0\n"
    )
    assert kernel.expr == "g*x*exp(-x) + exp(-x)"
    assert kernel(1.0, 2.0) == 3 * np.exp(-1.0)
    # docstring_limit=0: not even a one-node expression is printed into a docstring
    # (printing a large derivative there costs more than building its kernel)
    bare = generate("toy", "backward", (g,), g)
    assert "EXPRESSION REDACTED DUE TO LENGTH" in bare.fn.__doc__
    assert "SOURCE CODE REDACTED DUE TO LENGTH" in bare.fn.__doc__


def test_a_generated_kernel_namespace_is_numpy_alone_without_scipy():
    # SciPy is optional: only a kernel of a special function imports it, itself
    import sympy as sp

    from numeric.kernels import generate

    x = sp.Symbol("x")
    kernel = generate("toy", "forward", (x,), sp.exp(x))
    assert "numpy" in kernel.fn.__globals__
    assert "scipy" not in kernel.fn.__globals__
    special = generate("toy", "forward", (x,), sp.erf(x))
    assert "scipy" not in special.fn.__globals__
    assert special.source.endswith('__import__("scipy.special").special.erf(x)\n')
    assert special(0.5) == pytest.approx(0.5204998778130465, rel=RTOL[np.float64])  # erf(1/2)


def test_generate_gives_one_part_per_result_of_a_tuple():
    import sympy as sp

    from numeric.kernels import generate

    x, y = sp.symbols("x y")
    kernel = generate("toy", "backward", (x, y), (x * y, x + y))
    assert [(p.role, p.expr, p.args) for p in kernel.parts] == [
        ("backward[0]", "x*y", ("x", "y")),
        ("backward[1]", "x + y", ("x", "y")),
    ]
    assert [p(2.0, 3.0) for p in kernel.parts] == [6.0, 5.0]
    assert kernel(2.0, 3.0) == (6.0, 5.0)
    assert generate("toy", "forward", (x,), x).parts == ()


def test_a_process_without_the_table_keeps_the_built_in_kernels_it_found_by_name(
    cache_dir, monkeypatch
):
    from symbolic import op

    module = importlib.import_module("numeric.kernels")  # the package exports kernels()

    warm = module.kernels_for(op("relu"))  # writes relu's entry, keyed by its name

    def refuse(entry):
        raise AssertionError(f"built {entry.name} from the table")

    monkeypatch.setattr(module, "_BUILT_IN", {})
    monkeypatch.delitem(sys.modules, "symbolic.ops")  # as in a process that never imported it
    monkeypatch.setattr(module, "kernels_for", refuse)
    found = module.kernels("relu")
    assert module._BUILT_IN == {"relu": found}
    assert [k.source for k in found] == [k.source for k in warm]
    assert [k.role for k in found] == ["forward", "backward"]
    assert module.kernels("relu") is found


def test_once_the_table_is_imported_kernels_by_name_are_the_table_entry_kernels(
    cache_dir, monkeypatch
):
    # The by-name lookup is only for a process that has not imported the table; once it
    # has, the table is the authority, and each op is built (or loaded) once per process.
    from symbolic import op

    module = importlib.import_module("numeric.kernels")
    monkeypatch.setattr(module, "_BUILT_IN", {})
    entry_kernels = module.kernels_for(op("relu"))  # on disk now, under relu's name too
    assert module.kernels("relu") is entry_kernels
    assert module._BUILT_IN == {}

"""numeric/kernels.py: what a generated kernel is, and how a warm process finds it.

Each test names the behaviour it protects; sources are lambdify's, written out here.
Run by ``python benchmarks/mutation.py``.
"""

import os
import subprocess
import sys

from numeric.kernels import kernels


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

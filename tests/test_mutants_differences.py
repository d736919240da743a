"""numeric/check/differences.py: the checker's finite differences, against closed forms.

Each test names the behaviour it protects; the references are derivatives worked out
by hand (d<g, A*A>/dA = 2 A g, d<g, X W>/dX = g W^T, d<g, X W>/dW = X^T g), not the
package's kernels. Run by ``python benchmarks/mutation.py``.
"""

import numpy as np
import pytest

from numeric.check import differences


def test_central_difference_moves_an_element_by_1e_6_times_max_1_and_its_size_then_restores():
    array = np.array([0.5, -3.0])
    seen = []
    delta, h = differences._difference(lambda: seen.append(array.copy()) or array * 1.0, array, 1)
    assert h == pytest.approx(3e-6, rel=1e-12)  # 1e-6 * max(1, |-3|)
    assert [s[1] for s in seen] == pytest.approx([-3.0 + 3e-6, -3.0 - 3e-6], rel=1e-15)
    assert delta[1] == pytest.approx(6e-6, rel=1e-9) and delta[0] == 0.0
    assert array.tolist() == [0.5, -3.0]  # restored
    _, h_small = differences._difference(lambda: array * 1.0, array, 0)
    assert h_small == pytest.approx(1e-6, rel=1e-12)  # |0.5| < 1: the step is 1e-6


def test_elementwise_differences_give_2_a_g_for_the_square():
    rng = np.random.default_rng(0)
    a, g = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    grad = differences.elementwise(lambda: a * a, a, g)
    assert grad == pytest.approx(2 * a * g, rel=1e-7, abs=1e-9)


def test_blocked_differences_read_samples_off_rows_and_parameters_off_columns():
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((5, 3)), rng.standard_normal((3, 4))
    g = rng.standard_normal((5, 4))
    by_input = differences.blocked(lambda: x @ w, x, g, axis=0)
    by_weight = differences.blocked(lambda: x @ w, w, g, axis=1)
    assert by_input == pytest.approx(g @ w.T, rel=1e-7, abs=1e-9)
    assert by_weight == pytest.approx(x.T @ g, rel=1e-7, abs=1e-9)


def test_directional_difference_is_the_gradient_dotted_with_the_direction():
    rng = np.random.default_rng(2)
    a, g, v = (rng.standard_normal((2, 3)) for _ in range(3))
    expected = float(np.sum(g * 2 * a * v))
    assert differences.directional(lambda: a * a, a, g, 3.0 * v) == pytest.approx(
        3.0 * expected, rel=1e-6
    )
    assert a == pytest.approx(a.copy())  # restored (no drift of the array)


def test_two_standard_normal_directions_of_the_arrays_shape():
    got = differences.directions((2, 3), np.random.default_rng(7))
    rng = np.random.default_rng(7)
    assert len(got) == 2
    for d in got:
        assert d.shape == (2, 3) and d == pytest.approx(rng.standard_normal((2, 3)))


def _matmul(shape_x: tuple, shape_w: tuple, seed: int = 3):
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(shape_x), rng.standard_normal(shape_w)
    return x, w, rng.standard_normal((shape_x[0], shape_w[1]))


def test_arrays_up_to_512_elements_get_one_difference_per_element():
    x, w, g = _matmul((128, 4), (4, 2))  # 512 inputs
    grad, how = differences.gradient(lambda: x @ w, x, g, 0, np.random.default_rng(0), 1e-5)
    assert how == "finite differences"
    assert grad == pytest.approx(g @ w.T, rel=1e-7, abs=1e-9)


def test_a_larger_array_is_moved_a_line_at_a_time_when_the_structure_allows():
    x, w, g = _matmul((129, 4), (4, 2))  # 516 inputs, rows independent
    grad, how = differences.gradient(lambda: x @ w, x, g, 0, np.random.default_rng(0), 1e-5)
    assert how == "blocked finite differences"
    assert grad == pytest.approx(g @ w.T, rel=1e-7, abs=1e-9)
    _, how = differences.gradient(lambda: x @ w, x, g, None, np.random.default_rng(0), 1e-5)
    assert how == "finite differences"  # no structure promised: element by element


def test_a_blocking_the_random_directions_refute_falls_back_to_elements_up_to_4096():
    x, w, g = _matmul((129, 4), (4, 2))

    def coupled():  # every output row depends on every sample: blocking is wrong
        return x @ w + np.sum(x**2)

    expected = g @ w.T + 2 * x * np.sum(g)
    grad, how = differences.gradient(coupled, x, g, 0, np.random.default_rng(0), 1e-5)
    assert how == "finite differences"
    assert grad == pytest.approx(expected, rel=1e-6, abs=1e-5)  # round-off of sum(x**2)
    x4, w4, g4 = _matmul((1024, 4), (4, 2))  # 4096 inputs: still element by element
    _, how = differences.gradient(lambda: x4 @ w4, x4, g4, None, np.random.default_rng(0), 1e-5)
    assert how == "finite differences"


def test_beyond_4096_elements_without_a_blocking_only_random_directions_are_compared():
    x, w, g = _matmul((1025, 4), (4, 2))  # 4100 inputs
    grad, how = differences.gradient(lambda: x @ w, x, g, None, np.random.default_rng(0), 1e-5)
    assert grad is None and how == "finite differences along random directions"
    grad, how = differences.gradient(lambda: x @ w, x, g, 1, np.random.default_rng(0), 1e-5)
    assert grad is None  # axis 1 but the output's width (2) is not the input's (4)


def test_a_directional_step_is_1e_6_times_max_1_and_the_largest_element_over_the_largest_of_v():
    for array, v, h in (
        (np.array([[0.5, -4.0]]), np.array([[2.0, 1.0]]), 1e-6 * 4 / 2),
        (np.array([[0.5, -0.25]]), np.array([[2.0, 1.0]]), 1e-6 * 1 / 2),
    ):
        start, seen = array.copy(), []
        evaluate = lambda a=array, s=seen: s.append(a.copy()) or a * 1.0  # noqa: E731
        differences.directional(evaluate, array, 1.0, v)
        assert seen[0] == pytest.approx(start + h * v, rel=1e-15, abs=1e-18)
        assert seen[1] == pytest.approx(start - h * v, rel=1e-15, abs=1e-18)
        assert array.tolist() == start.tolist()


def _coupled(eps: float):
    """x @ w plus eps * sum(x**2): each output row depends a little on every sample."""
    x, w, g = _matmul((129, 4), (4, 2))
    return x, g, (lambda: x @ w + eps * np.sum(x**2))


def test_a_blocking_is_trusted_within_rtol_times_the_gradient_norm_times_sqrt_size():
    # bound = 1e-5 * |grad| * sqrt(516) = 4.5e-3; the two directions disagree by
    # 1.4e-4 and 3.1e-4 at eps = 1e-6 (trusted), by 0.14 and 0.31 at eps = 1e-3 (not)
    x, g, small = _coupled(1e-6)
    _, how = differences.gradient(small, x, g, 0, np.random.default_rng(0), 1e-5)
    assert how == "blocked finite differences"
    x, g, large = _coupled(1e-3)
    _, how = differences.gradient(large, x, g, 0, np.random.default_rng(0), 1e-5)
    assert how == "finite differences"


def test_a_zero_gradient_blocking_is_trusted():
    x, w, g = _matmul((129, 4), (4, 2))
    grad, how = differences.gradient(lambda: 0.0 * (x @ w), x, g, 0, np.random.default_rng(0), 1e-5)
    assert how == "blocked finite differences" and not grad.any()

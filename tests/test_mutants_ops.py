"""symbolic/ops.py: looking ops up by name, behaviours mutation testing found unprotected.

Run by ``python benchmarks/mutation.py``; the table's values themselves (conventions,
the clip bound) are pinned in tests/test_extremes.py.
"""

import pytest

from symbolic.ops import OPS, op


def test_an_unknown_op_is_refused_with_the_list_of_known_ops():
    with pytest.raises(KeyError) as refused:
        op("relux")
    message = str(refused.value)
    assert "unknown op 'relux'; the table has: " in message
    assert "cross_entropy, dense," in message and "relu, " in message  # sorted, comma-separated


def test_a_parameter_not_written_key_equals_number_is_refused_by_name():
    with pytest.raises(KeyError, match=r"'leaky_relu\(alpha=big\)': parameters are written"):
        op("leaky_relu(alpha=big)")


def test_parameters_not_given_keep_their_defaults():
    assert op("leaky_relu()").params == ((OPS["leaky_relu"].params[0][0], 0.01),)
    assert OPS["elu"].with_params().params[0][1] == 1.0


def test_parameters_are_split_on_commas_and_read_as_key_equals_number():
    assert op("leaky_relu(alpha = 0.1)").params[0][1] == 0.1  # spaces around =
    assert op("leaky_relu(alpha=0.1,)").params[0][1] == 0.1  # a trailing comma
    with pytest.raises(KeyError, match="parameters are written key=number"):
        op("leaky_relu(alpha=0.1=2)")


def test_a_parameterised_name_is_read_with_spaces_and_refused_when_malformed():
    from symbolic.ops import op

    assert op("leaky_relu( alpha = 0.1 , )").name == "leaky_relu(alpha=0.1)"
    with pytest.raises(
        KeyError, match=r"'leaky_relu\(alpha=0.1, alpha=0.2\)': alpha is given twice"
    ):
        op("leaky_relu(alpha=0.1, alpha=0.2)")
    with pytest.raises(
        KeyError, match=r"'leaky_relu\(alpha==0.1\)': parameters are written key=number"
    ):
        op("leaky_relu(alpha==0.1)")

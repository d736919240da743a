"""numeric/optimizer_file.py: an optimizer's state in a model file.

Each test names the behaviour it protects; messages are compared whole where the
message is the behaviour. Run by ``python benchmarks/mutation.py``.
"""

from __future__ import annotations

import pytest

from numeric import SGD, Adam
from numeric.optimizer_file import kind_of


def test_only_the_package_own_optimizer_classes_are_saved_not_a_subclass():
    class Tuned(Adam):  # may hold state the file does not keep
        pass

    assert [kind_of(SGD()), kind_of(Adam())] == ["sgd", "adam"]
    with pytest.raises(TypeError) as refused:
        kind_of(Tuned())
    assert str(refused.value) == (
        "cannot save the state of a Tuned: the model file keeps SGD, Adam, RMSprop, Adagrad"
    )

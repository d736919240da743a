"""numeric/layer_specs.py: the model file's specs of Dropout, BatchNorm and LayerNorm.

Each test names the behaviour it protects; messages are compared whole where the
message is the behaviour. Run by ``python benchmarks/mutation.py``.
"""

from __future__ import annotations

from numeric import BatchNorm, Dropout, LayerNorm
from numeric.layer_specs import describe, spec_of


def test_a_layer_is_described_as_its_constructor_call_with_exact_floats():
    specs = [spec_of(Dropout(0.2, rng=0)), spec_of(BatchNorm(64)), spec_of(LayerNorm(3, eps=1e-4))]
    assert [describe(spec) for spec in specs] == [
        "Dropout(0.2)",
        "BatchNorm(64, eps=1e-05, momentum=0.1)",
        "LayerNorm(3, eps=0.0001)",
    ]
